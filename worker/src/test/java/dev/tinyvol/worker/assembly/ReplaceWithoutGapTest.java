package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replace swaps the old tree and the new one with renameat2(RENAME_EXCHANGE): a reader that looks
 * at the volume's path in a tight loop through 200 replaces never finds it missing, and always
 * finds one whole version (its marker file there).
 */
class ReplaceWithoutGapTest {

    @TempDir
    Path tmp;

    @Test
    void aReaderNeverSeesTheVolumeMissingDuringReplaces() throws Exception {
        try (AssemblyFixture f = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"))) {
            Manifest[] versions = new Manifest[2];
            for (int v = 0; v < 2; v++) {
                Path src = tmp.resolve("src" + v);
                Files.createDirectories(src.resolve("etc"));
                Files.writeString(src.resolve("etc/version"), "v" + v + "\n");
                for (int i = 0; i < 50; i++) {
                    Files.writeString(src.resolve("etc/f" + i), "file " + i + "\n");
                }
                versions[v] = f.ingest(src, "v" + v);
            }
            f.assemble("web", versions[0]);
            Path volume = f.volumes().resolve("web");
            Path marker = volume.resolve("etc/version");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong looks = new AtomicLong();
            AtomicLong missing = new AtomicLong();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    looks.incrementAndGet();
                    if (!Files.exists(volume, LinkOption.NOFOLLOW_LINKS) || !Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
                        missing.incrementAndGet();
                    }
                }
            });
            reader.start();
            int replaces = 200;
            try {
                for (int i = 1; i <= replaces; i++) {
                    AssemblyReport r = f.assemble("web", versions[i % 2], new AssemblyOptions(true, true));
                    assertEquals(AssemblyReport.Outcome.REPLACED, r.outcome());
                }
            } finally {
                stop.set(true);
                reader.join();
            }
            System.out.println("replace without a gap: " + replaces + " replaces, " + looks.get() + " looks at the path, "
                    + missing.get() + " found it missing");
            assertTrue(looks.get() > replaces, "the reader kept looking: " + looks.get());
            assertEquals(0, missing.get(), "the volume's path was missing " + missing.get() + " times");
            assertEquals("v0\n", Files.readString(marker));
            assertEquals(0, f.leftovers(), "the old trees are gone");
        }
    }
}
