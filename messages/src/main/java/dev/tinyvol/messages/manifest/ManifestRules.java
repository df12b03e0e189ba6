package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_DIGEST;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_MODE;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_OWNER;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_PATH;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_SYMLINK;

import java.nio.charset.StandardCharsets;

/**
 * The safety rules a manifest must pass before anything touches a disk (DESIGN.md, "Safety rules").
 * Paths are checked as written and never normalised: a path that would need normalising is refused,
 * so what a manifest says is exactly what gets built.
 */
public final class ManifestRules {

    /** Linux NAME_MAX: bytes in one path segment. */
    public static final int MAX_NAME_BYTES = 255;
    /** Linux PATH_MAX less room for the volumes directory and volume name in front of it. */
    public static final int MAX_PATH_BYTES = 3800;
    /** The largest uid or gid; 2^32-1 is (uid_t)-1, "no change", and never a real owner. */
    public static final long MAX_ID = 4_294_967_294L;
    /** Permission bits plus setuid, setgid and sticky. */
    public static final int MAX_MODE = 07777;


    private ManifestRules() {
    }

    /** A relative, normalised path: no empty, {@code .} or {@code ..} segment, no NUL, within limits. */
    public static void requirePath(String path) {
        requirePath(path, "entries");
    }

    /**
     * As {@link #requirePath(String)}, naming the field as {@code container["path"]}. One pass over
     * the characters, no allocation: this runs for every entry of manifests with 100,000 of them.
     */
    public static void requirePath(String path, String container) {
        String problem = pathProblem(path);
        if (problem != null) {
            throw new ManifestException(INVALID_PATH, container + "[" + quote(path) + "]", problem);
        }
    }

    private static String pathProblem(String path) {
        if (path == null || path.isEmpty()) {
            return "path is empty";
        }
        if (path.charAt(0) == '/') {
            return "path is absolute; manifest paths are relative to the volume";
        }
        int pathBytes = 0;
        int segmentStart = 0;
        int segmentBytes = 0;
        for (int i = 0; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            if (c == '/') {
                int length = i - segmentStart;
                if (length == 0) {
                    return "path has an empty segment (a '//' or a trailing '/')";
                }
                if (length == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.') {
                    return "path contains '..'";
                }
                if (length == 1 && path.charAt(segmentStart) == '.') {
                    return "path contains '.'; write it normalised";
                }
                if (segmentBytes > MAX_NAME_BYTES) {
                    return "a path segment is longer than " + MAX_NAME_BYTES + " bytes";
                }
                segmentStart = i + 1;
                pathBytes += 1;
                segmentBytes = 0;
            } else if (c == '\0') {
                return "path contains a NUL character";
            } else {
                // UTF-8 length: surrogate pairs count 2 + 2 = 4 bytes.
                int n = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
                segmentBytes += n;
                pathBytes += n;
            }
        }
        if (pathBytes - 1 > MAX_PATH_BYTES) {
            return "path is longer than " + MAX_PATH_BYTES + " bytes";
        }
        return null;
    }

    public static boolean isDigest(String digest) {
        if (digest == null || digest.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = digest.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    public static void requireDigest(String digest, String field) {
        if (!isDigest(digest)) {
            throw new ManifestException(INVALID_DIGEST, field,
                    "digest must be 64 lowercase hex digits (a sha256), got " + quote(digest));
        }
    }

    public static void requireMode(int mode, String field) {
        if (mode < 0 || mode > MAX_MODE) {
            throw new ManifestException(INVALID_MODE, field,
                    "mode " + Integer.toOctalString(mode) + " is not permission bits (at most 07777)");
        }
    }

    /** Parses an octal mode string such as {@code "0755"} or {@code "4755"}. */
    public static int parseMode(String text, String field) {
        if (!isOctalMode(text)) {
            throw new ManifestException(INVALID_MODE, field,
                    "mode must be an octal string of permission bits such as \"0644\" or \"4755\", got " + quote(text));
        }
        return Integer.parseInt(text, 8);
    }

    /** {@code 0?[0-7]{3,4}}, checked by hand: it runs for every entry. */
    private static boolean isOctalMode(String text) {
        if (text == null) {
            return false;
        }
        int digits = text.length() - (text.length() == 5 && text.charAt(0) == '0' ? 1 : 0);
        if (digits < 3 || digits > 4 || text.length() > 5) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    /** Four octal digits, e.g. {@code 0755}; by hand, since String.format is slow in a loop of 100,000. */
    public static String formatMode(int mode) {
        char[] digits = {(char) ('0' + (mode >> 9 & 7)), (char) ('0' + (mode >> 6 & 7)), (char) ('0' + (mode >> 3 & 7)),
                (char) ('0' + (mode & 7))};
        return new String(digits);
    }

    public static void requireId(long id, String field) {
        if (id < 0 || id > MAX_ID) {
            throw new ManifestException(INVALID_OWNER, field, "must be an integer from 0 to " + MAX_ID + ", got " + id);
        }
    }

    public static void requireSymlinkTarget(String target, String field) {
        if (target == null || target.isEmpty()) {
            throw new ManifestException(INVALID_SYMLINK, field, "symlink target is empty");
        }
        if (target.indexOf('\0') >= 0) {
            throw new ManifestException(INVALID_SYMLINK, field, "symlink target contains a NUL character");
        }
        if (target.getBytes(StandardCharsets.UTF_8).length > 4095) {
            throw new ManifestException(INVALID_SYMLINK, field, "symlink target is longer than 4095 bytes");
        }
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return '"' + shown.replace("\0", "\\0") + '"';
    }
}
