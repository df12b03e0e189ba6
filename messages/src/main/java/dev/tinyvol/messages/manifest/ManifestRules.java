package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_DIGEST;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_MODE;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_OWNER;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_PATH;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_SYMLINK;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

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

    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3,4}");

    private ManifestRules() {
    }

    /** A relative, normalised path: no empty, {@code .} or {@code ..} segment, no NUL, within limits. */
    public static void requirePath(String path) {
        String field = "entries[" + quote(path) + "]";
        if (path == null || path.isEmpty()) {
            throw new ManifestException(INVALID_PATH, field, "path is empty");
        }
        if (path.indexOf('\0') >= 0) {
            throw new ManifestException(INVALID_PATH, field, "path contains a NUL character");
        }
        if (path.startsWith("/")) {
            throw new ManifestException(INVALID_PATH, field, "path is absolute; manifest paths are relative to the volume");
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new ManifestException(INVALID_PATH, field, "path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new ManifestException(INVALID_PATH, field, "path has an empty segment (a '//' or a trailing '/')");
            }
            if (segment.equals("..")) {
                throw new ManifestException(INVALID_PATH, field, "path contains '..'");
            }
            if (segment.equals(".")) {
                throw new ManifestException(INVALID_PATH, field, "path contains '.'; write it normalised");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new ManifestException(INVALID_PATH, field, "a path segment is longer than " + MAX_NAME_BYTES + " bytes");
            }
        }
    }

    public static boolean isDigest(String digest) {
        return digest != null && DIGEST.matcher(digest).matches();
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
        if (text == null || !OCTAL_MODE.matcher(text).matches()) {
            throw new ManifestException(INVALID_MODE, field,
                    "mode must be an octal string of permission bits such as \"0644\" or \"4755\", got " + quote(text));
        }
        return Integer.parseInt(text, 8);
    }

    public static String formatMode(int mode) {
        return String.format("%04o", mode);
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
