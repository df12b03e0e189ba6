package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssemblerTest {

    @TempDir
    Path tmp;

    AssemblyFixture node;
    Manifest rootfs;

    @BeforeEach
    void setUp() throws Exception {
        node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"));
        rootfs = node.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
    }

    @AfterEach
    void tearDown() {
        node.close();
    }

    @Test
    void buildsTheTreeWithLinksModesOwnersSymlinksAndDirectories() throws Exception {
        AssemblyReport report = node.assemble("web-1", rootfs);

        assertEquals(AssemblyReport.Outcome.BUILT, report.outcome());
        assertEquals(6, report.filesLinked());
        assertEquals(0, report.filesCopied());
        assertEquals(2, report.symlinks());
        assertEquals(List.of(), report.warnings());
        Path vol = node.volumes().resolve("web-1");
        assertEquals(vol.toString(), report.targetDir());
        Stat su = PosixFiles.lstat(vol.resolve("usr/bin/su"));
        assertEquals(04755, su.permissions());
        Stat blob = PosixFiles.lstat(node.cas.instancePath(new BlobKey(Trees.sha256("setuid binary\n"), 04755, 0, 0)));
        assertTrue(su.sameInode(blob), "files are hard links to their blob instance");
        Stat conf = PosixFiles.lstat(vol.resolve("etc/app.conf"));
        assertEquals(0640, conf.permissions());
        assertEquals(42, conf.gid());
        assertEquals(Path.of("/nonexistent/zoneinfo/UTC"), Files.readSymbolicLink(vol.resolve("etc/localtime")));
        assertEquals(0700, PosixFiles.lstat(vol.resolve("var/cache/app")).permissions());
        assertEquals(01777, PosixFiles.lstat(vol.resolve("tmp")).permissions());
        Stat home = PosixFiles.lstat(vol.resolve("home/user"));
        assertEquals(0750, home.permissions());
        assertEquals(1000, home.uid());
        assertEquals(0755, PosixFiles.lstat(vol.resolve("usr/bin")).permissions());
        assertEquals("library bytes\n", Files.readString(vol.resolve("opt/app/lib/libx.so.1")));
        assertEquals(0, node.leftovers());
    }

    @Test
    void assemblingTheSameManifestAgainChangesNothing() throws Exception {
        node.assemble("web-1", rootfs);
        long inode = PosixFiles.lstat(node.volumes().resolve("web-1")).inode();
        AssemblyReport again = node.assemble("web-1", AssemblyFixture.manifest(new String(
                dev.tinyvol.messages.manifest.ManifestCodec.toJson(rootfs))));
        assertEquals(AssemblyReport.Outcome.UNCHANGED, again.outcome());
        assertEquals(inode, PosixFiles.lstat(node.volumes().resolve("web-1")).inode());
    }

    @Test
    void anotherManifestOnAnExistingVolumeIsRefusedUnlessReplaced() throws Exception {
        node.assemble("web-1", rootfs);
        Manifest other = AssemblyFixture.manifest("{\"version\":2,\"name\":\"other\",\"entries\":{\"only\":{\"digest\":\""
                + Trees.sha256("mine\n") + "\",\"mode\":\"0600\",\"uid\":1000,\"gid\":1000}}}");
        TinyVolException e = assertThrows(TinyVolException.class, () -> node.assemble("web-1", other));
        assertEquals(ErrorCode.VOLUME_EXISTS, e.code());
        assertTrue(e.getMessage().contains("'rootfs'"), e.getMessage());
        assertTrue(Files.exists(node.volumes().resolve("web-1/usr/bin/su")), "the existing volume is untouched");

        AssemblyReport replaced = node.assemble("web-1", other, new AssemblyOptions(true, true));
        assertEquals(AssemblyReport.Outcome.REPLACED, replaced.outcome());
        assertFalse(Files.exists(node.volumes().resolve("web-1/usr")));
        assertEquals("mine\n", Files.readString(node.volumes().resolve("web-1/only")));
        assertEquals(0, node.leftovers());
    }

    @Test
    void aMissingBlobFailsBeforeAnythingIsBuiltAndNamesIt() throws Exception {
        String absent = "e".repeat(64);
        Manifest m = AssemblyFixture.manifest("{\"version\":2,\"entries\":{\"a/present\":{\"digest\":\"" + Trees.sha256("mine\n")
                + "\"},\"b/absent\":{\"digest\":\"" + absent + "\"}}}");
        TinyVolException e = assertThrows(TinyVolException.class, () -> node.assemble("web-1", m));
        assertEquals(ErrorCode.BLOB_MISSING, e.code());
        assertEquals("b/absent", e.path());
        assertTrue(e.getMessage().contains(absent), e.getMessage());
        assertFalse(Files.exists(node.volumes().resolve("web-1")));
        assertEquals(0, node.leftovers());
    }

    @Test
    void makesAMissingInstanceFromAnotherOfTheSameContent() throws Exception {
        String digest = Trees.sha256("library bytes\n");
        Manifest m = AssemblyFixture.manifest("{\"version\":2,\"entries\":{\"bin/x\":{\"digest\":\"" + digest
                + "\",\"mode\":\"0750\",\"uid\":7,\"gid\":8},\"v1\":{\"digest\":\"" + digest + "\",\"mode\":\"0444\"}}}");
        node.assemble("web-1", m);
        Stat x = PosixFiles.lstat(node.volumes().resolve("web-1/bin/x"));
        assertEquals(0750, x.permissions());
        assertEquals(7, x.uid());
        assertEquals(8, x.gid());
        assertTrue(x.sameInode(PosixFiles.lstat(node.cas.instancePath(new BlobKey(digest, 0750, 7, 8)))));
        assertTrue(PosixFiles.lstat(node.volumes().resolve("web-1/v1")).sameInode(PosixFiles.lstat(node.cas.instancePath(BlobKey.bare(digest)))));
    }

    @Test
    void aBlobChangedThroughALinkIsRefusedBeforeItIsLinkedAgain() throws Exception {
        node.assemble("web-1", rootfs);
        // Root ignores 0444: this write goes through the hard link into the blob every volume shares.
        Files.writeString(node.volumes().resolve("web-1/usr/lib/libx.so.1"), "tampered\n");
        TinyVolException e = assertThrows(TinyVolException.class, () -> node.assemble("web-2", rootfs));
        assertEquals(ErrorCode.BLOB_CORRUPT, e.code());
        String digest = Trees.sha256("library bytes\n");
        assertTrue(e.getMessage().contains(digest + ".0644.0.0"), e.getMessage());
        assertFalse(Files.exists(node.volumes().resolve("web-2")));
        assertEquals(0, node.leftovers());

        VerifyReport verify = node.service.verify("web-1", false);
        assertEquals(2, verify.mismatched(), verify.problems().toString());
        assertTrue(verify.problems().get(0).detail().contains("written after assembly"), verify.problems().toString());
    }

    @Test
    void aTouchedButIntactBlobIsAcceptedAndItsMarkerRestored() throws Exception {
        String digest = Trees.sha256("library bytes\n");
        Path blob = node.cas.instancePath(new BlobKey(digest, 0644, 0, 0));
        Files.setLastModifiedTime(blob, java.nio.file.attribute.FileTime.fromMillis(123_000));
        node.assemble("web-1", rootfs);
        assertEquals(Cas.BLOB_MTIME, Files.getLastModifiedTime(blob));
    }

    @Test
    void refusesHostileVolumeNamesWithoutTouchingAnything() throws Exception {
        List<String> before = Mount.snapshot(tmp);
        for (String name : new String[] {"..", ".", "a/b", "/x", "", "x".repeat(129), ".tinyvol", "../../etc"}) {
            TinyVolException e = assertThrows(TinyVolException.class, () -> node.assemble(name, rootfs), name);
            assertEquals(ErrorCode.INVALID_VOLUME_NAME, e.code(), name);
            TinyVolException t = assertThrows(TinyVolException.class, () -> node.service.teardown(name, () -> { }), name);
            assertEquals(ErrorCode.INVALID_VOLUME_NAME, t.code(), name);
        }
        assertEquals(before, Mount.snapshot(tmp));
    }

    @Test
    void aFullVolumesFilesystemFailsWithNoSpaceAndLeavesNoPartialTree() throws Exception {
        Trees.file(tmp.resolve("big"), "data.bin", "y".repeat(3 * 1024 * 1024), 0644);
        Manifest big = node.ingest(tmp.resolve("big"), "big");
        try (Mount small = Mount.tmpfs(tmp.resolve("small"), "size=1m");
             AssemblyFixture other = new AssemblyFixture(tmp.resolve("cas"), small.point().resolve("volumes"))) {
            // Another filesystem: the file must be copied, and the copy does not fit.
            TinyVolException e = assertThrows(TinyVolException.class, () -> other.assemble("big", big));
            assertEquals(ErrorCode.NO_SPACE, e.code(), e.getMessage());
            assertFalse(Files.exists(other.volumes().resolve("big")));
            assertEquals(0, other.leftovers());
        }
    }

    @Test
    void aReadOnlyVolumesFilesystemIsReportedAsSuch() throws Exception {
        try (Mount ro = Mount.tmpfs(tmp.resolve("ro"), "size=1m")) {
            Files.createDirectories(ro.point().resolve("volumes/.tinyvol"));
            ro.remount("ro");
            TinyVolException e = assertThrows(TinyVolException.class,
                    () -> new AssemblyFixture(tmp.resolve("cas"), ro.point().resolve("volumes")).close());
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, e.code(), e.getMessage());
        }
    }
}
