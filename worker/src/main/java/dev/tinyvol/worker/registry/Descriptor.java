package dev.tinyvol.worker.registry;

/** An OCI content descriptor: what a manifest says of a blob (size -1 when it does not say). */
record Descriptor(String mediaType, String digest, long size) {
}
