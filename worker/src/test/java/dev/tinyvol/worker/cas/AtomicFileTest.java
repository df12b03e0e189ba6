package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.AtomicFile.Durability;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.Errno;
import dev.tinyvol.worker.testing.Mount;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one replace-in-place every record, cache and answer goes through, on real filesystems: a full
 * one (a small tmpfs, filled first), a read-only one, and two writers of one target at once.
 */
class AtomicFileTest {

    private static final byte[] OLD = content('o', 8 * 1024);
    private static final byte[] NEW = content('n', 256 * 1024); // more than the full tmpfs has left

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void aReplaceCutShortByAFullFilesystemLeavesTheOldContentWholeAndNoTemporary(Durability durability) throws IOException {
        try (Mount fs = Mount.tmpfs(tmp.resolve("full"), "size=1m")) {
            Path dir = Files.createDirectories(fs.point().resolve("records"));
            Path tempDir = Files.createDirectories(fs.point().resolve("tmp"));
            Path target = dir.resolve("r.json");
            Files.write(target, OLD);
            fill(fs.point().resolve("filler"));

            TinyVolException beside = assertThrows(TinyVolException.class,
                    () -> AtomicFile.replace(target, NEW, durability, "writing the record"));
            assertNamesTarget(ErrorCode.NO_SPACE, target, beside);
            TinyVolException inTmp = assertThrows(TinyVolException.class,
                    () -> AtomicFile.replace(target, NEW, durability, tempDir, "writing the record"));
            assertNamesTarget(ErrorCode.NO_SPACE, target, inTmp);
            Path once = dir.resolve("once.json");
            TinyVolException created = assertThrows(TinyVolException.class,
                    () -> AtomicFile.createOnce(once, NEW, durability, "keeping a manifest"));
            assertNamesTarget(ErrorCode.NO_SPACE, once, created);

            assertArrayEquals(OLD, Files.readAllBytes(target), "the old content, whole");
            assertEquals(List.of("r.json"), names(dir), "no temporary left beside the target, no half-made file");
            assertEquals(List.of(), names(tempDir), "no temporary left in the temporary directory");
        }
    }

    @Test
    void aReadOnlyFilesystemIsReadOnlyFilesystemNamingTheTarget() throws IOException {
        try (Mount fs = Mount.tmpfs(tmp.resolve("ro"), "size=4m")) {
            Path target = fs.point().resolve("r.json");
            Files.write(target, OLD);
            Path prepared = fs.point().resolve("prepared.part");
            Files.write(prepared, NEW);
            fs.remount("ro");
            for (Durability durability : Durability.values()) {
                assertNamesTarget(ErrorCode.READ_ONLY_FILESYSTEM, target, assertThrows(TinyVolException.class,
                        () -> AtomicFile.replace(target, NEW, durability, "writing the record")));
                assertNamesTarget(ErrorCode.READ_ONLY_FILESYSTEM, target, assertThrows(TinyVolException.class,
                        () -> AtomicFile.createOnce(target, NEW, durability, "keeping a manifest")));
                assertNamesTarget(ErrorCode.READ_ONLY_FILESYSTEM, target, assertThrows(TinyVolException.class,
                        () -> AtomicFile.install(prepared, target, durability, "re-making a blob")));
            }
            assertArrayEquals(OLD, Files.readAllBytes(target));
            assertEquals(List.of("prepared.part", "r.json"), names(fs.point()));
        }
    }

    /**
     * Writers of one target at once (a pull, an ingest and the command line saving one ref; a request
     * redelivered while it still runs) each leave one whole content, and a reader between them sees
     * one whole content, never a mix. A temporary of fixed name, as the answer store and volume
     * records had, is written by both at once: a torn temporary renamed into place, or one writer's
     * rename finding the other's already gone.
     */
    @ParameterizedTest
    @EnumSource(Durability.class)
    void twoWritersOfOneTargetNeverLeaveATornFile(Durability durability) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("records"));
        Path target = dir.resolve("r.json");
        Files.write(target, OLD);
        int writers = 4;
        int rounds = durability == Durability.DURABLE ? 40 : 200;
        List<byte[]> contents = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            contents.add(content((char) ('a' + w), 64 * 1024 + w * 4096)); // each its own length and byte
        }
        contents.add(OLD);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte[] mine = contents.get(w);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        AtomicFile.replace(target, mine, durability, "writing the record");
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                int reads = 0;
                while (writing.get() || reads == 0) {
                    assertWholeOneOf(contents, Files.readAllBytes(target));
                    reads++;
                }
                return reads;
            });
            for (Future<?> f : done) {
                f.get();
            }
            writing.set(false);
            assertTrue(reader.get() > 0);
        } finally {
            pool.shutdownNow();
        }
        assertWholeOneOf(contents, Files.readAllBytes(target));
        assertEquals(List.of("r.json"), names(dir), "every temporary renamed or removed");
    }

    @Test
    void createOnceKeepsTheFirstContentAndLeavesNoTemporary() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("manifests"));
        Path target = dir.resolve("id.json");
        assertTrue(AtomicFile.createOnce(target, OLD, Durability.DURABLE, "keeping a manifest"));
        assertFalse(AtomicFile.createOnce(target, NEW, Durability.DURABLE, "keeping a manifest"));
        assertArrayEquals(OLD, Files.readAllBytes(target));
        assertEquals(List.of("id.json"), names(dir));
    }

    @Test
    void aTargetInAMissingDirectoryFailsNamingItAndLeavesNothing() throws IOException {
        Path tempDir = Files.createDirectories(tmp.resolve("tmp"));
        Path target = tmp.resolve("gone/r.json");
        TinyVolException e = assertThrows(TinyVolException.class,
                () -> AtomicFile.replace(target, NEW, Durability.DURABLE, tempDir, "writing the record"));
        assertNamesTarget(ErrorCode.IO_ERROR, target, e);
        assertEquals(List.of(), names(tempDir), "the temporary written, then removed when the rename failed");
    }

    private static void assertNamesTarget(ErrorCode code, Path target, TinyVolException e) {
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(target.toString(), e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
    }

    private static void assertWholeOneOf(List<byte[]> contents, byte[] read) {
        assertTrue(contents.stream().anyMatch(c -> Arrays.equals(c, read)),
                "a torn or mixed file: " + read.length + " bytes starting " + (read.length == 0 ? "-" : (char) read[0]));
    }

    /** Writes until the filesystem is full; what was written stays. */
    private static void fill(Path filler) throws IOException {
        byte[] block = content('f', 64 * 1024);
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (Errno.of(full) != Errno.ENOSPC) {
                throw full;
            }
        }
        assertTrue(Files.size(filler) > 0);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("filler")).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static byte[] content(char c, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) c);
        return b;
    }
}
