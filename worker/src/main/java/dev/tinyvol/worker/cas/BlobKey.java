package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.ManifestRules;
import dev.tinyvol.worker.posix.FileAttributes;

/**
 * One blob instance: content plus the mode and owner every hard link to it shares. The
 * (0444, root, root) instance has the bare digest as its name, as v1 manifests expect.
 */
public record BlobKey(String digest, int mode, long uid, long gid) {

    public BlobKey {
        ManifestRules.requireDigest(digest, "digest");
        ManifestRules.requireMode(mode, "mode");
    }

    public static BlobKey of(FileEntry entry) {
        return new BlobKey(entry.digest(), entry.mode(), entry.uid(), entry.gid());
    }

    public static BlobKey bare(String digest) {
        return new BlobKey(digest, FileEntry.V1_MODE, 0, 0);
    }

    public boolean isBare() {
        return mode == FileEntry.V1_MODE && uid == 0 && gid == 0;
    }

    /** What every instance of this key carries: its mode and owner, and the store's fixed mtime. */
    public FileAttributes attributes() {
        return new FileAttributes(mode, uid, gid, Cas.BLOB_MTIME);
    }

    /** {@code <digest>} or {@code <digest>.<mode>.<uid>.<gid>}, e.g. {@code ….0755.0.0}. */
    public String fileName() {
        return isBare() ? digest : digest + "." + ManifestRules.formatMode(mode) + "." + uid + "." + gid;
    }

    @Override
    public String toString() {
        return fileName();
    }
}
