package dev.tinyvol.messages.event;

/**
 * What a request asks a node to do. LIST, PURGE and GC concern the whole node (key {@code *}); GC
 * reclaims the space of blobs nothing on the node uses.
 */
public enum Action {
    ASSEMBLE, TEARDOWN, VERIFY, LIST, PURGE, GC;

    /** True for actions about one volume; false for the node-wide ones, which run as barriers. */
    public boolean perVolume() {
        return this != LIST && this != PURGE && this != GC;
    }

    /** "ASSEMBLE, TEARDOWN, VERIFY, LIST, PURGE, GC": for messages that list them. */
    public static String names() {
        return String.join(", ", java.util.Arrays.stream(values()).map(Enum::name).toList());
    }
}
