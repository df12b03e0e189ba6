package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import methods on real filesystems, as root: on loop-mounted XFS and btrfs, auto clones and a write
 * into a cloned file changes neither the CAS nor another volume (the CAS's hashes before and after
 * are printed); on ext4, auto hard links and clone is refused; copy works anywhere.
 */
class ImportMethodTest {

    @TempDir
    Path tmp;

    @Test
    void onXfsAutoClonesAndAWriteAsRootChangesOnlyThatVolume() throws Exception {
        try (Mount fs = Mount.xfs(tmp.resolve("xfs.img"), tmp.resolve("xfs"), 300)) {
            writeThroughCloneStaysInTheVolume(fs.point(), "xfs");
        }
    }

    @Test
    void onBtrfsAutoClonesAndAWriteAsRootChangesOnlyThatVolume() throws Exception {
        try (Mount fs = Mount.btrfs(tmp.resolve("btrfs.img"), tmp.resolve("btrfs"), 200)) {
            writeThroughCloneStaysInTheVolume(fs.point(), "btrfs");
        }
    }

    private void writeThroughCloneStaysInTheVolume(Path fs, String kind) throws Exception {
        try (AssemblyFixture f = new AssemblyFixture(fs.resolve("cas"), fs.resolve("volumes"))) {
            Manifest m = f.ingest(Trees.rootfs(tmp.resolve("src-" + kind)), "rootfs");
            AssemblyReport a = f.assemble("a", m);
            AssemblyReport b = f.assemble("b", m);
            assertEquals(ImportMethod.CLONE, a.importMethod(), kind + ": auto clones");
            assertEquals("clone", a.protection());
            assertEquals(0, a.filesLinked());
            assertEquals(6, a.filesCloned(), kind);
            Map<String, String> before = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());

            Path conf = f.volumes().resolve("a/etc/app.conf");
            assertNotEquals(PosixFiles.lstat(conf).inode(), PosixFiles.lstat(f.volumes().resolve("b/etc/app.conf")).inode());
            Files.writeString(conf, "written by root in volume a\n");
            Map<String, String> after = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());
            System.out.println(kind + " clone write test, CAS hashes before: " + before + "\n  after a root write into a: " + after);
            assertEquals(before, after, "the CAS is untouched");
            assertEquals("key=value\n", Files.readString(f.volumes().resolve("b/etc/app.conf")), "volume b is untouched");
            assertEquals(0640, PosixFiles.lstat(f.volumes().resolve("b/etc/app.conf")).permissions());
            assertEquals(42, PosixFiles.lstat(f.volumes().resolve("b/etc/app.conf")).gid());
            assertEquals(04755, PosixFiles.lstat(f.volumes().resolve("b/usr/bin/su")).permissions(), "setuid kept");

            VerifyReport clean = f.service.verify("b", true);
            assertTrue(clean.clean(), clean.problems().toString());
            VerifyReport changed = f.service.verify("a", false);
            assertEquals(1, changed.mismatched(), "the write is seen in the volume that was written: " + changed.problems());
            assertTrue(f.service.list().stream().allMatch(v -> "clone".equals(v.protection())), f.service.list().toString());
        }
    }

    @Test
    void onExt4AutoHardLinksCloneIsRefusedAndCopyIsPrivate() throws Exception {
        try (Mount fs = Mount.ext4(tmp.resolve("ext4.img"), tmp.resolve("ext4"), 64);
             AssemblyFixture f = new AssemblyFixture(fs.point().resolve("cas"), fs.point().resolve("volumes"))) {
            Manifest m = f.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
            AssemblyReport auto = f.assemble("auto", m);
            assertEquals(ImportMethod.HARDLINK, auto.importMethod(), "ext4 cannot clone: auto hard links");
            assertEquals("detect", auto.protection());
            assertEquals(6, auto.filesLinked());

            TinyVolException refused = assertThrows(TinyVolException.class,
                    () -> f.assemble("cloned", m, new AssemblyOptions(false, true, ImportMethod.CLONE)));
            assertEquals(ErrorCode.CLONE_UNSUPPORTED, refused.code());
            assertTrue(refused.getMessage().contains("XFS"), refused.getMessage());
            assertEquals(0, f.leftovers(), "nothing left of the refused build");

            AssemblyReport copy = f.assemble("copied", m, new AssemblyOptions(false, true, ImportMethod.COPY));
            assertEquals(6, copy.filesCopied());
            assertEquals("copy", copy.protection());
            Map<String, String> before = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());
            Files.writeString(f.volumes().resolve("copied/etc/app.conf"), "private\n");
            assertEquals(before, dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir()), "a copy's write stays in the volume");
            assertTrue(f.service.verify("auto", true).clean());
        }
    }

}
