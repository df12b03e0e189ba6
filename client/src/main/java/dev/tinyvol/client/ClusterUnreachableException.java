package dev.tinyvol.client;

/** No broker of the cluster answered within the time allowed; the message names the bootstrap address. */
public final class ClusterUnreachableException extends ClientFailure {

    private static final long serialVersionUID = 1L;

    public ClusterUnreachableException(String message, Throwable cause) {
        super("KAFKA_UNREACHABLE", message, cause);
    }
}
