package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.CopyPaths;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file marked {@code "copy": true} at ingest (etc/machine-id, as ostree#925 taught) is copied into
 * every volume: rewritten in place as root, it changes neither the blob nor another volume, while
 * the other files stay hard links; verify reports the rewrite as the volume's own change.
 */
class CopyEntryTest {

    @TempDir
    Path tmp;

    @Test
    void aCopyEntryRewrittenInPlaceLeavesTheBlobAndOtherVolumesAlone() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/machine-id"), "\n"); // empty, as images ship it
        Files.writeString(src.resolve("etc/empty-init"), "\n"); // the same content: the same blob
        try (AssemblyFixture f = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"))) {
            new Ingester(f.cas, 2).ingest(src, "base", 2, CopyPaths.of(List.of("etc/machine-id")), Progress.NONE);
            ManifestStore refs = new ManifestStore(f.cas);
            Manifest m = refs.load("base");
            assertTrue(((FileEntry) m.entries().get("etc/machine-id")).copy());
            assertTrue(!((FileEntry) refs.load("base").entries().get("etc/empty-init")).copy());
            assertTrue(((FileEntry) refs.load("base").entries().get("etc/machine-id")).copy(), "kept by the compact form too");

            AssemblyReport a = f.assemble("a", m, new AssemblyOptions(false, true, ImportMethod.HARDLINK));
            f.assemble("b", m, new AssemblyOptions(false, true, ImportMethod.HARDLINK));
            assertEquals(1, a.filesLinked());
            assertEquals(1, a.filesCopied());
            assertEquals("detect", a.protection(), "the other file is still a hard link");
            Path id = f.volumes().resolve("a/etc/machine-id");
            assertNotEquals(PosixFiles.lstat(id).inode(), PosixFiles.lstat(f.volumes().resolve("a/etc/empty-init")).inode());
            Map<String, String> before = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());

            Files.writeString(id, "4c4c4544004d3510804c\n"); // what systemd does at first boot, in place
            Map<String, String> after = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());
            System.out.println("copy entry test, CAS hashes before: " + before + "\n  after rewriting a/etc/machine-id: " + after);
            assertEquals(before, after);
            assertEquals("\n", Files.readString(f.volumes().resolve("b/etc/machine-id")));
            assertEquals("\n", Files.readString(f.volumes().resolve("a/etc/empty-init")));
            VerifyReport va = f.service.verify("a", true);
            assertEquals(1, va.mismatched(), va.problems().toString());
            assertTrue(va.problems().get(0).path().equals("etc/machine-id"), va.problems().toString());
            assertTrue(f.service.verify("b", true).clean());
        }
    }

}
