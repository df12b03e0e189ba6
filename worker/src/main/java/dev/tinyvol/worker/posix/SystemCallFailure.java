package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * What every exception from a failed system call carries: the errno, as a number, never as text.
 * ENOENT and EEXIST come as the JDK's own {@link NoSuchFileException} and
 * {@link FileAlreadyExistsException} (subclasses carrying the errno), so the usual Java idiom of
 * catching those works for native calls and {@code java.nio} alike; everything else is an
 * {@link ErrnoException}.
 */
public sealed interface SystemCallFailure permits ErrnoException, SystemCallFailure.NoSuchFile,
        SystemCallFailure.AlreadyExists {

    Errno errno();

    /** The raw number, also for values {@link Errno} does not name. */
    int number();

    /** The system call that failed, e.g. {@code linkat}. */
    String call();

    static IOException of(String call, int number, String file) {
        Errno errno = Errno.of(number);
        String reason = call + ": " + Errno.describe(number);
        return switch (errno) {
            case ENOENT -> new NoSuchFile(file, reason, call);
            case EEXIST -> new AlreadyExists(file, reason, call);
            default -> new ErrnoException(call, number, file);
        };
    }

    final class NoSuchFile extends NoSuchFileException implements SystemCallFailure {
        private final String call;

        NoSuchFile(String file, String reason, String call) {
            super(file, null, reason);
            this.call = call;
        }

        @Override
        public Errno errno() {
            return Errno.ENOENT;
        }

        @Override
        public int number() {
            return Errno.ENOENT.number();
        }

        @Override
        public String call() {
            return call;
        }
    }

    final class AlreadyExists extends FileAlreadyExistsException implements SystemCallFailure {
        private final String call;

        AlreadyExists(String file, String reason, String call) {
            super(file, null, reason);
            this.call = call;
        }

        @Override
        public Errno errno() {
            return Errno.EEXIST;
        }

        @Override
        public int number() {
            return Errno.EEXIST.number();
        }

        @Override
        public String call() {
            return call;
        }
    }
}
