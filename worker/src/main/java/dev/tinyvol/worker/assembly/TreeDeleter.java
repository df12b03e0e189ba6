package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.posix.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Removes a tree as GNU rm's fts does, relative to open directory descriptors: each directory is
 * opened with openat2 (no symlink, no "..", no mount point anywhere on the way) and emptied through
 * its own descriptor, so a process still running inside the tree that swaps a directory for a
 * symlink between our look and our step can only make us remove the symlink itself, never anything
 * it points to. A mount point inside the tree stops the removal with VOLUME_BUSY. Top-level subtrees
 * are removed in parallel.
 */
final class TreeDeleter {

    /** A directory that keeps filling while we empty it is given up on after this many passes. */
    private static final int MAX_PASSES = 8;

    private final ExecutorService pool;

    TreeDeleter(ExecutorService pool) {
        this.pool = pool;
    }

    /** What was removed. */
    record Removed(long files, long dirs) {
    }

    /** Removes {@code root} (a directory or anything else) and everything below it. */
    Removed delete(Path root) {
        Path parentPath = root.toAbsolutePath().getParent();
        byte[] name = root.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicLong files = new AtomicLong();
        AtomicLong dirs = new AtomicLong();
        try (DirFd parent = DirFd.open(parentPath)) {
            DirFd top;
            try {
                top = parent.openBeneath(name);
            } catch (IOException e) {
                Errno errno = Errno.of(e);
                if (errno == Errno.ENOENT) {
                    return new Removed(0, 0);
                }
                if (errno == Errno.ENOTDIR || errno == Errno.ELOOP) {
                    unlinkQuietly(parent, name, files);
                    return new Removed(files.get(), 0);
                }
                throw classify(e, parent, name);
            }
            try (top) {
                long device = top.stat().device();
                for (int pass = 0; ; pass++) {
                    List<DirFd.Entry> children = top.list();
                    if (children.isEmpty()) {
                        break;
                    }
                    requireProgress(pass, top);
                    List<Future<?>> subtrees = new ArrayList<>();
                    for (DirFd.Entry child : children) {
                        subtrees.add(pool.submit(() -> deleteIn(top, child, device, files, dirs)));
                    }
                    WorkerPool.awaitAll(subtrees);
                }
            }
            rmdirQuietly(parent, name, files, dirs);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "removing " + root);
        }
        return new Removed(files.get(), dirs.get());
    }

    /** Removes {@code entry} of {@code dir}, a directory's contents first. */
    private static void deleteIn(DirFd dir, DirFd.Entry entry, long device, AtomicLong files, AtomicLong dirs) {
        byte[] name = entry.name();
        if (!entry.mayBeDirectory()) {
            try {
                dir.unlink(name);
                files.incrementAndGet();
                return;
            } catch (IOException e) {
                Errno errno = Errno.of(e);
                if (errno == Errno.ENOENT) {
                    return;
                }
                if (errno != Errno.EISDIR && errno != Errno.EPERM) {
                    throw classify(e, dir, name);
                }
                // It became a directory since it was listed: remove it as one.
            }
        }
        DirFd sub;
        try {
            sub = dir.openBeneath(name);
        } catch (IOException e) {
            switch (Errno.of(e)) {
                case ENOENT -> {
                    return;
                }
                case ENOTDIR, ELOOP -> {
                    // Not (or no longer) a directory, or a symlink put in its place: remove the entry itself.
                    unlinkQuietly(dir, name, files);
                    return;
                }
                case EXDEV -> throw busy(dir, name);
                default -> throw classify(e, dir, name);
            }
        }
        try (sub) {
            if (sub.stat().device() != device) {
                throw busy(dir, name);
            }
            for (int pass = 0; ; pass++) {
                List<DirFd.Entry> children = sub.list();
                if (children.isEmpty()) {
                    break;
                }
                requireProgress(pass, sub);
                for (DirFd.Entry child : children) {
                    deleteIn(sub, child, device, files, dirs);
                }
            }
        } catch (IOException e) {
            throw classify(e, dir, name);
        }
        rmdirQuietly(dir, name, files, dirs);
    }

    private static void requireProgress(int pass, DirFd dir) {
        if (pass >= MAX_PASSES) {
            throw new TinyVolException(ErrorCode.IO_ERROR, dir.shown(), dir.shown() + " kept gaining entries while it "
                    + "was emptied (a process is still writing in it); stop it, then tear down or purge again");
        }
    }

    /** rmdir, or unlink if the entry was swapped for a non-directory after it was emptied. */
    private static void rmdirQuietly(DirFd dir, byte[] name, AtomicLong files, AtomicLong dirs) {
        try {
            dir.rmdir(name);
            dirs.incrementAndGet();
        } catch (IOException e) {
            switch (Errno.of(e)) {
                case ENOENT -> { }
                case ENOTDIR -> unlinkQuietly(dir, name, files);
                case ENOTEMPTY, EEXIST -> throw new TinyVolException(ErrorCode.IO_ERROR, dir.shown(name), dir.shown(name)
                        + " gained entries while it was removed (a process is still writing in it); stop it, then "
                        + "tear down or purge again");
                case EBUSY -> throw busy(dir, name);
                default -> throw classify(e, dir, name);
            }
        }
    }

    private static void unlinkQuietly(DirFd dir, byte[] name, AtomicLong files) {
        try {
            dir.unlink(name);
            files.incrementAndGet();
        } catch (IOException e) {
            Errno errno = Errno.of(e);
            if (errno == Errno.ENOENT) {
                return;
            }
            if (errno == Errno.EISDIR) {
                throw new TinyVolException(ErrorCode.IO_ERROR, dir.shown(name), dir.shown(name)
                        + " keeps changing between a directory and a file (a process is still running in the volume); "
                        + "stop it, then tear down or purge again");
            }
            throw classify(e, dir, name);
        }
    }

    private static TinyVolException busy(DirFd dir, byte[] name) {
        return new TinyVolException(ErrorCode.VOLUME_BUSY, dir.shown(name), dir.shown(name)
                + " is on another filesystem (something is mounted there); it was not removed");
    }

    private static TinyVolException classify(IOException e, DirFd dir, byte[] name) {
        return IoErrors.classify(e, dir.shown(name), "removing " + dir.shown(name));
    }
}
