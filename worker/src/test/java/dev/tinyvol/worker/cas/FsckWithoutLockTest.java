package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fsck hashes without the store lock: a gc run in the middle of its hash pass gets the store at once. */
class FsckWithoutLockTest {

    @TempDir
    Path tmp;

    @Test
    void aGcInTheMiddleOfAnFsckHashPassRuns() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("base")), "base", 2, Progress.NONE);
        CountDownLatch midPass = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        CompletableFuture<Fsck.Report> fsck = CompletableFuture.supplyAsync(() -> new Fsck(cas, Map::of, null, 1)
                .run(false, (phase, done, total) -> {
                    if (phase.equals("checking") && done == 1) {
                        midPass.countDown();
                        try {
                            goOn.await(); // hold the hash pass here, as a long one would be
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }), threads);
        try {
            assertTrue(midPass.await(60, TimeUnit.SECONDS), "fsck started hashing");
            // No patience at all: the store must be free while fsck hashes. (60 s only turns a hang into a failure.)
            GarbageCollector.Report r = CompletableFuture.supplyAsync(() -> new GarbageCollector(cas,
                    VolumeStore.open(tmp.resolve("volumes"))::manifestsInUse, Duration.ZERO, Duration.ZERO).collect(false), threads)
                    .get(60, TimeUnit.SECONDS);
            assertEquals(0, r.blobsRemoved(), "the ref uses every blob");
        } finally {
            goOn.countDown();
        }
        try {
            assertTrue(fsck.get(60, TimeUnit.SECONDS).clean());
        } finally {
            threads.shutdownNow();
        }
    }
}
