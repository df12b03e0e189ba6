package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One lock per volume, held while a volume is built or removed, across threads and processes: a
 * semaphore keeps this JVM's threads apart (the JDK refuses a second file lock from one JVM), and an
 * fcntl file lock keeps other processes (the command line beside a worker) apart. The kernel drops
 * the file lock when its holder dies, so a crash never leaves a volume locked.
 */
public final class VolumeLocks {

    private static final long POLL_MILLIS = 20;

    private final Path lockDir;
    private final Map<String, Semaphore> inProcess = new ConcurrentHashMap<>();

    public VolumeLocks(Path lockDir) {
        this.lockDir = lockDir;
    }

    /** A held lock; closing it releases both halves. */
    public final class Held implements AutoCloseable {
        private final Semaphore semaphore;
        private final FileChannel channel;
        private final FileLock lock;

        private Held(Semaphore semaphore, FileChannel channel, FileLock lock) {
            this.semaphore = semaphore;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // Closing the channel releases the lock in any case.
            } finally {
                semaphore.release();
            }
        }
    }

    /**
     * Waits up to {@code wait} for the volume's lock.
     *
     * @param onWait told once, if the lock is held by someone else, so a command line can say why it waits
     * @throws TinyVolException VOLUME_LOCKED if it stays held for longer than {@code wait}
     */
    public Held lock(String volume, Duration wait, Runnable onWait) {
        long deadline = System.nanoTime() + wait.toNanos();
        Semaphore semaphore = inProcess.computeIfAbsent(volume, v -> new Semaphore(1));
        boolean told = false;
        try {
            if (!semaphore.tryAcquire()) {
                onWait.run();
                told = true;
                if (!semaphore.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw locked(volume, wait);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TinyVolException(ErrorCode.INTERRUPTED, volume, "interrupted while waiting for the lock of volume " + volume);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockDir.resolve(volume + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return new Held(semaphore, channel, lock);
                }
                if (!told) {
                    onWait.run();
                    told = true;
                }
                if (System.nanoTime() > deadline) {
                    throw locked(volume, wait);
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (IOException e) {
            closeAndRelease(channel, semaphore);
            throw IoErrors.classify(e, volume, "locking volume " + volume);
        } catch (InterruptedException e) {
            closeAndRelease(channel, semaphore);
            Thread.currentThread().interrupt();
            throw new TinyVolException(ErrorCode.INTERRUPTED, volume, "interrupted while waiting for the lock of volume " + volume);
        } catch (RuntimeException e) {
            closeAndRelease(channel, semaphore);
            throw e;
        }
    }

    private static void closeAndRelease(FileChannel channel, Semaphore semaphore) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // Nothing more can be done with a channel that will not close.
        } finally {
            semaphore.release();
        }
    }

    private static TinyVolException locked(String volume, Duration wait) {
        return new TinyVolException(ErrorCode.VOLUME_LOCKED, volume,
                "volume " + volume + " is being built or removed by another process; still locked after " + wait.toSeconds() + " s");
    }
}
