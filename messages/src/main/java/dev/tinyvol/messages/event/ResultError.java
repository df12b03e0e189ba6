package dev.tinyvol.messages.event;

/**
 * One reason a request failed or was rejected.
 *
 * @param code    stable, machine-readable (e.g. {@code BLOB_MISSING}, {@code INVALID_FIELD})
 * @param path    the manifest path, field or volume concerned, or null
 * @param message for people
 */
public record ResultError(String code, String path, String message) {
}
