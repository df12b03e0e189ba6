package dev.tinyvol.messages.manifest;

/**
 * A symbolic link. Its target is stored as written: absolute targets are normal in a root
 * filesystem and are resolved by whoever uses the tree, never by TinyVol.
 */
public record SymlinkEntry(String target, long uid, long gid) implements ManifestEntry {

    public SymlinkEntry {
        ManifestRules.requireSymlinkTarget(target, "symlink");
        ManifestRules.requireId(uid, "uid");
        ManifestRules.requireId(gid, "gid");
    }

    public SymlinkEntry(String target) {
        this(target, 0, 0);
    }
}
