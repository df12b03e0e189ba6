package dev.tinyvol.client;

/**
 * A failure of the client with a stable code a program can act on ({@code KAFKA_UNREACHABLE},
 * {@code NODE_TOPIC_NOT_FOUND}, {@code SEND_FAILED}) and a message written for people.
 */
public class ClientFailure extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String code;

    public ClientFailure(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
