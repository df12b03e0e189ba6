package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compact form of a ref is a cache of its JSON: equal when fresh, ignored when stale or damaged. */
class CompactManifestTest {

    @TempDir
    Path tmp;

    @Test
    void aStoredRefLoadsFromItsCompactFormWithTheSameEntriesAndIdentity() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        Path src = Trees.rootfs(tmp.resolve("src"));
        Trees.file(src, "opt/ünïcode/名前.txt", "names that are not ASCII\n", 0644);
        Files.createDirectories(src.resolve("opt/empty"));
        new Ingester(cas, 2).ingest(src, "root", 2, Progress.NONE);
        Path compact = cas.refsDir().resolve("root.tvm");
        assertTrue(Files.exists(compact), "written when the ref is stored");

        Manifest fromJson = ManifestCodec.parse(Files.readAllBytes(cas.refsDir().resolve("root.json")));
        Manifest loaded = new ManifestStore(cas).load("root");
        assertEquals(fromJson, loaded);
        assertEquals(ManifestCodec.identity(fromJson), ManifestIdentity.of(loaded), "the stored identity is the real one");
        assertNotSame(loaded, new ManifestStore(cas).load("root"));
    }

    @Test
    void aJsonRewrittenSinceOrADamagedCompactFormIsNeverTrusted() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("src")), "root", 2, Progress.NONE);
        Path json = cas.refsDir().resolve("root.json");
        Path compact = cas.refsDir().resolve("root.tvm");
        byte[] stale = Files.readAllBytes(compact);

        // Someone writes the ref by hand: the compact form names another file and is ignored.
        String edited = "{\"version\":2,\"name\":\"by hand\",\"entries\":{\"only\":{\"dir\":true}}}";
        Files.writeString(json, edited);
        Manifest loaded = new ManifestStore(cas).load("root");
        assertEquals("by hand", loaded.name());
        assertEquals(1, loaded.entries().size());
        assertEquals(ManifestCodec.identity(ManifestCodec.parse(edited.getBytes(StandardCharsets.UTF_8))),
                ManifestIdentity.of(loaded));

        // A torn or damaged compact file: its checksum fails and the JSON is read.
        byte[] now = Files.readAllBytes(compact);
        now[now.length / 2] ^= 0x55;
        Files.write(compact, now);
        assertEquals("by hand", new ManifestStore(cas).load("root").name());
        Files.write(compact, java.util.Arrays.copyOf(stale, stale.length / 3));
        assertEquals("by hand", new ManifestStore(cas).load("root").name());
    }
}
