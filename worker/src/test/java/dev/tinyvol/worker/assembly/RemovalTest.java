package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemovalTest {

    @TempDir
    Path tmp;

    AssemblyFixture node;
    Manifest rootfs;
    Path outside;

    @BeforeEach
    void setUp() throws Exception {
        node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"));
        rootfs = node.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
        outside = tmp.resolve("outside");
        Trees.file(outside, "precious/data.txt", "must survive\n", 0644);
    }

    @AfterEach
    void tearDown() {
        node.close();
    }

    @Test
    void teardownRemovesTheVolumeAndIsIdempotent() throws Exception {
        AssemblyReport built = node.assemble("web-1", rootfs);
        TeardownReport report = node.service.teardown("web-1", () -> { });
        assertEquals(TeardownReport.Outcome.REMOVED, report.outcome());
        // Counted as assembly counted them: files, symlinks and directories below the volume's root.
        assertTrue(built.filesLinked() > 0 && built.symlinks() > 0 && built.dirsCreated() > 0, built.toString());
        assertEquals(built.filesLinked(), report.filesRemoved());
        assertEquals(built.symlinks(), report.symlinksRemoved());
        assertEquals(built.dirsCreated(), report.dirsRemoved());
        assertFalse(Files.exists(node.volumes().resolve("web-1")));
        assertTrue(node.service.list().isEmpty());
        assertEquals(TeardownReport.Outcome.ABSENT, node.service.teardown("web-1", () -> { }).outcome());
        assertTrue(Files.exists(node.cas.instancePath(new dev.tinyvol.worker.cas.BlobKey(Trees.sha256("setuid binary\n"), 04755, 0, 0))),
                "blobs stay in the CAS");
        assertEquals(0, node.leftovers());
    }

    @Test
    void aPlantedSymlinkToOutsideIsRemovedNeverFollowed() throws Exception {
        List<String> before = Mount.snapshot(outside);
        Files.createSymbolicLink(node.volumes().resolve("evil"), outside);
        TeardownReport report = node.service.teardown("evil", () -> { });
        assertEquals(TeardownReport.Outcome.REMOVED, report.outcome());
        assertTrue(report.warnings().get(0).contains("symlink"), report.warnings().toString());
        assertFalse(Files.exists(node.volumes().resolve("evil"), java.nio.file.LinkOption.NOFOLLOW_LINKS));

        Files.createSymbolicLink(node.volumes().resolve("evil2"), outside);
        node.assemble("web-1", rootfs);
        // A symlink inside a volume pointing outside it, planted after assembly.
        Files.createSymbolicLink(node.volumes().resolve("web-1/escape"), outside.resolve("precious"));
        PurgeReport purge = node.service.purge(false, () -> { });
        assertEquals(2, purge.volumes().size());
        assertEquals(List.of(), purge.failures());
        assertEquals(before, Mount.snapshot(outside), "nothing outside the volumes directory changed");
    }

    @Test
    void aVolumeWithAFilesystemMountedInsideIsRefusedWhole() throws Exception {
        node.assemble("web-1", rootfs);
        node.assemble("web-2", rootfs);
        Path mountPoint = node.volumes().resolve("web-1/var/cache/app");
        try (Mount mounted = Mount.tmpfs(mountPoint, "size=1m")) {
            Files.writeString(mountPoint.resolve("inside-the-mount.txt"), "keep me\n");
            List<String> before = Mount.snapshot(node.volumes().resolve("web-1"));

            TinyVolException e = assertThrows(TinyVolException.class, () -> node.service.teardown("web-1", () -> { }));
            assertEquals(ErrorCode.VOLUME_BUSY, e.code());
            assertTrue(e.getMessage().contains(mountPoint.toString()), e.getMessage());
            assertEquals(before, Mount.snapshot(node.volumes().resolve("web-1")));

            PurgeReport purge = node.service.purge(false, () -> { });
            assertEquals(1, purge.failures().size());
            assertEquals("web-1", purge.failures().get(0).volume());
            assertEquals("VOLUME_BUSY", purge.failures().get(0).code());
            assertFalse(Files.exists(node.volumes().resolve("web-2")), "the other volume was still purged");
            assertEquals(before, Mount.snapshot(node.volumes().resolve("web-1")));

            TinyVolException replace = assertThrows(TinyVolException.class, () -> node.assemble("web-1",
                    AssemblyFixture.manifest("{\"version\":2,\"entries\":{}}"), new AssemblyOptions(true, true)));
            assertEquals(ErrorCode.VOLUME_BUSY, replace.code());
            assertEquals("keep me\n", Files.readString(mountPoint.resolve("inside-the-mount.txt")));
        }
        assertEquals(TeardownReport.Outcome.REMOVED, node.service.teardown("web-1", () -> { }).outcome());
    }

    @Test
    void purgeDryRunListsAndRemovesNothing() throws Exception {
        node.assemble("a", rootfs);
        node.assemble("b", rootfs);
        PurgeReport dry = node.service.purge(true, () -> { });
        assertEquals(List.of(TeardownReport.Outcome.WOULD_REMOVE, TeardownReport.Outcome.WOULD_REMOVE),
                dry.volumes().stream().map(TeardownReport::outcome).toList());
        // Each with what would go (issue 21, first hour item 12: a PURGE dry run listed 0 files for each).
        assertEquals(List.of(6L, 6L), dry.volumes().stream().map(TeardownReport::filesRemoved).toList());
        assertEquals(2, node.service.list().size());
    }

    @Test
    void keptManifestsNoVolumeUsesArePruned() throws Exception {
        node.assemble("a", rootfs);
        Manifest other = AssemblyFixture.manifest("{\"version\":2,\"entries\":{\"d\":{\"dir\":true}}}");
        node.assemble("b", other);
        Path kept = node.volumes().resolve(".tinyvol/manifests");
        assertEquals(2, Files.list(kept).count());
        node.service.teardown("b", () -> { });
        node.service.cleanLeftovers();
        assertEquals(1, Files.list(kept).count(), "the manifest of the torn-down volume is gone");
        assertTrue(node.service.verify("a", false).clean(), "the one still in use is kept");
    }

    @Test
    void leftoversOfADeadProcessAreCleaned() throws Exception {
        Path staging = node.volumes().resolve(".tinyvol/staging/web-1." + java.util.UUID.randomUUID());
        Trees.file(staging, "usr/half-built", "x", 0644);
        Path trash = node.volumes().resolve(".tinyvol/trash/web-2." + java.util.UUID.randomUUID());
        Trees.file(trash, "half-removed", "x", 0644);
        assertEquals(2, node.service.cleanLeftovers());
        assertEquals(0, node.leftovers());
    }
}
