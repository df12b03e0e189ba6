package dev.tinyvol.messages.manifest;

/**
 * One path of a manifest: a regular file linked from a blob, a symlink, or a directory that needs
 * a mode or owner other than the default (0755, root).
 */
public sealed interface ManifestEntry permits FileEntry, SymlinkEntry, DirEntry {

    /** Owner uid; 0 unless the manifest says otherwise. */
    long uid();

    /** Owner gid; 0 unless the manifest says otherwise. */
    long gid();
}
