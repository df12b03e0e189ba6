package dev.tinyvol.messages.event;

/**
 * A record no sender could match an answer to: not JSON, not an object, or no readable
 * {@code requestId}. It goes to the dead-letter topic, with {@link #getMessage()} as the reason.
 */
public final class UnreadableRecordException extends RuntimeException {

    public UnreadableRecordException(String reason) {
        super(reason);
    }
}
