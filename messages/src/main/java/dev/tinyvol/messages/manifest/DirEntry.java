package dev.tinyvol.messages.manifest;

/** A directory with an explicit mode and owner, or an empty directory that must exist. */
public record DirEntry(int mode, long uid, long gid) implements ManifestEntry {

    /** Mode of directories the manifest does not name: they exist only because they hold entries. */
    public static final int DEFAULT_MODE = 0755;

    public static final DirEntry DEFAULT = new DirEntry(DEFAULT_MODE, 0, 0);

    public DirEntry {
        ManifestRules.requireMode(mode, "mode");
        ManifestRules.requireId(uid, "uid");
        ManifestRules.requireId(gid, "gid");
    }
}
