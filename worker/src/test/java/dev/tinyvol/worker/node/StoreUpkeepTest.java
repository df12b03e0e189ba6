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
}
