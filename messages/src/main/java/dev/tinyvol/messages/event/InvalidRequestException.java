package dev.tinyvol.messages.event;

/**
 * A request that parses and has a {@code requestId} but cannot be carried out as written: it is
 * answered REJECTED with the field at fault and why. The fields that could be read are kept so the
 * answer can carry them.
 */
public final class InvalidRequestException extends RuntimeException {

    private final String requestId;
    private final String correlationId;
    private final Action action;
    private final String node;
    private final String volume;
    private final String field;

    public InvalidRequestException(String requestId, String correlationId, Action action, String node, String volume,
                                   String field, String reason) {
        super(field + ": " + reason);
        this.requestId = requestId;
        this.correlationId = correlationId;
        this.action = action;
        this.node = node;
        this.volume = volume;
        this.field = field;
    }

    public String requestId() {
        return requestId;
    }

    public String correlationId() {
        return correlationId;
    }

    /** Null if the action itself was unreadable. */
    public Action action() {
        return action;
    }

    public String node() {
        return node;
    }

    public String volume() {
        return volume;
    }

    public String field() {
        return field;
    }
}
