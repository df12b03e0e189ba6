package dev.tinyvol.messages.manifest;

/**
 * A regular file: its content is the blob named by {@code digest}; its mode and owner are those of
 * the blob instance it is linked to.
 *
 * @param digest sha256 of the content, 64 lowercase hex digits
 * @param mode   permission bits, setuid/setgid/sticky included (at most 07777)
 */
public record FileEntry(String digest, int mode, long uid, long gid) implements ManifestEntry {

    /** The mode and owner a v1 manifest gives every file: the bare blob instance. */
    public static final int V1_MODE = 0444;

    public FileEntry {
        ManifestRules.requireDigest(digest, "digest");
        ManifestRules.requireMode(mode, "mode");
        ManifestRules.requireId(uid, "uid");
        ManifestRules.requireId(gid, "gid");
    }

    public static FileEntry v1(String digest) {
        return new FileEntry(digest, V1_MODE, 0, 0);
    }
}
