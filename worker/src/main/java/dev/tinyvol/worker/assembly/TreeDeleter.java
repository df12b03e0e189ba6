package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles.Stat;
import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Removes a tree without following a symlink and without crossing into another filesystem: a
 * directory whose device differs from the tree's stops the removal with VOLUME_BUSY. Top-level
 * subtrees are removed in parallel.
 */
final class TreeDeleter {

    private final ExecutorService pool;

    TreeDeleter(ExecutorService pool) {
        this.pool = pool;
    }

    /** What was removed. */
    record Removed(long files, long dirs) {
    }

    Removed delete(Path root) {
        Stat rootStat;
        try {
            rootStat = PosixFiles.lstat(root);
        } catch (NoSuchFileException e) {
            return new Removed(0, 0);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "reading " + root);
        }
        if (!rootStat.isDirectory()) {
            deleteOne(root);
            return new Removed(1, 0);
        }
        AtomicLong files = new AtomicLong();
        AtomicLong dirs = new AtomicLong();
        List<Future<?>> subtrees = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                subtrees.add(pool.submit(() -> deleteRecursively(child, rootStat.device(), files, dirs)));
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "listing " + root);
        }
        WorkerPool.awaitAll(subtrees);
        deleteOne(root);
        return new Removed(files.get(), dirs.get() + 1);
    }

    private static void deleteRecursively(Path path, long device, AtomicLong files, AtomicLong dirs) {
        Stat stat;
        try {
            stat = PosixFiles.lstat(path);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "reading " + path);
        }
        if (stat.isDirectory()) {
            if (stat.device() != device) {
                throw new TinyVolException(ErrorCode.VOLUME_BUSY, path.toString(),
                        path + " is on another filesystem (something is mounted there); it was not removed");
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                for (Path child : children) {
                    deleteRecursively(child, device, files, dirs);
                }
            } catch (IOException e) {
                throw IoErrors.classify(e, path.toString(), "listing " + path);
            }
            dirs.incrementAndGet();
        } else {
            files.incrementAndGet();
        }
        deleteOne(path);
    }

    private static void deleteOne(Path path) {
        try {
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // Already gone: removal is idempotent.
        } catch (IOException e) {
            throw IoErrors.classify(e, path.toString(), "removing " + path);
        }
    }
}
