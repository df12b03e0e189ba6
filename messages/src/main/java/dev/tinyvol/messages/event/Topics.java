package dev.tinyvol.messages.event;

/** Default topic names and keys (DESIGN.md, "Events"); every name is configurable in the worker. */
public final class Topics {

    public static final String REQUESTS_PREFIX = "tinyvol.requests.";
    public static final String RESULTS = "tinyvol.results";
    public static final String DLQ_SUFFIX = ".dlq";
    /**
     * Suffixes TinyVol puts after a node's request topic; no node id may end in one (see
     * {@link dev.tinyvol.messages.NodeIds}), so no node's request topic is another node's topic.
     */
    public static final java.util.List<String> RESERVED_SUFFIXES = java.util.List.of(DLQ_SUFFIX);
    /** Key of LIST and PURGE requests, which concern the whole node. */
    public static final String NODE_WIDE_KEY = "*";

    private Topics() {
    }

    /** The request topic of {@code node}; refuses a string that is not a node id, so no two nodes share a topic. */
    public static String requests(String node) {
        String problem = dev.tinyvol.messages.NodeIds.problemWith(node);
        if (problem != null) {
            throw new IllegalArgumentException("node id " + problem);
        }
        return REQUESTS_PREFIX + node;
    }

    public static String deadLetters(String node) {
        return requests(node) + DLQ_SUFFIX;
    }
}
