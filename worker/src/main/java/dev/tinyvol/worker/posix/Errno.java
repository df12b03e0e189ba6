package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.HashMap;
import java.util.Map;

/**
 * The errno values TinyVol decides on, with glibc's C-locale text. Numbers are Linux's generic ones
 * (the same on x86_64 and aarch64). {@link #OTHER} stands for any value not listed here.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ETXTBSY(26, "Text file busy"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    EOPNOTSUPP(95, "Operation not supported"),
    ESTALE(116, "Stale file handle"),
    EUCLEAN(117, "Structure needs cleaning"),
    EDQUOT(122, "Disk quota exceeded"),
    OTHER(-1, "unknown error");

    private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

    static {
        for (Errno e : values()) {
            BY_NUMBER.put(e.number, e);
        }
    }

    private final int number;
    private final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    public static Errno of(int number) {
        return BY_NUMBER.getOrDefault(number, OTHER);
    }

    /**
     * The errno behind any I/O exception. Ours carry it; the JDK's carry it in their type (ENOENT,
     * EEXIST, ...) or only as strerror's text, which follows the locale (LANG=de_DE.UTF-8 turns
     * ENOSPC into "Auf dem Gerät ist kein Speicherplatz mehr verfügbar"). That text is matched
     * against strerror in the process's own locale, which is what the JDK printed, and against the
     * C locale's; so the answer never depends on the language.
     */
    public static Errno of(IOException e) {
        if (e instanceof SystemCallFailure failure) {
            return failure.errno();
        }
        if (e instanceof NoSuchFileException) {
            return ENOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return EEXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return ENOTEMPTY;
        }
        if (e instanceof NotDirectoryException) {
            return ENOTDIR;
        }
        if (e instanceof AccessDeniedException) {
            return EACCES;
        }
        if (e instanceof FileSystemLoopException) {
            return ELOOP;
        }
        if (e instanceof NotLinkException) {
            return EINVAL;
        }
        String text = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        return text == null ? OTHER : ByText.INSTANCE.find(text);
    }

    /** strerror's texts, in this process's locale and in C, for every errno named here. */
    private static final class ByText {
        static final ByText INSTANCE = new ByText();
        private final Map<String, Errno> exact = new HashMap<>();

        private ByText() {
            for (Errno e : values()) {
                if (e != OTHER) {
                    exact.put(e.text, e);
                    exact.putIfAbsent(Native.strerror(e.number), e);
                }
            }
        }

        Errno find(String text) {
            Errno e = exact.get(text);
            if (e != null) {
                return e;
            }
            // Some JDK messages wrap the text ("write failed: <text>"); the longest match wins.
            Errno best = OTHER;
            int bestLength = 0;
            for (Map.Entry<String, Errno> entry : exact.entrySet()) {
                if (entry.getKey().length() > bestLength && text.contains(entry.getKey())) {
                    best = entry.getValue();
                    bestLength = entry.getKey().length();
                }
            }
            return best;
        }
    }

    public int number() {
        return number;
    }

    /** glibc's text in the C locale, whatever locale the process runs in. */
    public String text() {
        return text;
    }

    /** "No space left on device (ENOSPC)", or "errno 61" for a number not named here. */
    public static String describe(int number) {
        Errno e = of(number);
        return e == OTHER ? "errno " + number : e.describe();
    }

    /** "No space left on device (ENOSPC)": the same words in every locale. */
    public String describe() {
        return this == OTHER ? text : text + " (" + name() + ")";
    }
}
