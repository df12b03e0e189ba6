package dev.tinyvol.messages.event;

/** Default topic names and keys (DESIGN.md, "Events"); every name is configurable in the worker. */
public final class Topics {

    public static final String REQUESTS_PREFIX = "tinyvol.requests.";
    public static final String RESULTS = "tinyvol.results";
    public static final String DLQ_SUFFIX = ".dlq";
    /** Key of LIST and PURGE requests, which concern the whole node. */
    public static final String NODE_WIDE_KEY = "*";

    private Topics() {
    }

    public static String requests(String node) {
        return REQUESTS_PREFIX + node;
    }

    public static String deadLetters(String node) {
        return requests(node) + DLQ_SUFFIX;
    }
}
