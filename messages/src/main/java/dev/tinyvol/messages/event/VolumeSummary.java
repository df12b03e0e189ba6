package dev.tinyvol.messages.event;

import java.time.Instant;

/**
 * One volume in a LIST result. {@code files} and {@code bytes} are -1 for a volume without a record.
 *
 * @param importMethod how its files came in (clone, hardlink, copy), or null if not recorded
 * @param protection   read-only, clone, copy or detect (see {@link Result}), or null if not recorded
 */
public record VolumeSummary(String volume, String manifestName, String manifestId, long files, long bytes, Instant createdAt,
                            String importMethod, String protection) {

    public VolumeSummary(String volume, String manifestName, String manifestId, long files, long bytes, Instant createdAt) {
        this(volume, manifestName, manifestId, files, bytes, createdAt, null, null);
    }
}
