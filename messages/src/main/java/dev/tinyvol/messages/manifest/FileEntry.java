package dev.tinyvol.messages.manifest;

/**
 * A regular file: its content is the blob named by {@code digest}; its mode and owner are those of
 * the blob instance it is linked to.
 *
 * @param digest sha256 of the content, 64 lowercase hex digits
 * @param mode   permission bits, setuid/setgid/sticky included (at most 07777)
 * @param copy   volumes get a private copy, never a link or clone: for files a workload rewrites in
 *               place (etc/machine-id, databases); verify checks its content, not its inode
 */
public record FileEntry(String digest, int mode, long uid, long gid, boolean copy) implements ManifestEntry {

    /** The mode and owner a v1 manifest gives every file: the bare blob instance. */
    public static final int V1_MODE = 0444;

    public FileEntry {
        ManifestRules.requireDigest(digest, "digest");
        ManifestRules.requireMode(mode, "mode");
        ManifestRules.requireId(uid, "uid");
        ManifestRules.requireId(gid, "gid");
    }

    /** A file linked (or cloned) from its blob: what every entry is unless marked {@code "copy": true}. */
    public FileEntry(String digest, int mode, long uid, long gid) {
        this(digest, mode, uid, gid, false);
    }

    public static FileEntry v1(String digest) {
        return new FileEntry(digest, V1_MODE, 0, 0);
    }

    /** The same file, copied into volumes (a workload rewrites it in place) or not. */
    public FileEntry withCopy(boolean copy) {
        return new FileEntry(digest, mode, uid, gid, copy);
    }
}
