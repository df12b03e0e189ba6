package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.GarbageCollector;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.config.FreeSpace;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker collects garbage by itself when its CAS's filesystem runs short: a CAS on a 16 MiB
 * tmpfs, filled with 12 MiB that no ref uses any more, is brought back over cas.gc.min.free=50%
 * without anyone asking, while the blobs of a live ref stay.
 */
class StoreUpkeepTest {

    @TempDir
    Path tmp;

    @Test
    void lowSpaceOnTheCasFilesystemStartsAGcThatKeepsWhatRefsUse() throws Exception {
        try (Mount fs = Mount.tmpfs(tmp.resolve("small"), "size=16m")) {
            Cas cas = Cas.create(fs.point().resolve("cas"));
            VolumeStore volumes = VolumeStore.open(fs.point().resolve("volumes"));
            Path live = tmp.resolve("live");
            Files.createDirectories(live);
            Files.writeString(live.resolve("keep.txt"), "still used\n");
            new Ingester(cas, 2).ingest(live, "live", 2, Progress.NONE);
            Path junk = tmp.resolve("junk");
            Files.createDirectories(junk);
            for (int i = 0; i < 12; i++) {
                byte[] mib = new byte[1 << 20];
                new java.util.Random(i).nextBytes(mib);
                Files.write(junk.resolve("blob-" + i), mib);
            }
            new Ingester(cas, 2).ingest(junk, "junk", 2, Progress.NONE);
            new ManifestStore(cas).remove("junk");
            long before = Files.getFileStore(cas.root()).getUsableSpace();
            assertTrue(before < 8L << 20, "the filesystem is short of 50% free: " + before);

            List<GarbageCollector.Report> gcs = new CopyOnWriteArrayList<>();
            try (StoreUpkeep upkeep = new StoreUpkeep(cas, volumes, new WorkerConfig.Gc(FreeSpace.parse("50%"), null, Duration.ZERO, Duration.ofSeconds(30)),
                    Duration.ofMillis(100), (trigger, r) -> {
                        assertEquals(StoreUpkeep.Trigger.LOW_SPACE, trigger);
                        gcs.add(r);
                    })) {
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (gcs.isEmpty() && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                assertEquals(1, gcs.size(), "one gc, started by low space");
                assertEquals(12, gcs.get(0).blobsRemoved());
                long after = Files.getFileStore(cas.root()).getUsableSpace();
                assertTrue(after >= 8L << 20, "back over 50% free: " + after);
                assertEquals("still used\n", new String(Files.readAllBytes(cas.instancePath(
                        dev.tinyvol.worker.cas.BlobKey.of((dev.tinyvol.messages.manifest.FileEntry)
                                new ManifestStore(cas).load("live").entries().get("keep.txt"))))));
                Thread.sleep(500);
                assertEquals(1, gcs.size(), "space is fine now: no further gc");
            }
        }
    }

    /**
     * The worker's low-space gc fires while another process holds the store shared (a long 'tinyvol cas
     * fsck'): 20 assemblies are all answered while it holds it, the gc is put off as busy (again at each
     * check), and once the other process lets go the next check's gc succeeds.
     */
    @Test
    void aLowSpaceGcPutOffByAnotherProcessNeverHoldsUpAssemblies() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        VolumeStore volumes = VolumeStore.open(tmp.resolve("volumes"));
        new Ingester(cas, 2).ingest(dev.tinyvol.worker.testing.Trees.rootfs(tmp.resolve("base")), "base", 2, Progress.NONE);
        var base = new ManifestStore(cas).load("base");
        java.util.concurrent.atomic.AtomicInteger busy = new java.util.concurrent.atomic.AtomicInteger();
        List<GarbageCollector.Report> gcs = new CopyOnWriteArrayList<>();
        Process holder = dev.tinyvol.worker.testing.HoldStoreLock.start(cas.root(), "shared");
        // 100% free wanted: space is always short, so every check wants a gc.
        try (var service = new dev.tinyvol.worker.assembly.VolumeService(cas, volumes, 2);
             StoreUpkeep upkeep = new StoreUpkeep(cas, volumes, new WorkerConfig.Gc(FreeSpace.parse("100%"), null,
                     Duration.ZERO, Duration.ofMillis(300)), Duration.ofMillis(50), (t, r) -> gcs.add(r), t -> busy.incrementAndGet())) {
            while (busy.get() == 0) {
                Thread.sleep(10);
            }
            for (int i = 0; i < 20; i++) {
                service.assemble("v-" + i, base, "ref:base", dev.tinyvol.worker.assembly.AssemblyOptions.DEFAULTS,
                        Progress.NONE, () -> { });
            }
            assertTrue(holder.isAlive(), "the other process still holds the store");
            assertTrue(gcs.isEmpty(), "no gc ran while it held the store");
            int putOff = busy.get();
            while (busy.get() < putOff + 2) {
                Thread.sleep(10); // put off again and again, never given up
            }
            dev.tinyvol.worker.testing.HoldStoreLock.release(holder);
            while (gcs.isEmpty()) {
                Thread.sleep(10);
            }
            assertEquals(0, gcs.get(0).blobsRemoved(), "the ref and its 20 volumes use every blob");
            assertTrue(service.verify("v-19", true).clean());
        } finally {
            holder.destroyForcibly();
        }
    }

    /** A real OutOfMemoryError in an upkeep task is logged, and the task runs again at its next turn. */
    @Test
    void anUpkeepTaskSurvivesAnOutOfMemoryError() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        var thread = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            thread.scheduleWithFixedDelay(StoreUpkeep.guarded("a test task", () -> {
                if (runs.incrementAndGet() == 1) {
                    long[] huge = new long[Integer.MAX_VALUE - 2]; // more than any heap: a real OutOfMemoryError
                    huge[0] = 1;
                }
            }), 0, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
            while (runs.get() < 3) {
                Thread.sleep(10);
            }
        } finally {
            thread.shutdownNow();
        }
        assertTrue(runs.get() >= 3, "it ran again after the error");
    }
}
