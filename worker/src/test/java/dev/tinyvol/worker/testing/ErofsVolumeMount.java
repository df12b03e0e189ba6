package dev.tinyvol.worker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A metadata-only EROFS image mounted as composefs mounts it, with util-linux's mount: the image
 * (through a loop device) at {@code meta}, then a read-only overlay at {@code target} with the image
 * as its lower layer and the CAS objects directory as a data-only layer ({@code ::}), which the
 * image's absolute redirects name. Closing unmounts both, the overlay first, even if one fails.
 */
public final class ErofsVolumeMount implements AutoCloseable {

    private final Path meta;
    private final Path target;

    private ErofsVolumeMount(Path meta, Path target) {
        this.meta = meta;
        this.target = target;
    }

    public static ErofsVolumeMount mount(Path image, Path objects, Path meta, Path target) throws IOException {
        Files.createDirectories(meta);
        Files.createDirectories(target);
        Mount.run("mount", "-t", "erofs", "-o", "ro,loop", image.toString(), meta.toString());
        try {
            Mount.run("mount", "-t", "overlay", "overlay", "-o",
                    "ro,lowerdir=" + meta + "::" + objects + ",metacopy=on,redirect_dir=follow", target.toString());
        } catch (IOException | RuntimeException e) {
            Mount.run("umount", meta.toString());
            throw e;
        }
        return new ErofsVolumeMount(meta, target);
    }

    public Path target() {
        return target;
    }

    @Override
    public void close() throws IOException {
        try {
            Mount.run("umount", target.toString());
        } finally {
            Mount.run("umount", meta.toString());
        }
    }
}
