package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only volume, as root: no write gets through any path under it (EROFS), so the hard-linked
 * blobs stay as they were (the CAS's hashes before and after are printed); it is replaced (the new
 * tree read-only too) and torn down; a mount inside it still makes teardown refuse; after its mount
 * is gone (a reboot) the next start mounts it again.
 */
class ReadOnlyVolumeTest {

    @TempDir
    Path tmp;

    @Test
    void rootCannotWriteThroughAReadOnlyVolumeWhichIsReplacedRestoredAndTornDown() throws Exception {
        Path volumes = tmp.resolve("volumes");
        try {
            body(volumes);
        } finally {
            while (count(volumes, "ro") > 0) { // a failed run leaves no mount behind
                Mount.run("umount", "-l", volumes.resolve("ro").toString());
            }
        }
    }

    @Test
    void aReadOnlyVolumeKeepsTheNosuidNodevAndNoexecOfTheFilesystemItIsOn() throws Exception {
        try (Mount fs = Mount.tmpfs(tmp.resolve("fs"), "size=64m,nosuid,nodev,noexec,noatime")) {
            Path volumes = fs.point().resolve("volumes");
            try (AssemblyFixture f = new AssemblyFixture(fs.point().resolve("cas"), volumes)) {
                Manifest m = f.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
                f.assemble("ro", m, new AssemblyOptions(false, true, ImportMethod.AUTO, true));
                java.util.Set<String> parent = mountOptions(fs.point());
                java.util.Set<String> volume = mountOptions(volumes.resolve("ro"));
                System.out.println("per-mount options: the volumes' filesystem " + parent + ", the read-only volume " + volume);
                for (String kept : java.util.List.of("nosuid", "nodev", "noexec", "noatime")) {
                    assertTrue(parent.contains(kept), "the test's own filesystem: " + parent);
                    assertTrue(volume.contains(kept), kept + " kept on the read-only volume's mount: " + volume);
                }
                assertTrue(volume.contains("ro"), volume.toString());
                f.service.teardown("ro", () -> { });
            } finally {
                while (count(volumes, "ro") > 0) {
                    Mount.run("umount", "-l", volumes.resolve("ro").toString());
                }
            }
        }
    }

    /** The per-mount options (field 6 of /proc/self/mountinfo) of the last mount at {@code point}. */
    private static java.util.Set<String> mountOptions(Path point) throws IOException {
        java.util.Set<String> last = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(point.toString())) {
                last = new java.util.TreeSet<>(java.util.List.of(fields[5].split(",")));
            }
        }
        assertTrue(last != null, "nothing mounted at " + point);
        return last;
    }

    private void body(Path volumes) throws Exception {
        try (AssemblyFixture f = new AssemblyFixture(tmp.resolve("cas"), volumes)) {
            Manifest v1 = f.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
            AssemblyReport built = f.assemble("ro", v1, new AssemblyOptions(false, true, ImportMethod.AUTO, true));
            assertEquals("read-only", built.protection());
            Path conf = volumes.resolve("ro/etc/app.conf");
            Map<String, String> before = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());

            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(conf));
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(volumes.resolve("ro/usr/bin/tool")));
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(volumes.resolve("ro/tmp/new-file")));
            Map<String, String> after = dev.tinyvol.worker.testing.CasHashes.of(f.cas.objectsDir());
            System.out.println("read-only volume, CAS hashes before: " + before + "\n  after root's writes: " + after);
            assertEquals(before, after);
            assertTrue(f.service.verify("ro", true).clean());
            assertEquals("read-only", f.service.list().get(0).protection());

            // Replace: the new tree comes in read-only as well, and the old one is gone.
            Path src2 = Trees.rootfs(tmp.resolve("src2"));
            Files.writeString(src2.resolve("etc/app.conf"), "key=v2\n");
            Manifest v2 = f.ingest(src2, "rootfs-2");
            AssemblyReport replaced = f.assemble("ro", v2, new AssemblyOptions(true, true, ImportMethod.AUTO, true));
            assertEquals(AssemblyReport.Outcome.REPLACED, replaced.outcome());
            assertEquals("key=v2\n", Files.readString(conf));
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(conf));
            assertEquals(1, count(volumes, "ro"), "one mount, not one per replace");

            // After a reboot the mount is gone; the next start puts it back.
            Mount.run("umount", volumes.resolve("ro").toString());
            Files.writeString(volumes.resolve("ro/tmp/while-unmounted"), "x"); // the unprotected moment a reboot makes
            Files.delete(volumes.resolve("ro/tmp/while-unmounted"));
            assertEquals(java.util.List.of("ro"), f.service.restoreReadOnlyMounts());
            assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(conf));
            assertEquals(java.util.List.of(), f.service.restoreReadOnlyMounts(), "mounted already: nothing to do");

            // Another mount inside it: teardown refuses and changes nothing.
            try (Mount inside = Mount.tmpfs(volumes.resolve("ro/var/cache/app"), "size=1m")) {
                TinyVolException busy = assertThrows(TinyVolException.class, () -> f.service.teardown("ro", () -> { }));
                assertEquals(ErrorCode.VOLUME_BUSY, busy.code());
                assertEquals(ErrorCode.READ_ONLY_FILESYSTEM, writeFails(conf), "still read-only after the refusal");
            }
            assertEquals(TeardownReport.Outcome.REMOVED, f.service.teardown("ro", () -> { }).outcome());
            assertFalse(Files.exists(volumes.resolve("ro")));
            assertEquals(0, count(volumes, "ro"), "its mount went with it");
            assertEquals(0, f.leftovers());
        }
    }

    @Test
    void aMountOnAVolumeThatIsNotReadOnlyIsSomeoneElsesAndRefused() throws Exception {
        Path volumes = tmp.resolve("volumes2");
        try (AssemblyFixture f = new AssemblyFixture(tmp.resolve("cas2"), volumes)) {
            f.assemble("plain", f.ingest(Trees.rootfs(tmp.resolve("src3")), "rootfs"));
            try (Mount over = Mount.tmpfs(volumes.resolve("plain"), "size=1m")) {
                TinyVolException busy = assertThrows(TinyVolException.class, () -> f.service.teardown("plain", () -> { }));
                assertEquals(ErrorCode.VOLUME_BUSY, busy.code(), "not TinyVol's mount: left alone");
                assertEquals(1, count(volumes, "plain"));
            }
            assertEquals(TeardownReport.Outcome.REMOVED, f.service.teardown("plain", () -> { }).outcome());
        }
    }

    private static ErrorCode writeFails(Path file) {
        try {
            Files.writeString(file, "root was here\n");
        } catch (IOException e) {
            return IoErrors.classify(e, file.toString(), "writing").code();
        }
        throw new AssertionError("root wrote " + file + " in a read-only volume");
    }

    private static long count(Path volumes, String volume) throws IOException {
        String point = volumes.resolve(volume).toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.split(" ")[4].equals(point)).count();
    }

}
