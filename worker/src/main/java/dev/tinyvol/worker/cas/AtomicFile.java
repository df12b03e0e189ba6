package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The one way TinyVol puts a small file in place whole: the bytes go to a temporary file of this call's
 * own (a fresh name, so two writers of one target never write into one temporary), which is renamed
 * over the target; a reader sees the old content or the new, never a mix. The temporary is removed
 * when anything fails, and every failure is a {@link dev.tinyvol.worker.errors.TinyVolException}
 * classified by errno that names the target.
 *
 * <p>The temporary is made beside the target, or in a directory the caller names (the CAS's tmp/,
 * whose leftovers are cleaned), which must be on the target's filesystem: rename(2) does not cross
 * filesystems. Lives in {@code cas} rather than {@code posix} because it reports through
 * {@link IoErrors}, which itself depends on {@code posix}.
 */
public final class AtomicFile {

    /** How much of a replace survives a power loss. */
    public enum Durability {
        /**
         * fsync of the file, rename, fsync of the directory: once the call returns, the new content
         * is what the target holds after a power loss. For records others rely on (refs, pull and
         * volume records, the last fsck's outcome, repaired blobs).
         */
        DURABLE,
        /**
         * Rename only: atomic while the machine runs, but after a power loss the target may hold the
         * old content, the new, or (on filesystems that do not flush a file replaced by rename, as
         * XFS) be empty or short. Only for files whose reader treats an unreadable one as absent and
         * whose loss costs only work redone (the answer store, caches), or whose writer makes them
         * durable later in one syncfs(2) (an ingest).
         */
        ATOMIC_ONLY
    }

    private AtomicFile() {
    }

    /** Replaces {@code target} with {@code bytes}, the temporary beside it. */
    public static void replace(Path target, byte[] bytes, Durability durability, String doing) {
        replace(target, bytes, durability, target.getParent(), doing);
    }

    /** Replaces {@code target} with {@code bytes}, the temporary in {@code tempDir} (on the target's filesystem). */
    public static void replace(Path target, byte[] bytes, Durability durability, Path tempDir, String doing) {
        Path part = temporaryFor(target, tempDir);
        try {
            write(part, bytes, durability);
        } catch (IOException e) {
            discard(part);
            throw IoErrors.classify(e, target.toString(), doing);
        }
        renameOver(part, target, durability, doing);
    }

    /**
     * Puts {@code bytes} at {@code target} unless a file is already there (content named by its
     * identity: whoever comes first wins, and the others' content is the same). Never replaces, so
     * a reader never sees the name change content. The temporary is beside the target.
     *
     * @return true if this call created it
     */
    public static boolean createOnce(Path target, byte[] bytes, Durability durability, String doing) {
        Path part = temporaryFor(target, target.getParent());
        try {
            write(part, bytes, durability);
            boolean created;
            try {
                Files.createLink(target, part);
                created = true;
            } catch (FileAlreadyExistsException raced) {
                created = false;
            }
            Files.delete(part);
            part = null;
            if (durability == Durability.DURABLE) {
                PosixFiles.fsyncDirectory(target.getParent());
            }
            return created;
        } catch (IOException e) {
            throw IoErrors.classify(e, target.toString(), doing);
        } finally {
            discard(part);
        }
    }

    /**
     * Renames a file the caller prepared (a verified copy of a blob in tmp/, its attributes set) over
     * {@code target}, with {@code durability}; the prepared file is removed if it cannot be.
     */
    public static void install(Path prepared, Path target, Durability durability, String doing) {
        if (durability == Durability.DURABLE) {
            try {
                PosixFiles.fsyncFile(prepared);
            } catch (IOException e) {
                discard(prepared);
                throw IoErrors.classify(e, target.toString(), doing);
            }
        }
        renameOver(prepared, target, durability, doing);
    }

    /** The rename and, for {@link Durability#DURABLE}, the fsync of the directory that makes it last. */
    private static void renameOver(Path part, Path target, Durability durability, String doing) {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            discard(part);
            throw IoErrors.classify(e, target.toString(), doing);
        }
        if (durability == Durability.DURABLE) {
            try {
                PosixFiles.fsyncDirectory(target.getParent());
            } catch (IOException e) {
                throw IoErrors.classify(e, target.toString(), doing);
            }
        }
    }

    /** Hidden and ending in .part, so no listing of {@code *.json} or similar takes it for a target. */
    private static Path temporaryFor(Path target, Path tempDir) {
        return tempDir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
    }

    /** CREATE_NEW: the name is this call's alone; the mode is the usual one (umask), as the target's would be. */
    private static void write(Path part, byte[] bytes, Durability durability) throws IOException {
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (durability == Durability.DURABLE) {
                channel.force(true);
            }
        }
    }

    /** Removes a temporary that will not be renamed; null or already gone is fine. */
    static void discard(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Nothing more can be done (a read-only filesystem): a leftover temporary names no target.
        }
    }
}
