package dev.tinyvol.worker.posix;

import java.nio.file.FileSystemException;

/**
 * A system call failed: carries the errno itself, so callers decide on the number and never on a
 * message whose words follow the locale. The message is always in English.
 */
public final class ErrnoException extends FileSystemException implements SystemCallFailure {

    private final Errno errno;
    private final int number;
    private final String call;

    public ErrnoException(String call, int number, String file) {
        super(file, null, call + ": " + Errno.describe(number));
        this.errno = Errno.of(number);
        this.number = number;
        this.call = call;
    }


    @Override
    public Errno errno() {
        return errno;
    }

    /** The raw number, also for values {@link Errno} does not name. */
    @Override
    public int number() {
        return number;
    }

    /** The system call that failed, e.g. {@code linkat}. */
    @Override
    public String call() {
        return call;
    }
}
