package dev.tinyvol.worker.assembly;

import dev.tinyvol.worker.cas.BlobKey;

/**
 * A blob instance an assembly links, checked once however many entries share it: its size and
 * its name below the CAS's objects directory as the bytes {@code linkat} takes, so the link loop
 * builds no string per file.
 */
record Instance(BlobKey key, long size, byte[] name) {
}
