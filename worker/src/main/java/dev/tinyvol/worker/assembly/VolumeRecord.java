package dev.tinyvol.worker.assembly;

import java.time.Instant;
import java.util.List;

/**
 * What a volume was built from, written when it is assembled: {@code list} reports it and
 * {@code verify} without a manifest uses it. Linux has no portable birth time, so {@code createdAt}
 * is recorded here rather than read from the tree.
 *
 * @param manifestId  identity of the manifest (sha256 of its canonical form)
 * @param source      where the manifest came from: {@code ref:<name>}, {@code file:<path>} or {@code inline}
 * @param copiedPaths files that are copies rather than links (copy fallback)
 */
public record VolumeRecord(String volume, String manifestId, String manifestName, String source, long files,
                           long symlinks, long dirs, long bytes, Instant createdAt, List<String> copiedPaths) {

    public VolumeRecord {
        copiedPaths = copiedPaths == null ? List.of() : List.copyOf(copiedPaths);
    }
}
