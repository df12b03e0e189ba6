package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The CAS's one lock between the writers and the collector: ingests, pulls and assemblies hold it
 * shared while they name or link blobs; a gc holds it exclusive while it marks and sweeps, so no
 * blob can be removed between a writer deciding to use it and the ref or volume that names it being
 * written (the race Nix's GC had with clients adding roots, and pnpm's unlocked prune). Two layers,
 * because an OS lock ({@code fcntl} through {@link FileChannel#lock}) is per process: a read-write
 * lock between the threads of this JVM, and one OS lock on {@code <cas>/.lock} held shared while any
 * thread of this JVM writes, exclusive while it collects.
 *
 * <p>A gc never makes writers wait on another process: {@link #tryExclusive} only ever tries (the
 * JVM's write lock with {@code tryLock}, which does not queue, so no assembly lines up behind it;
 * the OS lock with {@code tryLock}, never blocking while it holds the JVM's), lets go of both when
 * another process holds the store, and tries again for a bounded time. Writers wait for a gc only
 * while it actually runs. The count of shared holders only ever says what this JVM holds: a holder
 * is counted once the OS lock is held, so a failure to take it (an I/O error, an interrupt) leaves
 * the next writer to take it again.
 */
public final class StoreLock {

    private static final ConcurrentHashMap<Path, StoreLock> LOCKS = new ConcurrentHashMap<>();

    /** How long a gc sleeps between tries while the store is busy. */
    private static final long RETRY_MILLIS = 100;

    private final Path file;
    private final ReentrantReadWriteLock threads = new ReentrantReadWriteLock(true);
    private final Object os = new Object();
    private FileChannel channel;
    private FileLock held;
    private int sharedHolders;

    private StoreLock(Path file) {
        this.file = file;
    }

    static StoreLock of(Cas cas) {
        return LOCKS.computeIfAbsent(cas.root().resolve(".lock"), StoreLock::new);
    }

    /** Held while its owner names or links blobs; closing it lets a gc in. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits for a gc that is running (in this JVM or another process) to finish, then holds the
     * store shared. Another process's gc holds the OS lock only while it runs: it never waits for it.
     */
    public Held shared() {
        threads.readLock().lock();
        try {
            synchronized (os) {
                if (sharedHolders == 0) {
                    held = lockFile(true);
                }
                sharedHolders++; // counted only once the OS lock is held
            }
        } catch (RuntimeException | Error e) {
            threads.readLock().unlock();
            throw e;
        }
        return () -> {
            synchronized (os) {
                if (--sharedHolders == 0) {
                    release();
                }
            }
            threads.readLock().unlock();
        };
    }

    /**
     * Holds the store exclusive if it can within {@code patience}: the threads of this JVM that hold it
     * shared finish first (new ones are not held back while this waits), and another process holding
     * it (a {@code tinyvol} command, another worker's pull) makes this let go and try again later.
     *
     * @return the hold, or empty when the store stayed busy for all of {@code patience}
     */
    public Optional<Held> tryExclusive(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Optional<Held> got = tryExclusiveOnce();
            if (got.isPresent() || System.nanoTime() - deadline >= 0) {
                return got;
            }
            try {
                Thread.sleep(Math.min(RETRY_MILLIS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TinyVolException(ErrorCode.INTERRUPTED, file.toString(), "interrupted while waiting for the CAS lock");
            }
        }
    }

    private Optional<Held> tryExclusiveOnce() {
        // tryLock() does not queue (it barges even on a fair lock): readers never line up behind it.
        if (!threads.writeLock().tryLock()) {
            return Optional.empty();
        }
        try {
            synchronized (os) {
                FileLock got = tryLockFile();
                if (got == null) {
                    threads.writeLock().unlock();
                    return Optional.empty();
                }
                held = got;
            }
        } catch (RuntimeException | Error e) {
            threads.writeLock().unlock();
            throw e;
        }
        return Optional.of(() -> {
            synchronized (os) {
                release();
            }
            threads.writeLock().unlock();
        });
    }

    /** Blocks until the OS grants it (only a running gc of another process holds it exclusive). */
    private FileLock lockFile(boolean shared) {
        return lockFile(shared, true);
    }

    /** The OS lock exclusive if no other process holds it; null if one does. Never blocks. */
    private FileLock tryLockFile() {
        return lockFile(false, false);
    }

    /** Opens the lock file and locks it (waiting, or trying once); on any failure holds nothing. */
    private FileLock lockFile(boolean shared, boolean wait) {
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            FileLock got = wait ? channel.lock(0, Long.MAX_VALUE, shared) : channel.tryLock(0, Long.MAX_VALUE, shared);
            if (got == null) {
                release();
            }
            return got;
        } catch (IOException e) {
            release();
            if (e instanceof java.nio.channels.ClosedByInterruptException || e instanceof java.nio.channels.FileLockInterruptionException) {
                throw new TinyVolException(ErrorCode.INTERRUPTED, file.toString(), "interrupted while waiting for the CAS lock " + file);
            }
            throw IoErrors.classify(e, file.toString(), "locking the CAS");
        } catch (java.nio.channels.OverlappingFileLockException e) {
            release();
            throw new TinyVolException(ErrorCode.IO_ERROR, file.toString(), "the CAS lock " + file + " is held twice in this process");
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
    }

    private void release() {
        try {
            if (held != null) {
                held.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // Closing the channel releases the lock in any case.
        } finally {
            held = null;
            channel = null;
        }
    }
}
