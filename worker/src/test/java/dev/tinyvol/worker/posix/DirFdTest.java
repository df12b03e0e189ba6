package dev.tinyvol.worker.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.Mount;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each binding of the posix package against the real kernel, on real filesystems. */
class DirFdTest {

    @TempDir
    Path dir;

    private static Errno errnoOf(IOException e) {
        return Errno.of(e);
    }

    @Test
    void mkdirLinkStatAndErrnoOfEachFailure() throws IOException {
        Files.writeString(dir.resolve("blob"), "hello");
        try (DirFd d = DirFd.open(dir)) {
            d.mkdir("a", 0750);
            d.mkdir("a/b", 0755);
            d.link(d, "blob", "a/b/linked");
            Stat blob = d.stat("blob");
            Stat linked = d.stat("a/b/linked");
            assertTrue(linked.sameInode(blob));
            assertEquals(2, linked.links());
            assertEquals(5, linked.size());
            assertTrue(d.stat("a").isDirectory());
            assertEquals(0750, d.stat("a").permissions());

            IOException exists = assertThrows(IOException.class, () -> d.mkdir("a", 0755));
            assertEquals(Errno.EEXIST, errnoOf(exists));
            IOException missing = assertThrows(IOException.class, () -> d.stat("nope"));
            assertEquals(Errno.ENOENT, errnoOf(missing));
            assertTrue(missing.getMessage().contains("No such file or directory (ENOENT)"), missing.getMessage());
            assertTrue(missing.getMessage().contains(dir.resolve("nope").toString()), missing.getMessage());
            IOException notEmpty = assertThrows(IOException.class, () -> d.rmdir("a"));
            assertEquals(Errno.ENOTEMPTY, errnoOf(notEmpty));
        }
    }

    @Test
    void openBeneathRefusesSymlinksDotDotAndMountPoints() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path root = Files.createDirectories(dir.resolve("root/real"));
        Files.createSymbolicLink(dir.resolve("root/link"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("inner-link"), Path.of("."));
        try (DirFd d = DirFd.open(dir.resolve("root"))) {
            // The last component: O_DIRECTORY|O_NOFOLLOW on a symlink is ENOTDIR; any other: ELOOP.
            assertEquals(Errno.ENOTDIR, errnoOf(assertThrows(IOException.class, () -> d.openBeneath("link"))));
            assertEquals(Errno.ELOOP, errnoOf(assertThrows(IOException.class, () -> d.openBeneath("link/x"))));
            assertEquals(Errno.ELOOP, errnoOf(assertThrows(IOException.class, () -> d.openBeneath("real/inner-link/x"))));
            assertEquals(Errno.EXDEV, errnoOf(assertThrows(IOException.class, () -> d.openBeneath("../outside"))));
            try (DirFd real = d.openBeneath("real")) {
                assertTrue(real.stat().isDirectory());
            }
            Path mountPoint = Files.createDirectories(root.resolve("mnt"));
            try (Mount m = Mount.tmpfs(mountPoint, "size=1m")) {
                assertEquals(Errno.EXDEV, errnoOf(assertThrows(IOException.class, () -> d.openBeneath("real/mnt"))));
            }
        }
        try (DirFd d = DirFd.open(dir.resolve("root"))) {
            assertThrows(IOException.class, () -> DirFd.open(dir.resolve("root/link")));
        }
    }

    @Test
    void listReturnsRawNamesAndTypes() throws IOException {
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("file"), "x");
        Files.createSymbolicLink(dir.resolve("sym"), Path.of("sub"));
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
        try (DirFd d = DirFd.open(dir)) {
            d.mkdir(latin1, 0755);
            List<DirFd.Entry> entries = d.list();
            assertEquals(4, entries.size());
            assertTrue(entries.stream().anyMatch(e -> e.nameString().equals("sub") && e.mayBeDirectory()));
            assertTrue(entries.stream().anyMatch(e -> e.nameString().equals("sym") && e.type() == DirFd.Entry.DT_LNK));
            DirFd.Entry odd = entries.stream().filter(e -> e.name().length == 4 && e.name()[3] == (byte) 0xe9)
                    .findFirst().orElseThrow();
            d.rmdir(odd.name());
            assertEquals(3, d.list().size());
            assertArrayEquals("sub".getBytes(StandardCharsets.UTF_8), d.readlink("sym".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void renameModes() throws IOException {
        Files.writeString(dir.resolve("old"), "old");
        Files.writeString(dir.resolve("new"), "new");
        try (DirFd d = DirFd.open(dir)) {
            IOException exists = assertThrows(IOException.class,
                    () -> d.rename("new", d, "old", DirFd.RenameMode.NO_REPLACE));
            assertEquals(Errno.EEXIST, errnoOf(exists));
            d.rename("new", d, "old", DirFd.RenameMode.EXCHANGE);
            assertEquals("new", Files.readString(dir.resolve("old")));
            assertEquals("old", Files.readString(dir.resolve("new")));
            d.rename("new", d, "third", DirFd.RenameMode.NO_REPLACE);
            assertFalse(Files.exists(dir.resolve("new")));
        }
    }

    @Test
    void ownersAbove2To31AndModesAndTimes() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        try (DirFd d = DirFd.open(dir)) {
            d.chown("f", 3_000_000_000L, 4_294_967_294L);
            d.chmod("f", 04755);
            d.setModifiedTime("f".getBytes(StandardCharsets.UTF_8), FileTime.from(Instant.EPOCH));
            Stat s = d.stat("f");
            assertEquals(3_000_000_000L, s.uid());
            assertEquals(4_294_967_294L, s.gid());
            assertEquals(04755, s.permissions());
            assertEquals(FileTime.from(Instant.EPOCH), s.modified());
        }
        Stat viaPath = PosixFiles.lstat(dir.resolve("f"));
        assertEquals(3_000_000_000L, viaPath.uid());
        PosixFiles.lchown(dir.resolve("f"), 0, 0);
        assertEquals(0, PosixFiles.lstat(dir.resolve("f")).uid());
    }

    @Test
    void readsThroughItsOwnDescriptorAndSyncs() throws IOException {
        byte[] content = new byte[200_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        Files.write(dir.resolve("data"), content);
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("data"));
        try (DirFd d = DirFd.open(dir)) {
            Stat data = d.stat("data");
            try (InputStream in = d.openRead("data".getBytes(StandardCharsets.UTF_8), data)) {
                assertArrayEquals(content, in.readAllBytes());
            }
            IOException loop = assertThrows(IOException.class, () -> d.openRead("link".getBytes(StandardCharsets.UTF_8), data));
            assertEquals(Errno.ELOOP, errnoOf(loop));
            d.fsync();
            d.syncfs();
            PosixFiles.fsyncFile(dir.resolve("data"));
        }
    }

    @Test
    void aFifoOrAnotherFilePutInPlaceOfAnExaminedFileIsNotReadAndTheOpenDoesNotWait() throws Exception {
        Files.writeString(dir.resolve("file"), "examined\n");
        Files.writeString(dir.resolve("other"), "examined\n");
        try (DirFd d = DirFd.open(dir)) {
            Stat examined = d.stat("file");
            // A workload swaps a FIFO in: an open that waits for a writer would never return.
            Files.move(dir.resolve("file"), dir.resolve("file.away"));
            Mount.run("mkfifo", dir.resolve("file").toString());
            FileSwappedException fifo = assertThrows(FileSwappedException.class,
                    () -> d.openRead("file".getBytes(StandardCharsets.UTF_8), examined));
            assertTrue(fifo.getMessage().contains("a FIFO"), fifo.getMessage());
            // Another regular file, same content: still not the file that was examined.
            Files.delete(dir.resolve("file"));
            Files.move(dir.resolve("other"), dir.resolve("file"));
            FileSwappedException other = assertThrows(FileSwappedException.class,
                    () -> d.openRead("file".getBytes(StandardCharsets.UTF_8), examined));
            assertTrue(other.getMessage().contains("a regular file"), other.getMessage());
        }
    }

    @Test
    void ioctlReachesTheKernelAndReportsItsErrno() throws IOException {
        try (DirFd d = DirFd.open(dir)) {
            // No driver answers request 0 on a directory: the kernel says ENOTTY (25), a number Errno does not name.
            ErrnoException e = assertThrows(ErrnoException.class, () -> d.ioctl(0, 0));
            assertEquals(25, e.number());
            assertEquals("ioctl", e.call());
        }
    }

    @Test
    void fullFilesystemIsEnospcByNumber() throws IOException {
        try (Mount m = Mount.tmpfs(dir.resolve("small"), "size=64k"); DirFd d = DirFd.open(m.point())) {
            IOException full = assertThrows(IOException.class, () -> {
                for (int i = 0; ; i++) {
                    d.mkdir("d" + i, 0755);
                    Files.write(m.point().resolve("d" + i + "/f"), new byte[8192]);
                }
            });
            assertEquals(Errno.ENOSPC, Errno.of(full));
        }
    }
}
