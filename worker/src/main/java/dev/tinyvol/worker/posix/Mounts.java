package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bind mounts for read-only volumes: a directory bound onto itself, then remounted read-only, so no
 * process without mount privileges can write anything below it, through any path (root included:
 * the kernel answers EROFS). Needs CAP_SYS_ADMIN, as a fleet worker has.
 */
public final class Mounts {

    private Mounts() {
    }

    /** {@code mount --bind DIR DIR} then {@code mount -o remount,bind,ro DIR}; undone if the second fails. */
    public static void bindReadOnly(Path dir) throws IOException {
        byte[] path = dir.toString().getBytes(StandardCharsets.UTF_8);
        Native.mount(path, path, Native.MS_BIND, dir.toString());
        try {
            // Only read-only: setuid binaries and device semantics of the tree stay what the manifest says.
            Native.mount(null, path, Native.MS_BIND | Native.MS_REMOUNT | Native.MS_RDONLY, dir.toString());
        } catch (IOException e) {
            try {
                Native.umount2(path, Native.MNT_DETACH, dir.toString());
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /**
     * Detaches the mount at {@code dir} (MNT_DETACH: processes still inside keep their view until
     * they leave; the path is the directory below at once).
     */
    public static void unmount(Path dir) throws IOException {
        Native.umount2(dir.toString().getBytes(StandardCharsets.UTF_8), Native.MNT_DETACH, dir.toString());
    }
}
