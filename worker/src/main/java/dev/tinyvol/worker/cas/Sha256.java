package dev.tinyvol.worker.cas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 of files, read once, optionally copied on the way. */
public final class Sha256 {

    private static final int BUFFER = 64 * 1024;

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public static String of(Path file) throws IOException {
        return copy(file, null);
    }

    /** Hashes what {@code in} holds, to its end; the caller closes it. */
    public static String of(InputStream in) throws IOException {
        MessageDigest sha = newDigest();
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = in.read(buffer)) > 0) {
            sha.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Hashes {@code file}, writing its bytes to {@code out} when out is not null. */
    public static String copy(Path file, OutputStream out) throws IOException {
        MessageDigest sha = newDigest();
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                if (out != null) {
                    out.write(buffer, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
