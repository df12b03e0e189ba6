package dev.tinyvol.messages.event;

/** What a GC request reclaimed on the node. */
public record GcSummary(long blobsRemoved, long instancesRemoved, long bytesReclaimed, long liveInstances) {
}
