package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20, item 1: a ref is never torn, whoever saves it at the same time. */
class ManifestStoreSaveTest {

    @TempDir
    Path tmp;

    /** A manifest big enough that writing it takes more than one write call. */
    private static Manifest manifest(int which) {
        TreeMap<String, ManifestEntry> entries = new TreeMap<>();
        String digest = String.format("%064x", which);
        for (int i = 0; i < 5_000; i++) {
            entries.put("dir-" + which + "/file-" + i, new FileEntry(digest, 0644, 0, 0));
        }
        return new Manifest(2, "writer-" + which, entries);
    }

    @Test
    void writersOfOneRefNeverLeaveItTornOrFailEachOther() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        int writers = 4;
        List<Manifest> versions = new ArrayList<>();
        List<String> identities = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            versions.add(manifest(w));
            identities.add(ManifestCodec.identity(versions.get(w)));
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Manifest mine = versions.get(w);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 40; i++) {
                        new ManifestStore(cas).save("app", mine);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        int[] reads = {0};
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                go.await();
                Path json = cas.refsDir().resolve("app.json");
                while (threads.stream().anyMatch(Thread::isAlive)) {
                    if (!Files.exists(json)) {
                        continue;
                    }
                    // The JSON itself, not a cache of it: whole, and one of the versions written.
                    Manifest read = ManifestCodec.parse(Files.readAllBytes(json));
                    assertTrue(identities.contains(ManifestCodec.identity(read)), "a ref that no writer wrote");
                    reads[0]++;
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        reader.join();
        assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
        assertTrue(identities.contains(ManifestIdentity.of(new ManifestStore(cas).load("app"))));
        System.out.println("concurrent saves of one ref: " + writers + " writers x 40 saves, " + reads[0] + " reads, none torn");
        try (var left = Files.list(cas.tmpDir())) {
            assertEquals(List.of(), left.toList(), "no temporary file left behind");
        }
    }
}
