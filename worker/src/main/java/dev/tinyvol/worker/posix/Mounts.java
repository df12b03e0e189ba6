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

    /**
     * {@code mount --bind DIR DIR} then {@code mount -o remount,bind,ro DIR}, keeping the per-mount
     * flags the bind took from the mount DIR is on; undone if the second fails.
     */
    public static void bindReadOnly(Path dir) throws IOException {
        byte[] path = dir.toString().getBytes(StandardCharsets.UTF_8);
        Native.mount(path, path, Native.MS_BIND, dir.toString());
        try {
            // A bind remount sets the per-mount flags to exactly what it is given: with only RDONLY it
            // would drop the nosuid, nodev and noexec the operator put on the volumes' filesystem (and,
            // in a user namespace, fail with EPERM for the locked ones). So carry them over, as runc does.
            long kept = perMountFlags(Native.statvfsFlags(path, dir.toString()));
            Native.mount(null, path, Native.MS_BIND | Native.MS_REMOUNT | Native.MS_RDONLY | kept, dir.toString());
        } catch (IOException e) {
            try {
                Native.umount2(path, Native.MNT_DETACH, dir.toString());
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /** The MS_* flags for the per-mount ST_* flags statvfs reports (the rest are the filesystem's own). */
    static long perMountFlags(long statvfsFlags) {
        long flags = 0;
        if ((statvfsFlags & Native.ST_NOSUID) != 0) {
            flags |= Native.MS_NOSUID;
        }
        if ((statvfsFlags & Native.ST_NODEV) != 0) {
            flags |= Native.MS_NODEV;
        }
        if ((statvfsFlags & Native.ST_NOEXEC) != 0) {
            flags |= Native.MS_NOEXEC;
        }
        if ((statvfsFlags & Native.ST_NOATIME) != 0) {
            flags |= Native.MS_NOATIME;
        }
        if ((statvfsFlags & Native.ST_NODIRATIME) != 0) {
            flags |= Native.MS_NODIRATIME;
        }
        if ((statvfsFlags & Native.ST_RELATIME) != 0) {
            flags |= Native.MS_RELATIME;
        }
        return flags;
    }

    /**
     * Detaches the mount at {@code dir} (MNT_DETACH: processes still inside keep their view until
     * they leave; the path is the directory below at once).
     */
    public static void unmount(Path dir) throws IOException {
        Native.umount2(dir.toString().getBytes(StandardCharsets.UTF_8), Native.MNT_DETACH, dir.toString());
    }
}
