package dev.tinyvol.worker.errors;

/**
 * Stable error codes: they appear in command output and result events, and schedulers branch on
 * them, so a code is never renamed. {@link #isTransient()} says whether trying again can help.
 */
public enum ErrorCode {
    // The request or manifest is wrong: trying again cannot help.
    MALFORMED_MANIFEST(false),
    UNSUPPORTED_MANIFEST_VERSION(false),
    INVALID_PATH(false),
    PATH_CONFLICT(false),
    INVALID_DIGEST(false),
    INVALID_MODE(false),
    INVALID_OWNER(false),
    INVALID_SYMLINK(false),
    INVALID_VOLUME_NAME(false),
    INVALID_REF(false),
    MANIFEST_NOT_FOUND(false),

    // The node's state does not allow it.
    BLOB_MISSING(false),
    BLOB_CORRUPT(false),
    VOLUME_EXISTS(false),
    /** Built from the requested manifest, but changed or damaged since: rebuilt only with replace. */
    VOLUME_DAMAGED(false),
    VOLUME_BUSY(false),
    VOLUME_NOT_FOUND(false),
    NOT_A_CAS(false),
    CROSS_DEVICE(false),
    LINK_LIMIT(false),
    /** importMethod clone where the volumes filesystem cannot clone from the CAS's. */
    CLONE_UNSUPPORTED(false),
    NO_SPACE(false),
    READ_ONLY_FILESYSTEM(false),
    /** A read-only volume's bind mount could not be made (the worker lacks CAP_SYS_ADMIN). */
    MOUNT_FAILED(false),
    PERMISSION_DENIED(false),

    // Registries (cas pull): the image, the credentials or the content is wrong.
    INVALID_IMAGE_REFERENCE(false),
    IMAGE_NOT_FOUND(false),
    UNAUTHORIZED(false),
    DIGEST_MISMATCH(false),
    UNSUPPORTED_MEDIA_TYPE(false),
    /** The registry's TLS certificate is not trusted by this node (give its CA). */
    REGISTRY_UNTRUSTED(false),

    // Issue 20 item 2: a result larger than one Kafka record may be (or refused by the broker) is
    // answered FAILED with this code, in a small record without its lists.
    RESULT_TOO_LARGE(false),

    // Issue 20 item 4 and item 3 (a registry is hostile input; stalls are bounded): each kind of bad answer its own code.
    /** A manifest or index larger than registry.manifest.max.size. */
    MANIFEST_TOO_LARGE(false),
    /** A token body (or another small answer) larger than registry.response.max.size. */
    REGISTRY_RESPONSE_TOO_LARGE(false),
    /** A layer's bytes ran past the size its descriptor declares. */
    LAYER_TOO_LARGE(false),
    /** A layer unpacks to more than the node allows: bytes, ratio, entries, or one entry's headers. */
    LAYER_LIMIT_EXCEEDED(false),
    /** An answer that does not parse: a Location or token realm that is no http(s) URL, a token body that is no token. */
    MALFORMED_REGISTRY_RESPONSE(false),
    /**
     * No byte of a body for registry.stall.timeout. Not retried by the node (each try could add another
     * stall, past the bound the settings promise); a scheduler may send the request again later.
     */
    REGISTRY_STALLED(false),
    /** A pull ran past registry.pull.deadline, every request, retry and body of it together. */
    PULL_DEADLINE_EXCEEDED(false),

    // Issue 21 (first hour, item 9): a tree that changed while it was ingested, with --strict.
    /** A file or directory of the tree being ingested vanished while it was read. */
    SOURCE_CHANGED(false),

    // May pass if tried again.
    IO_ERROR(true),
    /** The registry did not answer, or answered 5xx, after retries with backoff. */
    REGISTRY_UNAVAILABLE(true),
    VOLUME_LOCKED(true),
    INTERRUPTED(true),

    // Issue 20, item 3 (pulls hold no store lock while downloading):
    /** Content a pull had stored was removed before its ref could name it, even with the store lock held. */
    PULL_CONTENT_REMOVED(true),

    // Issue 20 item 3 (store lock): a gc never waits on another process holding the CAS.
    /** A gc found the CAS held by another process (a command, a pull) for all of cas.gc.lock.wait; try again later. */
    STORE_BUSY(true);

    private final boolean transientFailure;

    ErrorCode(boolean transientFailure) {
        this.transientFailure = transientFailure;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
