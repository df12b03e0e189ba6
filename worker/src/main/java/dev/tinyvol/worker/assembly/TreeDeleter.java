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

    /**
     * What was removed, counted as assemble and verify count a tree: regular files, symlinks and
     * directories below the root (the root itself is the volume, not one of its entries).
     */
    record Removed(long files, long symlinks, long dirs) {
    }

    /** Running counts while a tree is removed; {@code dirs} includes the root until the end. */
    private static final class Counts {
        final AtomicLong files = new AtomicLong();
        final AtomicLong symlinks = new AtomicLong();
        final AtomicLong dirs = new AtomicLong();

        void unlinked(DirFd.Entry entry) {
            (entry != null && entry.type() == DirFd.Entry.DT_LNK ? symlinks : files).incrementAndGet();
        }
    }

    /** Removes {@code root} (a directory or anything else) and everything below it. */
    Removed delete(Path root) {
        Path parentPath = root.toAbsolutePath().getParent();
        byte[] name = root.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Counts counts = new Counts();
        try (DirFd parent = DirFd.open(parentPath)) {
            DirFd top;
            try {
                top = parent.openBeneath(name);
            } catch (IOException e) {
                Errno errno = Errno.of(e);
                if (errno == Errno.ENOENT) {
                    return new Removed(0, 0, 0);
                }
                if (errno == Errno.ENOTDIR || errno == Errno.ELOOP) {
                    unlinkQuietly(parent, name, null, counts);
                    return new Removed(counts.files.get(), counts.symlinks.get(), 0);
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
                        subtrees.add(pool.submit(() -> deleteIn(top, child, device, counts)));
                    }
                    WorkerPool.awaitAll(subtrees);
                }
            }
            rmdirQuietly(parent, name, null, counts);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "removing " + root);
        }
        return new Removed(counts.files.get(), counts.symlinks.get(), Math.max(0, counts.dirs.get() - 1));
    }

    /** Removes {@code entry} of {@code dir}, a directory's contents first. */
    private static void deleteIn(DirFd dir, DirFd.Entry entry, long device, Counts counts) {
        byte[] name = entry.name();
        if (!entry.mayBeDirectory()) {
            try {
                dir.unlink(name);
                counts.unlinked(entry);
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
                    unlinkQuietly(dir, name, entry, counts);
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
                    deleteIn(sub, child, device, counts);
                }
            }
        } catch (IOException e) {
            throw classify(e, dir, name);
        }
        rmdirQuietly(dir, name, entry, counts);
    }

    private static void requireProgress(int pass, DirFd dir) {
        if (pass >= MAX_PASSES) {
            throw new TinyVolException(ErrorCode.IO_ERROR, dir.shown(), dir.shown() + " kept gaining entries while it "
                    + "was emptied (a process is still writing in it); stop it, then tear down or purge again");
        }
    }

    /** rmdir, or unlink if the entry was swapped for a non-directory after it was emptied. */
    private static void rmdirQuietly(DirFd dir, byte[] name, DirFd.Entry entry, Counts counts) {
        try {
            dir.rmdir(name);
            counts.dirs.incrementAndGet();
        } catch (IOException e) {
            switch (Errno.of(e)) {
                case ENOENT -> { }
                case ENOTDIR -> unlinkQuietly(dir, name, entry, counts);
                case ENOTEMPTY, EEXIST -> throw new TinyVolException(ErrorCode.IO_ERROR, dir.shown(name), dir.shown(name)
                        + " gained entries while it was removed (a process is still writing in it); stop it, then "
                        + "tear down or purge again");
                case EBUSY -> throw busy(dir, name);
                default -> throw classify(e, dir, name);
            }
        }
    }

    private static void unlinkQuietly(DirFd dir, byte[] name, DirFd.Entry entry, Counts counts) {
        try {
            dir.unlink(name);
            counts.unlinked(entry);
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
