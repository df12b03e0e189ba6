package dev.tinyvol.worker.cas;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The CAS's one lock between the writers and the collector: ingests, pulls and assemblies hold it
 * shared for as long as they name or link blobs; a gc holds it exclusive while it marks and sweeps,
 * so no blob can be removed between a writer deciding to use it and the ref or volume that names it
 * being written (the race Nix's GC had with clients adding roots, and pnpm's unlocked prune). Two
 * layers, because an OS lock ({@code fcntl} through {@link FileChannel#lock}) is per process: a
 * read-write lock between the threads of this JVM, and one OS lock on {@code <cas>/.lock} held
 * shared while any thread of this JVM writes, exclusive while it collects.
 */
public final class StoreLock {

    private static final ConcurrentHashMap<Path, StoreLock> LOCKS = new ConcurrentHashMap<>();

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

    public Held shared() {
        threads.readLock().lock();
        try {
            synchronized (os) {
                if (sharedHolders++ == 0) {
                    held = lockFile(true);
                }
            }
        } catch (RuntimeException e) {
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

    public Held exclusive() {
        threads.writeLock().lock();
        try {
            synchronized (os) {
                held = lockFile(false);
            }
        } catch (RuntimeException e) {
            threads.writeLock().unlock();
            throw e;
        }
        return () -> {
            synchronized (os) {
                release();
            }
            threads.writeLock().unlock();
        };
    }

    /** Blocks until the OS grants it: another process's gc, or its writers, finish first. */
    private FileLock lockFile(boolean shared) {
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            return channel.lock(0, Long.MAX_VALUE, shared);
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "locking the CAS");
        } catch (java.nio.channels.OverlappingFileLockException e) {
            throw new TinyVolException(ErrorCode.IO_ERROR, file.toString(), "the CAS lock " + file + " is held twice in this process");
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
