package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Extended attributes of any namespace ({@code trusted.} included, which the JDK's user-only view
 * cannot read), never following a symlink.
 */
public final class ExtendedAttributes {

    private ExtendedAttributes() {
    }

    /** The attribute's value, or empty when the file has none of that name. */
    public static Optional<byte[]> get(Path path, String name) throws IOException {
        return Optional.ofNullable(Native.lgetxattr(path.toString().getBytes(StandardCharsets.UTF_8), name, path.toString()));
    }
}
