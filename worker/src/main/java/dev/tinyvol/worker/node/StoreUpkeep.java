package dev.tinyvol.worker.node;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.GarbageCollector;
import dev.tinyvol.worker.cas.StoreStats;
import dev.tinyvol.worker.config.WorkerConfig;
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
 * it holds the CAS lock exclusive, so it waits for and holds off every assembly, ingest and pull.
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
    private final AtomicReference<StoreStats.Totals> size = new AtomicReference<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tinyvol-store-upkeep");
        t.setDaemon(true);
        return t;
    });
    private long lastLowSpaceGc = Long.MIN_VALUE;

    /**
     * @param checkEvery how often free space is looked at (a minute; shorter in tests)
     * @param onGc       told of every gc this runs (metrics)
     */
    public StoreUpkeep(Cas cas, VolumeStore volumes, WorkerConfig.Gc policy, Duration checkEvery,
                       BiConsumer<Trigger, GarbageCollector.Report> onGc) {
        this.cas = cas;
        this.volumes = volumes;
        this.policy = policy;
        this.onGc = onGc;
        thread.scheduleWithFixedDelay(this::measure, 0, 5, TimeUnit.MINUTES);
        if (!policy.minFree().never()) {
            thread.scheduleWithFixedDelay(this::checkSpace, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (policy.interval() != null) {
            long every = policy.interval().toMillis();
            thread.scheduleWithFixedDelay(() -> collect(Trigger.SCHEDULE), every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The CAS's blobs and stored bytes as last measured, or null before the first measurement. */
    public StoreStats.Totals size() {
        return size.get();
    }

    private void measure() {
        try {
            size.set(StoreStats.of(cas));
        } catch (RuntimeException e) {
            LOG.warn("measuring the CAS failed: {}", e.getMessage());
        }
    }

    private void checkSpace() {
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
            lastLowSpaceGc = now;
            LOG.warn("free space on the CAS's filesystem is {} bytes, under cas.gc.min.free={}: collecting garbage",
                    usable, policy.minFree());
            collect(Trigger.LOW_SPACE);
            long after = fs.getUsableSpace();
            if (policy.minFree().isShort(after, fs.getTotalSpace())) {
                LOG.warn("free space is still under cas.gc.min.free after the gc ({} bytes): what is left is in use; "
                        + "remove refs no one needs ('tinyvol cas refs rm') or volumes, or give the CAS more room", after);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("checking free space on the CAS failed: {}", e.getMessage());
        }
    }

    private void collect(Trigger trigger) {
        try {
            GarbageCollector.Report r = new GarbageCollector(cas, volumes::manifestsInUse).collect(false);
            LOG.info("gc ({}): removed {} blobs, {} instances, {} bytes in {} ms", trigger.name().toLowerCase(java.util.Locale.ROOT),
                    r.blobsRemoved(), r.instancesRemoved(), r.bytesReclaimed(), r.durationMs());
            onGc.accept(trigger, r);
            measure();
        } catch (RuntimeException e) {
            LOG.error("gc ({}) failed: {}", trigger, e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
