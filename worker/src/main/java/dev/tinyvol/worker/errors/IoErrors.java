package dev.tinyvol.worker.errors;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Turns the JDK's I/O exceptions into TinyVol errors. The JDK reports most errno values only as a
 * {@link FileSystemException} whose reason is the C library's message, so that text is matched here,
 * in one place.
 */
public final class IoErrors {

    private IoErrors() {
    }

    public static TinyVolException classify(IOException e, String path, String doing) {
        String reason = reasonOf(e);
        ErrorCode code = codeOf(e, reason);
        String hint = switch (code) {
            case NO_SPACE -> "; free space on that filesystem and try again";
            case READ_ONLY_FILESYSTEM -> "; that filesystem is mounted read-only";
            case PERMISSION_DENIED -> "; run as a user who may write there (workers run as root)";
            default -> "";
        };
        return new TinyVolException(code, path, doing + " failed: " + reason + hint, e);
    }

    public static String reasonOf(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** EXDEV: the two paths are on different filesystems, so no hard link can join them. */
    public static boolean isCrossDevice(IOException e) {
        return reasonOf(e).contains("cross-device");
    }

    /** EMLINK: the inode already has as many links as its filesystem allows. */
    public static boolean isTooManyLinks(IOException e) {
        return reasonOf(e).contains("Too many links");
    }

    private static ErrorCode codeOf(IOException e, String reason) {
        if (e instanceof InterruptedIOException) {
            return ErrorCode.INTERRUPTED;
        }
        if (reason.contains("No space left") || reason.contains("Disk quota exceeded")) {
            return ErrorCode.NO_SPACE;
        }
        if (reason.contains("Read-only file system")) {
            return ErrorCode.READ_ONLY_FILESYSTEM;
        }
        if (e instanceof AccessDeniedException || reason.contains("Operation not permitted")) {
            return ErrorCode.PERMISSION_DENIED;
        }
        if (isCrossDevice(e)) {
            return ErrorCode.CROSS_DEVICE;
        }
        if (isTooManyLinks(e)) {
            return ErrorCode.LINK_LIMIT;
        }
        return ErrorCode.IO_ERROR;
    }
}
