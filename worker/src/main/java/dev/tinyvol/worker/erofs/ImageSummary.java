package dev.tinyvol.worker.erofs;

/**
 * What an image holds, for logs, metrics and the benchmark.
 *
 * @param bytes          the image's size (whole 4 KiB blocks)
 * @param inodes         directories, files and symlinks, the root included
 * @param extendedInodes inodes that needed the 64-byte form (big owners, sizes or link counts)
 * @param sharedXattrs   distinct attributes stored once in the shared area
 */
public record ImageSummary(long bytes, long inodes, long directories, long files, long symlinks, long extendedInodes,
                           int sharedXattrs) {
}
