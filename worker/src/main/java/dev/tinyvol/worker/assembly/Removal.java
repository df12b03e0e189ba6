package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * Teardown of one volume and purge of all. A volume is first renamed into the trash, so it vanishes
 * from its name at once and a crash mid-removal leaves nothing half-removed under that name, then
 * removed. A volume with anything mounted inside it is refused whole (VOLUME_BUSY). A symlink planted
 * where a volume should be is removed itself, never followed.
 */
public final class Removal {

    private final VolumeStore volumes;
    private final ExecutorService pool;

    public Removal(VolumeStore volumes, ExecutorService pool) {
        this.volumes = volumes;
        this.pool = pool;
    }

    /** Removes the volume; an absent volume is not an error. */
    public TeardownReport teardown(String volume, boolean dryRun, Runnable onLockWait) {
        long start = System.nanoTime();
        try (VolumeLocks.Held lock = volumes.lock(volume, onLockWait)) {
            Path target = volumes.volumePath(volume);
            Stat stat;
            try {
                stat = PosixFiles.lstat(target);
            } catch (NoSuchFileException e) {
                volumes.deleteRecord(volume);
                return new TeardownReport(volume, TeardownReport.Outcome.ABSENT, 0, 0, 0, elapsedMs(start), List.of());
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "reading volume " + volume);
            }
            List<String> warnings = new ArrayList<>();
            if (stat.isDirectory()) {
                boolean ownMount = volumes.record(volume).map(VolumeRecord::readOnly).orElse(false);
                if (dryRun) {
                    ReadOnlyMounts.requireOnlyOwn(target, volume, ownMount);
                } else {
                    ReadOnlyMounts.release(target, volume, ownMount); // refuses other mounts; takes off its own one
                }
            } else {
                warnings.add(target + " is not a directory TinyVol built (a " + (stat.isSymlink() ? "symlink" : "file")
                        + "); removed it without following it");
            }
            if (dryRun) {
                // What would go, as its record counts it (before: 0 files for every volume listed).
                VolumeRecord r = volumes.record(volume).orElse(null);
                return new TeardownReport(volume, TeardownReport.Outcome.WOULD_REMOVE, r == null ? 0 : r.files(),
                        r == null ? 0 : r.symlinks(), r == null ? 0 : r.dirs(), elapsedMs(start), warnings);
            }
            Path trash = volumes.trashPathFor(volume);
            try {
                Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), "moving volume " + volume + " to the trash");
            }
            volumes.deleteRecord(volume);
            TreeDeleter.Removed removed = new TreeDeleter(pool).delete(trash);
            return new TeardownReport(volume, TeardownReport.Outcome.REMOVED, removed.files(), removed.symlinks(), removed.dirs(),
                    elapsedMs(start), warnings);
        }
    }

    /**
     * Tears down every volume. A volume that cannot be removed (something mounted in it) is reported
     * and the others are still removed.
     */
    public PurgeReport purge(boolean dryRun, Runnable onLockWait) {
        long start = System.nanoTime();
        List<TeardownReport> removed = new ArrayList<>();
        List<PurgeReport.Failure> failures = new ArrayList<>();
        for (String volume : volumes.volumes()) {
            try {
                removed.add(teardown(volume, dryRun, onLockWait));
            } catch (TinyVolException e) {
                failures.add(new PurgeReport.Failure(volume, e.code().name(), e.getMessage()));
            }
        }
        if (!dryRun) {
            cleanLeftovers();
        }
        return new PurgeReport(dryRun, removed, failures, elapsedMs(start));
    }

    /**
     * Removes staging and trash directories left by a process that died mid-build or mid-removal,
     * and kept manifests no volume uses any more. A leftover whose volume is locked belongs to a live
     * process and is left alone.
     */
    public int cleanLeftovers() {
        volumes.pruneKeptManifests();
        int cleaned = 0;
        for (Path leftover : volumes.leftovers()) {
            String volume = VolumeStore.volumeOfLeftover(leftover);
            try (VolumeLocks.Held lock = volumes.lock(volume, java.time.Duration.ZERO, () -> { })) {
                new TreeDeleter(pool).delete(leftover);
                cleaned++;
            } catch (TinyVolException e) {
                if (e.code() != ErrorCode.VOLUME_LOCKED && e.code() != ErrorCode.INVALID_VOLUME_NAME) {
                    throw e;
                }
            }
        }
        return cleaned;
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
