package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a hard link is impossible, for real: another filesystem (EXDEV) and ext4's link limit (EMLINK). */
class CopyFallbackTest {

    @TempDir
    Path tmp;

    @Test
    void casOnAnotherFilesystemIsCopiedWithAWarningOrRefused() throws Exception {
        Path shm = Path.of("/dev/shm", "tinyvol-test-" + UUID.randomUUID());
        try (AssemblyFixture node = new AssemblyFixture(shm.resolve("cas"), tmp.resolve("volumes"))) {
            Manifest rootfs = node.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");

            AssemblyReport report = node.assemble("copied", rootfs);
            assertEquals(0, report.filesLinked());
            assertEquals(6, report.filesCopied());
            assertEquals(1, report.warnings().size(), report.warnings().toString());
            assertTrue(report.warnings().get(0).contains("different filesystems (EXDEV): 6 files were copied"), report.warnings().get(0));
            // Every file is a copy: nothing shares a blob's inode (before: "detect", as if hard-linked).
            assertEquals("copy", report.protection());
            assertEquals("copy", node.service.list().get(0).protection());
            Stat su = PosixFiles.lstat(node.volumes().resolve("copied/usr/bin/su"));
            assertEquals(04755, su.permissions());
            assertEquals("setuid binary\n", Files.readString(node.volumes().resolve("copied/usr/bin/su")));
            VerifyReport verify = node.service.verify("copied", true);
            assertTrue(verify.clean(), verify.problems().toString());

            TinyVolException e = assertThrows(TinyVolException.class,
                    () -> node.assemble("strict", rootfs, new AssemblyOptions(false, false)));
            assertEquals(ErrorCode.CROSS_DEVICE, e.code());
            assertTrue(e.getMessage().contains("EXDEV"), e.getMessage());
            assertFalse(Files.exists(node.volumes().resolve("strict")));
            assertEquals(0, node.leftovers());
        } finally {
            Mount.run("rm", "-rf", shm.toString());
        }
    }

    @Test
    void aBlobAtExt4sLinkLimitIsCopiedWithAWarningOrRefused() throws Exception {
        try (Mount ext4 = Mount.ext4(tmp.resolve("ext4.img"), tmp.resolve("ext4"), 64);
             AssemblyFixture node = new AssemblyFixture(ext4.point().resolve("cas"), ext4.point().resolve("volumes"))) {
            Trees.file(tmp.resolve("src"), "popular.txt", "everyone links me\n", 0644);
            Manifest one = node.ingest(tmp.resolve("src"), "one");
            String digest = Trees.sha256("everyone links me\n");
            Path blob = node.cas.instancePath(new BlobKey(digest, 0644, 0, 0));
            Path filler = ext4.point().resolve("filler");
            Files.createDirectories(filler);
            // Fill the inode to ext4's maximum of 65,000 links.
            int links = PosixFiles.lstat(blob).links();
            for (int i = links; i < 65_000; i++) {
                Files.createLink(filler.resolve(Integer.toString(i)), blob);
            }
            assertEquals(65_000, PosixFiles.lstat(blob).links());

            AssemblyReport report = node.assemble("at-limit", one);
            assertEquals(1, report.filesCopied());
            assertEquals(0, report.filesLinked());
            assertTrue(report.warnings().get(0).startsWith("popular.txt: blob " + digest + ".0644.0.0 is at its filesystem's link limit (EMLINK)"),
                    report.warnings().toString());
            assertEquals("everyone links me\n", Files.readString(node.volumes().resolve("at-limit/popular.txt")));
            assertTrue(node.service.verify("at-limit", true).clean());

            TinyVolException e = assertThrows(TinyVolException.class,
                    () -> node.assemble("strict", one, new AssemblyOptions(false, false)));
            assertEquals(ErrorCode.LINK_LIMIT, e.code());
            assertEquals(0, node.leftovers());
            Mount.run("rm", "-rf", filler.toString());
        }
    }
}
