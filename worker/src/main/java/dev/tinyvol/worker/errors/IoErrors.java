package dev.tinyvol.worker.errors;

import dev.tinyvol.worker.posix.Errno;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Turns I/O exceptions into TinyVol errors by their errno ({@link Errno#of(IOException)}), never by
 * the words of a message, which follow the locale. The message shown is always English: glibc's C
 * text and the errno's name.
 */
public final class IoErrors {

    private IoErrors() {
    }

    public static TinyVolException classify(IOException e, String path, String doing) {
        Errno errno = Errno.of(e);
        ErrorCode code = codeOf(e, errno);
        String hint = switch (code) {
            case NO_SPACE -> "; free space on that filesystem and try again";
            case READ_ONLY_FILESYSTEM -> "; that filesystem is mounted read-only";
            case PERMISSION_DENIED -> "; run as a user who may write there (workers run as root)";
            default -> "";
        };
        return new TinyVolException(code, path, doing + where(e, path, doing) + " failed: " + reasonOf(e) + hint, e);
    }

    /**
     * Every I/O error names its path: the one the caller gave, unless its words already hold it, and
     * the file the kernel named when that is another (a parent, the other side of a rename).
     */
    private static String where(IOException e, String path, String doing) {
        StringBuilder where = new StringBuilder();
        if (path != null && !path.isEmpty() && !doing.contains(path)) {
            where.append(' ').append(path);
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getFile() != null && !fse.getFile().equals(path)
                && !doing.contains(fse.getFile())) {
            where.append(" (at ").append(fse.getFile()).append(')');
        }
        return where.toString();
    }

    /**
     * For an I/O error that escaped the code that knew what it was doing: the path the kernel
     * named (a {@link java.nio.file.FileSystemException}'s file, and the other file if two), never
     * the exception's class.
     */
    public static TinyVolException classify(IOException e, String doing) {
        String path = null;
        String where = "";
        if (e instanceof java.nio.file.FileSystemException fse && fse.getFile() != null) {
            path = fse.getFile();
            where = " " + fse.getFile() + (fse.getOtherFile() == null ? "" : " -> " + fse.getOtherFile());
        }
        return classify(e, path, doing + where);
    }

    /** What went wrong, in English: "No space left on device (ENOSPC)". */
    public static String reasonOf(IOException e) {
        Errno errno = Errno.of(e);
        if (errno == Errno.EEXIST && e instanceof java.nio.file.FileAlreadyExistsException fae && fae.getFile() != null
                && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(fae.getFile()))) {
            // What createDirectories says of a file where a directory should be.
            return fae.getFile() + " exists and is not a directory";
        }
        if (errno != Errno.OTHER) {
            return errno.describe();
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? "an I/O error without a message" : e.getMessage();
    }

    /** EXDEV: the two paths are on different filesystems, so no hard link can join them. */
    public static boolean isCrossDevice(IOException e) {
        return Errno.of(e) == Errno.EXDEV;
    }

    /** EMLINK: the inode already has as many links as its filesystem allows. */
    public static boolean isTooManyLinks(IOException e) {
        return Errno.of(e) == Errno.EMLINK;
    }

    private static ErrorCode codeOf(IOException e, Errno errno) {
        if (e instanceof InterruptedIOException || e instanceof ClosedByInterruptException) {
            return ErrorCode.INTERRUPTED;
        }
        return switch (errno) {
            case ENOSPC, EDQUOT -> ErrorCode.NO_SPACE;
            case EROFS -> ErrorCode.READ_ONLY_FILESYSTEM;
            case EACCES, EPERM -> ErrorCode.PERMISSION_DENIED;
            case EXDEV -> ErrorCode.CROSS_DEVICE;
            case EMLINK -> ErrorCode.LINK_LIMIT;
            default -> ErrorCode.IO_ERROR;
        };
    }
}
