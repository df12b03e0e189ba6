package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob instance changed through a volume's hard link (as root: chmod, chown, chgrp, setuid added,
 * mtime moved, size cut) is seen when the next assembly checks it: an instance whose content still
 * matches is re-made with the right attributes and that is linked, cloned or copied, never the
 * tampered inode; one whose content changed is refused by name. On a loop-mounted XFS, so all three
 * import methods run on one filesystem.
 */
class TamperedInstanceTest {

    @TempDir
    Path tmp;

    /** What each case does to a file through volume v1's hard link, and the file it does it to (mode as ingested). */
    private static final Map<String, Integer> FILES = new LinkedHashMap<>();

    static {
        FILES.put("etc/chmod-me", 0644);
        FILES.put("etc/chown-me", 0644);
        FILES.put("etc/chgrp-me", 0644);
        FILES.put("usr/bin/setuid-me", 0755);
        FILES.put("etc/touch-me", 0644);
    }

    private static void tamper(Path volume) throws Exception {
        PosixFiles.chmod(volume.resolve("etc/chmod-me"), 0666);
        PosixFiles.lchown(volume.resolve("etc/chown-me"), 1234, 0);
        PosixFiles.lchown(volume.resolve("etc/chgrp-me"), 0, 1234);
        PosixFiles.chmod(volume.resolve("usr/bin/setuid-me"), 04755);
        PosixFiles.setModifiedTime(volume.resolve("etc/touch-me"), FileTime.fromMillis(1_700_000_000_000L));
    }

    private static final Map<String, String> SAID = Map.of(
            "etc/chmod-me", "mode 0666, not 0644",
            "etc/chown-me", "owner 1234:0, not 0:0",
            "etc/chgrp-me", "owner 0:1234, not 0:0",
            "usr/bin/setuid-me", "mode 4755, not 0755",
            "etc/touch-me", "mtime 2023-11-14T22:13:20Z, not 1970-01-01T00:00:00Z");

    @Test
    void aTamperedInstanceIsReMadeForEveryImportMethodAndTheOldInodeIsLeftToTheVolumesThatLinkIt() throws Exception {
        try (Mount fs = Mount.xfs(tmp.resolve("xfs.img"), tmp.resolve("xfs"), 300);
             AssemblyFixture f = new AssemblyFixture(fs.point().resolve("cas"), fs.point().resolve("volumes"))) {
            Path src = tmp.resolve("src");
            FILES.forEach((rel, mode) -> {
                try {
                    Trees.file(src, rel, "content of " + rel + "\n", mode);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Manifest m = f.ingest(src, "tree");

            for (ImportMethod method : List.of(ImportMethod.HARDLINK, ImportMethod.CLONE, ImportMethod.COPY)) {
                String v1 = "v1-" + method.text();
                String v2 = "v2-" + method.text();
                f.assemble(v1, m, new AssemblyOptions(false, true, ImportMethod.HARDLINK));
                Path chmodded = f.volumes().resolve(v1 + "/etc/chmod-me");
                Stat linkedBefore = PosixFiles.lstat(chmodded);
                tamper(f.volumes().resolve(v1));

                AssemblyReport report = f.assemble(v2, m, new AssemblyOptions(false, true, method));
                assertEquals(method, report.importMethod());
                if (method == ImportMethod.HARDLINK) {
                    System.out.println("chmod through a link (hardlink): v1's etc/chmod-me before: "
                            + show(linkedBefore) + "; after 'chmod 0666' through v1: " + show(PosixFiles.lstat(chmodded))
                            + "\n  assembled v2: its etc/chmod-me " + show(PosixFiles.lstat(f.volumes().resolve(v2 + "/etc/chmod-me")))
                            + ", the CAS instance now " + show(PosixFiles.lstat(f.cas.instancePath(
                                    new dev.tinyvol.worker.cas.BlobKey(Trees.sha256("content of etc/chmod-me\n"), 0644, 0, 0))))
                            + "\n  report warnings: " + String.join("\n    ", report.warnings())
                            + "\n  verify v1: " + f.service.verify(v1, false).problems());
                }
                for (Map.Entry<String, Integer> e : FILES.entrySet()) {
                    String rel = e.getKey();
                    Stat built = PosixFiles.lstat(f.volumes().resolve(v2 + "/" + rel));
                    String where = method.text() + " " + rel;
                    assertEquals((int) e.getValue(), built.permissions(), where + ": the manifest's mode");
                    assertEquals(0, built.uid(), where);
                    assertEquals(0, built.gid(), where);
                    assertEquals(Cas.BLOB_MTIME, built.modified(), where + ": the store's mtime");
                    assertEquals("content of " + rel + "\n", Files.readString(f.volumes().resolve(v2 + "/" + rel)), where);
                    assertNotEquals(PosixFiles.lstat(f.volumes().resolve(v1 + "/" + rel)).inode(), built.inode(),
                            where + ": not the tampered inode");
                    assertEquals(1, report.warnings().stream()
                                    .filter(w -> w.contains("(needed by " + rel + ")") && w.contains(SAID.get(rel))
                                            && w.contains("re-made")).count(),
                            where + ": the report says what was re-made and why: " + report.warnings());
                }
                assertTrue(f.service.verify(v2, true).clean(), method + ": " + f.service.verify(v2, true).problems());
                VerifyReport old = f.service.verify(v1, false);
                assertEquals(FILES.size(), old.mismatched(), "verify names every file of v1 that keeps a tampered inode: "
                        + old.problems());
                assertTrue(old.problems().stream().anyMatch(p -> p.path().equals("usr/bin/setuid-me")
                        && p.detail().contains("mode is 4755")), old.problems().toString());
            }
            assertEquals(0, f.leftovers());
        }
    }

    @Test
    void anInstanceCutShortThroughALinkIsRefusedByNameForEveryImportMethod() throws Exception {
        try (Mount fs = Mount.xfs(tmp.resolve("xfs.img"), tmp.resolve("xfs"), 300);
             AssemblyFixture f = new AssemblyFixture(fs.point().resolve("cas"), fs.point().resolve("volumes"))) {
            Path src = tmp.resolve("src");
            Trees.file(src, "data/cut-me", "a file that is cut short through a link\n", 0644);
            Manifest m = f.ingest(src, "cut");
            f.assemble("v1", m, new AssemblyOptions(false, true, ImportMethod.HARDLINK));
            try (RandomAccessFile file = new RandomAccessFile(f.volumes().resolve("v1/data/cut-me").toFile(), "rw")) {
                file.setLength(6); // a truncate: the size and the mtime move
            }
            for (ImportMethod method : List.of(ImportMethod.HARDLINK, ImportMethod.CLONE, ImportMethod.COPY)) {
                TinyVolException refused = assertThrows(TinyVolException.class,
                        () -> f.assemble("v2-" + method.text(), m, new AssemblyOptions(false, true, method)));
                assertEquals(ErrorCode.BLOB_CORRUPT, refused.code(), method + ": " + refused.getMessage());
                assertTrue(refused.getMessage().contains("needed by data/cut-me") && refused.getMessage().contains("not linked again"),
                        refused.getMessage());
                assertTrue(Files.notExists(f.volumes().resolve("v2-" + method.text())), "nothing built");
            }
            assertEquals(0, f.leftovers());
        }
    }

    private static String show(Stat s) {
        return String.format("inode %d mode %04o owner %d:%d mtime %s", s.inode(), s.permissions(), s.uid(), s.gid(), s.modified());
    }
}
