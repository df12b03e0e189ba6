package dev.tinyvol.worker.erofs;

import dev.tinyvol.worker.posix.MountApi;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Mounts a metadata-only image as composefs does, with the new mount API and no tool: EROFS straight
 * from the image file (kernel ≥ 6.12) as a detached mount, then a read-only overlay whose lower layer
 * is that mount ({@code lowerdir+}) and whose data-only layer is the CAS objects directory
 * ({@code datadir+}, kernel ≥ 6.5 for data-only layers), with metacopy and redirects followed. Only
 * the finished overlay is attached, at {@code target}; the EROFS mount lives on as its layer and
 * goes with it at unmount. No temporary directory, no loop device.
 */
public final class ErofsOverlayMount {

    private ErofsOverlayMount() {
    }

    /** The image alone, read-only, at {@code target}: what the kernel's EROFS driver makes of it (for checks). */
    public static void mountImage(Path image, Path target) throws IOException {
        int erofs = MountApi.open("erofs");
        int meta = -1;
        try {
            MountApi.setString(erofs, "source", image.toString());
            meta = MountApi.create(erofs, true, image.toString());
            MountApi.attach(meta, target);
        } finally {
            if (meta >= 0) {
                MountApi.close(meta);
            }
            MountApi.close(erofs);
        }
    }

    public static void mountReadOnly(Path image, Path objects, Path target) throws IOException {
        int erofs = -1;
        int meta = -1;
        int data = -1;
        int overlay = -1;
        int volume = -1;
        try {
            erofs = MountApi.open("erofs");
            MountApi.setString(erofs, "source", image.toString());
            meta = MountApi.create(erofs, true, image.toString());
            data = MountApi.openPath(objects);
            overlay = MountApi.open("overlay");
            MountApi.setFd(overlay, "lowerdir+", meta);
            MountApi.setFd(overlay, "datadir+", data);
            MountApi.setString(overlay, "metacopy", "on");
            MountApi.setString(overlay, "redirect_dir", "follow");
            volume = MountApi.create(overlay, true, target.toString());
            MountApi.attach(volume, target);
        } finally {
            for (int fd : new int[] {volume, overlay, data, meta, erofs}) {
                if (fd >= 0) {
                    MountApi.close(fd);
                }
            }
        }
    }
}
