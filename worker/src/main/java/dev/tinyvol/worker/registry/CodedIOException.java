package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.TinyVolException;
import java.io.IOException;

/**
 * An I/O failure that already knows its code: a body that stalled or ran past its limit or the
 * pull's deadline, a layer past what the node unpacks. It travels as an {@link IOException} through
 * the readers in between (decompressors, tar, the blob writer) and is unwrapped where the registry
 * package catches it ({@link #in(Throwable)}).
 */
final class CodedIOException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient TinyVolException failure;

    CodedIOException(TinyVolException failure) {
        super(failure.getMessage());
        this.failure = failure;
    }

    TinyVolException failure() {
        return failure;
    }

    /** The coded failure somewhere in {@code t}'s causes, or null. */
    static CodedIOException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CodedIOException coded) {
                return coded;
            }
        }
        return null;
    }
}
