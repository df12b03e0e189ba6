package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer shared by threads (a pull unpacks several layers side by side into one). Seen in CI: a
 * pull failed with ENOENT from renameat2, because one thread marked a shard directory as made before
 * making it, and another thread renamed into it in between.
 */
class BlobWriterTest {

    @TempDir
    Path tmp;

    @Test
    void threadsStoringIntoNewShardsAtOnceAllSucceed() throws Exception {
        for (int round = 0; round < 20; round++) {
            Cas cas = Cas.create(tmp.resolve("cas-" + round));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            AtomicInteger stored = new AtomicInteger();
            try (BlobWriter writer = cas.blobWriter()) {
                List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    tasks.add(pool.submit(() -> {
                        for (int i = 0; i < 64; i++) {
                            byte[] content = ("round " + thread + " blob " + i).getBytes(StandardCharsets.UTF_8);
                            writer.store(new ByteArrayInputStream(content), 0644, 0, 0);
                            stored.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> task : tasks) {
                    task.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(8 * 64, stored.get());
            try (var files = Files.walk(cas.objectsDir())) {
                assertEquals(8 * 64, files.filter(Files::isRegularFile).count());
            }
        }
    }
}
