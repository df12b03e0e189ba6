package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {

    @TempDir
    Path tmp;

    AssemblyFixture node;
    Manifest rootfs;
    Path vol;

    @BeforeEach
    void setUp() throws Exception {
        node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"));
        rootfs = node.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
        node.assemble("web-1", rootfs);
        vol = node.volumes().resolve("web-1");
    }

    @AfterEach
    void tearDown() {
        node.close();
    }

    @Test
    void aFreshVolumeVerifiesCleanAgainstItsRecordedManifest() {
        VerifyReport report = node.service.verify("web-1", true);
        assertTrue(report.clean(), report.problems().toString());
        // 6 files, 2 symlinks, 4 directory entries, and the 11 directories that hold them.
        assertEquals(rootfs.entries().size() + Assembler.directoriesOf(rootfs).stream()
                .filter(d -> !rootfs.entries().containsKey(d)).count(), report.verified());
    }

    @Test
    void reportsMissingExtraAndChangedPaths() throws Exception {
        Files.delete(vol.resolve("usr/bin/tool"));
        Files.writeString(vol.resolve("usr/bin/planted"), "extra");
        PosixFiles.chmod(vol.resolve("etc/app.conf"), 0666);
        Files.delete(vol.resolve("usr/lib/libx.so"));
        Files.createSymbolicLink(vol.resolve("usr/lib/libx.so"), Path.of("/elsewhere"));
        PosixFiles.lchown(vol.resolve("var/cache/app"), 5, 5);

        VerifyReport report = node.service.verify("web-1", false);
        assertFalse(report.clean());
        Map<String, String> byPath = report.problems().stream()
                .collect(Collectors.toMap(VerifyReport.Problem::path, p -> p.kind() + ": " + p.detail()));
        assertEquals("MISSING: not in the volume", byPath.get("usr/bin/tool"));
        assertEquals("EXTRA: not in the manifest", byPath.get("usr/bin/planted"));
        assertEquals("MISMATCH: mode is 0666, expected 0640", byPath.get("etc/app.conf"));
        assertEquals("MISMATCH: symlink points to /elsewhere, expected libx.so.1", byPath.get("usr/lib/libx.so"));
        assertEquals("MISMATCH: owner is 5:5, expected 0:0", byPath.get("var/cache/app"));
        assertEquals(1, report.missing());
        assertEquals(1, report.extra());
        assertEquals(3, report.mismatched());
    }

    @Test
    void deepVerifyCatchesContentChangedEvenWithTheMtimePutBack() throws Exception {
        Path lib = vol.resolve("usr/lib/libx.so.1");
        Files.writeString(lib, "library BYTES\n");
        PosixFiles.setModifiedTime(lib, Cas.BLOB_MTIME);
        assertTrue(node.service.verify("web-1", false).clean(), "a shallow check trusts the mtime marker");
        VerifyReport deep = node.service.verify("web-1", true);
        assertEquals(2, deep.mismatched(), "both paths that share the blob");
        assertTrue(deep.problems().get(0).detail().startsWith("content hashes to"), deep.problems().toString());
    }

    @Test
    void aFileReplacedByACopyIsNotALink() throws Exception {
        Path tool = vol.resolve("usr/bin/tool");
        byte[] content = Files.readAllBytes(tool);
        Files.delete(tool);
        Files.write(tool, content);
        PosixFiles.chmod(tool, 0755);
        PosixFiles.setModifiedTime(tool, Cas.BLOB_MTIME);
        VerifyReport report = node.service.verify("web-1", false);
        assertEquals(1, report.mismatched());
        assertTrue(report.problems().get(0).detail().startsWith("not a link to blob"), report.problems().toString());
    }

    @Test
    void verifyAgainstAnotherManifestAndOfAnAbsentVolume() {
        Manifest other = AssemblyFixture.manifest("{\"version\":2,\"entries\":{\"usr/bin/tool\":{\"digest\":\""
                + "0".repeat(64) + "\",\"mode\":\"0755\"}}}");
        VerifyReport report = node.service.verify("web-1", other, false);
        assertFalse(report.clean());
        assertEquals(1, report.mismatched());
        // A volume that is not there is said to be missing, not to lack a manifest record (issue 10).
        TinyVolException e = assertThrows(TinyVolException.class, () -> node.service.verify("nope", false));
        assertEquals(ErrorCode.VOLUME_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("there is no volume nope"), e.getMessage());
        TinyVolException absent = assertThrows(TinyVolException.class, () -> node.service.verify("nope", other, false));
        assertEquals(ErrorCode.VOLUME_NOT_FOUND, absent.code());
    }

    @Test
    void listShowsRecordedVolumes() {
        var list = node.service.list();
        assertEquals(1, list.size());
        assertEquals("web-1", list.get(0).volume());
        assertEquals("rootfs", list.get(0).manifestName());
        assertEquals(6, list.get(0).files());
        assertTrue(list.get(0).bytes() > 0);
        assertTrue(list.get(0).createdAt() != null);
    }
}
