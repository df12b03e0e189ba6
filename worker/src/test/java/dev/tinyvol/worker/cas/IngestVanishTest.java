package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live tree changes while it is ingested (a package install renames its .dpkg-new files). Issue 21,
 * first hour item 9: before, a file that vanished between listing and reading failed the whole ingest
 * with IO_ERROR. Now it is left out with a warning naming it, or, with strict, the ingest fails with
 * SOURCE_CHANGED. The files really vanish: a thread removes and makes them again while ingests run.
 */
class IngestVanishTest {

    @TempDir
    Path tmp;

    @Test
    void filesThatVanishMidIngestAreWarningsOrWithStrictAFailure() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(src.resolve("f" + i + ".dpkg-new"), "content " + i + "\n".repeat(200));
        }
        Files.writeString(src.resolve("stays"), "kept\n");
        Cas cas = Cas.create(tmp.resolve("cas"));
        AtomicBoolean churn = new AtomicBoolean(true);
        Thread churner = new Thread(() -> {
            int i = 0;
            while (churn.get()) {
                Path f = src.resolve("f" + (i++ % 300) + ".dpkg-new");
                try {
                    Files.deleteIfExists(f);
                    Files.writeString(f, "again\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }, "churn");
        churner.start();
        int lenientWithVanished = 0;
        int strictFailures = 0;
        try {
            for (int round = 0; round < 400 && (lenientWithVanished == 0 || strictFailures == 0); round++) {
                var report = new Ingester(cas, 4).ingest(src, "live", 2, Progress.NONE);
                var gone = report.warnings().stream().filter(w -> w.endsWith(": removed before it was read; left out")
                        || w.endsWith(": changed while it was read; left out")).toList();
                if (!gone.isEmpty()) {
                    lenientWithVanished++;
                    Manifest m = new ManifestStore(cas).load("live");
                    for (String w : gone) {
                        String path = w.substring(0, w.indexOf(':'));
                        assertFalse(m.entries().containsKey(path), "a vanished file is not in the manifest: " + path);
                    }
                    assertTrue(m.entries().containsKey("stays"));
                    if (lenientWithVanished == 1) {
                        System.out.println("ingest of a changing tree: " + gone.get(0) + " (" + gone.size() + " such)");
                    }
                }
                try {
                    new Ingester(cas, 4, true).ingest(src, "strict", 2, Progress.NONE);
                } catch (TinyVolException e) {
                    assertEquals(ErrorCode.SOURCE_CHANGED, e.code(), e.getMessage());
                    strictFailures++;
                }
            }
        } finally {
            churn.set(false);
            churner.join();
        }
        assertTrue(lenientWithVanished > 0, "no file vanished mid-ingest in 400 rounds");
        assertTrue(strictFailures > 0, "no strict ingest saw a file vanish in 400 rounds");
    }
}
