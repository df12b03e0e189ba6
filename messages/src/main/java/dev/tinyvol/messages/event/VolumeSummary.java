package dev.tinyvol.messages.event;

import java.time.Instant;

/** One volume in a LIST result. {@code files} and {@code bytes} are -1 for a volume without a record. */
public record VolumeSummary(String volume, String manifestName, String manifestId, long files, long bytes, Instant createdAt) {
}
