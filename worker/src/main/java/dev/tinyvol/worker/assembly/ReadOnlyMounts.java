package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.Mounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The read-only bind mount of a volume (onto itself) and the rule around it: TinyVol removes or
 * replaces a volume only with nothing mounted inside it, except its own read-only mount, which it
 * takes off first. A volume whose record says read-only and whose mount is gone (a reboot) gets it back.
 */
final class ReadOnlyMounts {

    private ReadOnlyMounts() {
    }

    static void mount(Path volumeDir, String volume) {
        try {
            Mounts.bindReadOnly(volumeDir);
        } catch (IOException e) {
            TinyVolException t = IoErrors.classify(e, volumeDir.toString(), "mounting volume " + volume + " read-only");
            throw new TinyVolException(ErrorCode.MOUNT_FAILED, volume, "volume " + volume + " could not be bind-mounted "
                    + "read-only (" + t.getMessage() + "); the worker needs CAP_SYS_ADMIN for read-only volumes", e);
        }
    }

    /**
     * Refuses a volume with anything mounted at or below it (nothing is changed then), except, when
     * {@code ownMount} (its record says read-only), its own mount at the volume's directory.
     *
     * @return how many mounts sit at the volume's directory itself (its own, bound once or more)
     */
    static int requireOnlyOwn(Path volumeDir, String volume, boolean ownMount) {
        List<String> mounts = mountsAtOrBelow(volumeDir);
        List<String> others = mounts.stream().filter(m -> !(ownMount && m.equals(volumeDir.toString()))).toList();
        if (!others.isEmpty()) {
            throw new TinyVolException(ErrorCode.VOLUME_BUSY, volume, "volume " + volume + " has a filesystem mounted at "
                    + String.join(", ", others) + "; unmount it first. Nothing was changed");
        }
        return mounts.size();
    }

    /** {@link #requireOnlyOwn}, then takes the volume's own read-only mount off (every layer of it). */
    static void release(Path volumeDir, String volume, boolean ownMount) {
        for (int layers = requireOnlyOwn(volumeDir, volume, ownMount); layers > 0; layers--) {
            try {
                Mounts.unmount(volumeDir);
            } catch (IOException e) {
                throw IoErrors.classify(e, volumeDir.toString(), "unmounting the read-only mount of volume " + volume);
            }
        }
    }

    static boolean isMounted(Path volumeDir) {
        return mountsAtOrBelow(volumeDir).contains(volumeDir.toString());
    }

    private static List<String> mountsAtOrBelow(Path dir) {
        try {
            return MountTable.mountsAtOrBelow(dir);
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "reading the mount table");
        }
    }
}
