package dev.tinyvol.worker.erofs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.posix.ExtendedAttributes;
import dev.tinyvol.worker.posix.Mounts;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Mount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated images as the kernel's EROFS driver reads them (the image mounted alone): every entry
 * with its type, mode (setuid/setgid/sticky included), owner, size and symlink target; every
 * directory with exactly its names and link count; every file's overlay attributes exactly as the
 * writer builds them, in the {@code trusted.} namespace, and none on an empty file.
 */
class ErofsKernelReadTest {

    @TempDir
    Path tmp;

    @Test
    void aDirectoryOfMoreThan65535SubdirectoriesGetsAnExtendedInodeWithItsLinkCount() throws Exception {
        TreeMap<String, ManifestEntry> entries = new TreeMap<>();
        for (int i = 0; i < 70_000; i++) {
            entries.put("many/" + i, new DirEntry(0755, 0, 0));
        }
        Manifest m = new Manifest(2, "many", entries);
        Path image = tmp.resolve("many.erofs");
        ImageSummary s = new ErofsImageWriter(e -> 0).write(m, image);
        ErofsTools.fsck(image);
        assertEquals(1, s.extendedInodes(), "only the directory's 70,002 links overflow 16 bits");
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        ErofsOverlayMount.mountImage(image, root);
        try {
            assertEquals(70_002, PosixFiles.lstat(root.resolve("many")).links());
            assertTrue(Files.isDirectory(root.resolve("many/69999")));
        } finally {
            Mounts.unmount(root);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void theKernelReadsGeneratedImagesAsTheirManifests(long seed) throws Exception {
        GeneratedManifests.Generated g = GeneratedManifests.fuzz(seed, 1500);
        Manifest m = g.manifest();
        Path image = tmp.resolve("fuzz.erofs");
        new ErofsImageWriter(g.contentSizes()).write(m, image);
        ErofsTools.fsck(image);
        Path root = Files.createDirectories(tmp.resolve("mnt"));
        String mountsBefore = Mount.run("cat", "/proc/self/mounts");

        ErofsOverlayMount.mountImage(image, root);
        try {
            for (Map.Entry<String, ManifestEntry> e : m.entries().entrySet()) {
                Path p = root.resolve(e.getKey());
                Stat st = PosixFiles.lstat(p);
                String what = e.getKey();
                assertEquals(Cas.BLOB_MTIME, st.modified(), "every mtime is the epoch, as ingest gives blobs: " + what);
                switch (e.getValue()) {
                    case FileEntry f -> {
                        long size = g.sizes().get(f.digest());
                        assertTrue(st.isRegularFile(), what);
                        assertEquals(java.util.List.of((long) f.mode(), f.uid(), f.gid(), size),
                                java.util.List.of((long) st.permissions(), st.uid(), st.gid(), st.size()), what);
                        Optional<byte[]> metacopy = ExtendedAttributes.get(p, "trusted.overlay.metacopy");
                        Optional<byte[]> redirect = ExtendedAttributes.get(p, "trusted.overlay.redirect");
                        if (size == 0) {
                            assertTrue(metacopy.isEmpty() && redirect.isEmpty(), "an empty file carries no overlay attributes: " + what);
                        } else {
                            assertArrayEquals(new byte[0], metacopy.orElseThrow(), what);
                            assertEquals("/" + Cas.instanceName(BlobKey.of(f)),
                                    new String(redirect.orElseThrow(), StandardCharsets.US_ASCII), what);
                        }
                    }
                    case SymlinkEntry s -> {
                        assertTrue(st.isSymlink(), what);
                        assertEquals(s.target(), Files.readSymbolicLink(p).toString(), what);
                        assertEquals(java.util.List.of(s.uid(), s.gid()), java.util.List.of(st.uid(), st.gid()), what);
                    }
                    case DirEntry d -> {
                        assertTrue(st.isDirectory(), what);
                        assertEquals(java.util.List.of((long) d.mode(), d.uid(), d.gid()),
                                java.util.List.of((long) st.permissions(), st.uid(), st.gid()), what);
                    }
                }
            }
            for (Map.Entry<String, Set<String>> dir : ErofsImageFsckTest.expectedChildren(m).entrySet()) {
                Path p = dir.getKey().isEmpty() ? root : root.resolve(dir.getKey());
                Set<String> listed = new TreeSet<>();
                long subdirs;
                try (Stream<Path> list = Files.list(p)) {
                    list.forEach(c -> listed.add(c.getFileName().toString()));
                }
                try (Stream<Path> list = Files.list(p)) {
                    subdirs = list.filter(c -> Files.isDirectory(c, java.nio.file.LinkOption.NOFOLLOW_LINKS)).count();
                }
                assertEquals(dir.getValue(), listed, "/" + dir.getKey());
                Stat st = PosixFiles.lstat(p);
                assertEquals(2 + subdirs, st.links(), "/" + dir.getKey() + " links");
                if (!m.entries().containsKey(dir.getKey())) {
                    assertEquals(java.util.List.of(0755L, 0L, 0L),
                            java.util.List.of((long) st.permissions(), st.uid(), st.gid()), "implicit /" + dir.getKey());
                }
                for (String name : dir.getValue()) { // a lookup by name: the kernel's binary search over blocks
                    assertTrue(Files.exists(p.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS), "/" + dir.getKey() + "/" + name);
                }
            }
        } finally {
            Mounts.unmount(root);
        }
        assertEquals(mountsBefore, Mount.run("cat", "/proc/self/mounts"), "no mount left behind");
    }
}
