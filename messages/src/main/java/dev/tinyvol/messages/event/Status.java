package dev.tinyvol.messages.event;

/** How a request ended. */
public enum Status {
    /** Done as asked. */
    SUCCEEDED,
    /** Tried and failed; {@code errors} says why, with a stable code. */
    FAILED,
    /** Not tried: the request is invalid or meant for another node; {@code errors} names the field. */
    REJECTED,
    /** Not tried: read after its {@code deadline}. */
    EXPIRED
}
