package dev.tinyvol.worker.node;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.GarbageCollector;
import dev.tinyvol.worker.cas.StoreStats;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's upkeep on a running worker, on a thread of its own: the CAS's size figures (for
 * metrics) taken every few minutes rather than on every scrape (they walk the whole store), and a
 * gc run by the worker itself when free space on the CAS's filesystem falls short of
 * {@code cas.gc.min.free}, or every {@code cas.gc.interval}. Such a gc is as safe as a GC request:
 * it holds the CAS lock exclusive while it runs. It never waits on another process: when one holds
 * the store (a {@code tinyvol cas fsck}, a pull), the gc ends STORE_BUSY after {@code cas.gc.lock.wait}
 * and is tried again at the next check. Every task is guarded against any {@link Throwable}
 * (an {@link OutOfMemoryError} included): it is logged, and the thread goes on to the next run.
 */
public final class StoreUpkeep implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreUpkeep.class);

    /** How a low-space gc is spaced out: a gc that could not free enough is not repeated every minute. */
    static final Duration LOW_SPACE_PAUSE = Duration.ofMinutes(10);

    /** Why a gc ran. */
    public enum Trigger { LOW_SPACE, SCHEDULE }

    private final Cas cas;
    private final VolumeStore volumes;
    private final WorkerConfig.Gc policy;
    private final BiConsumer<Trigger, GarbageCollector.Report> onGc;
    private final java.util.function.Consumer<Trigger> onBusy;
    private final AtomicReference<StoreStats.Totals> size = new AtomicReference<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tinyvol-store-upkeep");
        t.setDaemon(true);
        return t;
    });
    private long lastLowSpaceGc = Long.MIN_VALUE;
    /** A scheduled gc that found the store busy, to be tried again at the next check. */
    private volatile boolean scheduledPending;

    /**
     * @param checkEvery how often free space is looked at (a minute; shorter in tests)
     * @param onGc       told of every gc this runs (metrics)
     */
    public StoreUpkeep(Cas cas, VolumeStore volumes, WorkerConfig.Gc policy, Duration checkEvery,
                       BiConsumer<Trigger, GarbageCollector.Report> onGc) {
        this(cas, volumes, policy, checkEvery, onGc, trigger -> { });
    }

    /** @param onBusy told of every gc that found the store busy and was put off to the next check */
    public StoreUpkeep(Cas cas, VolumeStore volumes, WorkerConfig.Gc policy, Duration checkEvery,
                       BiConsumer<Trigger, GarbageCollector.Report> onGc, java.util.function.Consumer<Trigger> onBusy) {
        this.onBusy = onBusy;
        this.cas = cas;
        this.volumes = volumes;
        this.policy = policy;
        this.onGc = onGc;
        thread.scheduleWithFixedDelay(guarded("measuring the CAS", this::measure), 0, 5, TimeUnit.MINUTES);
        if (!policy.minFree().never()) {
            thread.scheduleWithFixedDelay(guarded("checking free space on the CAS", this::checkSpace),
                    checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (policy.interval() != null) {
            long every = policy.interval().toMillis();
            // A scheduled gc that found the store busy is tried again at the next free-space check.
            thread.scheduleWithFixedDelay(guarded("the scheduled gc", () -> {
                if (!collect(Trigger.SCHEDULE)) {
                    scheduledPending = true;
                }
            }), every, every, TimeUnit.MILLISECONDS);
        }
        if (policy.interval() != null && policy.minFree().never()) {
            thread.scheduleWithFixedDelay(guarded("retrying a gc", this::retryScheduled),
                    checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The CAS's blobs and stored bytes as last measured, or null before the first measurement. */
    public StoreStats.Totals size() {
        return size.get();
    }

    /**
     * A task that survives whatever it throws: a scheduled executor drops a task for good after one
     * throw, and an {@link OutOfMemoryError} on this thread would otherwise end its upkeep silently.
     * (What failed let go of what it held: the next run starts with the heap it freed.)
     */
    static Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (OutOfMemoryError e) {
                LOG.error("{} ran out of memory ({}); it runs again at its next turn", what, e.getMessage());
            } catch (Throwable e) {
                LOG.error("{} failed: {}; it runs again at its next turn", what, e.toString(), e);
            }
        };
    }

    private void measure() {
        try {
            size.set(StoreStats.of(cas));
        } catch (RuntimeException e) {
            LOG.warn("measuring the CAS failed: {}", e.getMessage());
        }
    }

    private void retryScheduled() {
        if (scheduledPending && collect(Trigger.SCHEDULE)) {
            scheduledPending = false;
        }
    }

    private void checkSpace() {
        retryScheduled();
        try {
            FileStore fs = Files.getFileStore(cas.root());
            long usable = fs.getUsableSpace();
            if (!policy.minFree().isShort(usable, fs.getTotalSpace())) {
                return;
            }
            long now = System.nanoTime();
            if (lastLowSpaceGc != Long.MIN_VALUE && now - lastLowSpaceGc < LOW_SPACE_PAUSE.toNanos()) {
                return;
            }
            LOG.warn("free space on the CAS's filesystem is {} bytes, under cas.gc.min.free={}: collecting garbage",
                    usable, policy.minFree());
            if (!collect(Trigger.LOW_SPACE)) {
                return; // the store was busy: the next check tries again
            }
            lastLowSpaceGc = now;
            scheduledPending = false;
            long after = fs.getUsableSpace();
            if (policy.minFree().isShort(after, fs.getTotalSpace())) {
                LOG.warn("free space is still under cas.gc.min.free after the gc ({} bytes): what is left is in use; "
                        + "remove refs no one needs ('tinyvol cas refs rm') or volumes, or give the CAS more room", after);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("checking free space on the CAS failed: {}", e.getMessage());
        }
    }

    /** @return false when the store was busy (another process held it): the caller tries again later */
    private boolean collect(Trigger trigger) {
        String why = trigger.name().toLowerCase(java.util.Locale.ROOT);
        try {
            GarbageCollector.Report r = new GarbageCollector(cas, volumes::manifestsInUse, policy.minAge(), policy.lockWait())
                    .collect(false);
            LOG.info("gc ({}): removed {} blobs, {} instances, {} bytes in {} ms; {} kept as younger than {}", why,
                    r.blobsRemoved(), r.instancesRemoved(), r.bytesReclaimed(), r.durationMs(), r.youngKept(), policy.minAge());
            onGc.accept(trigger, r);
            measure();
            return true;
        } catch (TinyVolException e) {
            if (e.code() == ErrorCode.STORE_BUSY) {
                LOG.warn("gc ({}) postponed: {}; it is tried again at the next check", why, e.getMessage());
                onBusy.accept(trigger);
                return false;
            }
            LOG.error("gc ({}) failed: {}: {}", why, e.code(), e.getMessage());
            return true;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
