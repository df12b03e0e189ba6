package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.progress.Progress;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * A node's volumes over its CAS: the one entry point the command line and the worker use to
 * assemble, tear down, purge, verify and list. Owns the threads that do the file work.
 */
public final class VolumeService implements AutoCloseable {

    private final Cas cas;
    private final VolumeStore volumes;
    private final ExecutorService pool;
    private final ExecutorService checker;
    private final Assembler assembler;
    private final Removal removal;
    private final Verifier verifier;

    public VolumeService(Cas cas, VolumeStore volumes, int threads) {
        this.cas = cas;
        this.volumes = volumes;
        this.pool = WorkerPool.create("tinyvol-fs", threads);
        this.checker = WorkerPool.create("tinyvol-check", threads);
        this.assembler = new Assembler(cas, volumes, pool, threads, checker);
        this.removal = new Removal(volumes, pool);
        this.verifier = new Verifier(cas, volumes, pool);
    }

    public Cas cas() {
        return cas;
    }

    public VolumeStore volumes() {
        return volumes;
    }

    public AssemblyReport assemble(String volume, Manifest manifest, String source, AssemblyOptions options,
                                   Progress progress, Runnable onLockWait) {
        return assembler.assemble(volume, manifest, source, options, progress, onLockWait);
    }

    public TeardownReport teardown(String volume, Runnable onLockWait) {
        return removal.teardown(volume, false, onLockWait);
    }

    public PurgeReport purge(boolean dryRun, Runnable onLockWait) {
        return removal.purge(dryRun, onLockWait);
    }

    public VerifyReport verify(String volume, boolean deep) {
        return verifier.verify(volume, deep);
    }

    public VerifyReport verify(String volume, Manifest manifest, boolean deep) {
        return verifier.verify(volume, manifest, deep);
    }

    public VerifyReport verify(String volume, boolean deep, Progress progress) {
        return verifier.verify(volume, deep, progress);
    }

    public VerifyReport verify(String volume, Manifest manifest, boolean deep, Progress progress) {
        return verifier.verify(volume, manifest, deep, progress);
    }

    public List<VolumeLister.VolumeInfo> list() {
        return new VolumeLister(volumes).list();
    }

    /** One page of the volumes in name order (LIST with options.after and options.limit). */
    public VolumeLister.Page list(String after, int limit) {
        return new VolumeLister(volumes).page(after, limit);
    }

    /** What the check after an unclean stop found for one volume. */
    public enum CheckVerdict { WHOLE, DAMAGED, GONE }

    /**
     * After an unclean stop (a crash or a power loss): checks one recorded volume against its
     * manifest (a stat per path) and sets aside its record if it is not whole, so it is rebuilt
     * rather than reported unchanged. The volume's lock is held from the check to the verdict, so
     * a rebuild in between cannot be marked damaged. An interruption throws (INTERRUPTED): the
     * check is unfinished, not a verdict.
     */
    public CheckVerdict checkAfterUncleanStop(String volume) {
        try (VolumeLocks.Held lock = volumes.lock(volume, () -> { })) {
            if (volumes.record(volume).isEmpty()) {
                return CheckVerdict.GONE; // unrecorded (or its record was unreadable and is set aside already)
            }
            VerifyReport report;
            try {
                report = verifier.verifyHeld(volume, false, Progress.NONE);
            } catch (dev.tinyvol.worker.errors.TinyVolException e) {
                switch (e.code()) {
                    case VOLUME_NOT_FOUND:
                        return CheckVerdict.GONE;
                    case INTERRUPTED:
                        throw e;
                    case MANIFEST_NOT_FOUND:
                        report = null; // its kept manifest is gone or unreadable: it cannot be shown whole
                        break;
                    default:
                        if (Thread.currentThread().isInterrupted()) {
                            throw new dev.tinyvol.worker.errors.TinyVolException(
                                    dev.tinyvol.worker.errors.ErrorCode.INTERRUPTED, volume, "interrupted", e);
                        }
                        report = null;
                }
            }
            if (report == null || !report.clean()) {
                volumes.markDamaged(volume);
                return CheckVerdict.DAMAGED;
            }
            return CheckVerdict.WHOLE;
        }
    }

    /** Removes staging and trash left by a process that died; run at start-up. */
    public int cleanLeftovers() {
        return removal.cleanLeftovers();
    }

    /**
     * Mounts read-only again every volume whose record says read-only and whose mount is gone (after
     * a reboot, or a crash between a build and its mount); returns the volumes it mounted. Each is
     * done under the volume's lock; one that fails is logged and the rest are still done.
     */
    public List<String> restoreReadOnlyMounts() {
        List<String> restored = new java.util.ArrayList<>();
        for (String volume : volumes.volumes()) {
            try (VolumeLocks.Held lock = volumes.lock(volume, () -> { })) {
                var record = volumes.record(volume);
                java.nio.file.Path dir = volumes.volumePath(volume);
                if (record.isPresent() && record.get().readOnly() && !ReadOnlyMounts.isMounted(dir)) {
                    ReadOnlyMounts.mount(dir, volume);
                    restored.add(volume);
                }
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(VolumeService.class).error("could not mount volume {} read-only again: {}",
                        volume, e.getMessage());
            }
        }
        return restored;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        checker.shutdownNow();
    }
}
