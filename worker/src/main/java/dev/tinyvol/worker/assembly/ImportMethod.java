package dev.tinyvol.worker.assembly;

import java.util.Locale;

/**
 * How a file gets from the CAS into a volume, named as pnpm's {@code packageImportMethod} users know
 * them. {@link #AUTO} is resolved per assembly: clone where the volumes filesystem can clone from the
 * CAS, else hard link.
 */
public enum ImportMethod {
    /** Clone where the filesystem can (XFS with reflink, btrfs), else hard link. */
    AUTO,
    /** ioctl(FICLONE): the volume's own inode sharing the blob's extents; a write changes only the volume. */
    CLONE,
    /** linkat: the blob's inode itself; a write through it changes the store (detected, not prevented). */
    HARDLINK,
    /** A private copy of the bytes. */
    COPY;

    /** The lower-case name requests, settings and the command line use. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ImportMethod parse(String text) {
        for (ImportMethod m : values()) {
            if (m.text().equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not an import method: give auto, clone, hardlink or copy");
    }

    /**
     * What keeps a write in the volume from reaching the store, for a volume whose files came in
     * this way (with {@code hardLinked} files among them): read-only if mounted so, else clone or copy
     * when no file shares a blob's inode (a hardlink volume all of whose files were copied is copy),
     * else detect (a write through a hard link is found by the
     * next check, not prevented).
     */
    public static String protection(boolean readOnly, ImportMethod method, long hardLinked) {
        if (readOnly) {
            return "read-only";
        }
        if (hardLinked > 0 || method == null) {
            return "detect";
        }
        // hardlink with no file linked: each was copied (the CAS on another filesystem, the link limit).
        return method == CLONE ? "clone" : "copy";
    }
}
