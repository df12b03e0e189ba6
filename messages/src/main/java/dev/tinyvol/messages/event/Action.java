package dev.tinyvol.messages.event;

/** What a request asks a node to do. LIST and PURGE concern the whole node (key {@code *}). */
public enum Action {
    ASSEMBLE, TEARDOWN, VERIFY, LIST, PURGE;

    /** True for actions about one volume; false for the node-wide ones, which run as barriers. */
    public boolean perVolume() {
        return this != LIST && this != PURGE;
    }
}
