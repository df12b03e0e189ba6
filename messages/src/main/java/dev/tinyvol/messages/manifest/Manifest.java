package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.PATH_CONFLICT;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A validated manifest: every path relative and normalised, no entry below a file or symlink entry.
 * Entries are kept sorted by path, so parents come before their children.
 *
 * @param version 1 (files only, all linked to the bare blob instance) or 2
 * @param name    a label for people; may be empty
 */
public record Manifest(int version, String name, NavigableMap<String, ManifestEntry> entries) {

    public Manifest {
        if (version != 1 && version != 2) {
            throw new ManifestException(ManifestException.Problem.UNSUPPORTED_MANIFEST_VERSION, "version",
                    "version " + version + " is not known; this TinyVol reads versions 1 and 2");
        }
        name = name == null ? "" : name;
        TreeMap<String, ManifestEntry> copy = new TreeMap<>(entries);
        for (Map.Entry<String, ManifestEntry> e : copy.entrySet()) {
            ManifestRules.requirePath(e.getKey());
            if (version == 1 && !(e.getValue() instanceof FileEntry f && f.equals(FileEntry.v1(f.digest())))) {
                throw new ManifestException(ManifestException.Problem.MALFORMED_MANIFEST,
                        "objects[" + ManifestRules.quote(e.getKey()) + "]", "a v1 manifest holds only plain files");
            }
        }
        requireNoEntryBelowLeaf(copy);
        entries = Collections.unmodifiableNavigableMap(copy);
    }

    /** A manifest of plain files linked to bare blobs, as the original TinyVol wrote them. */
    public static Manifest v1(String name, Map<String, String> objects) {
        TreeMap<String, ManifestEntry> entries = new TreeMap<>();
        objects.forEach((path, digest) -> entries.put(path, FileEntry.v1(digest)));
        return new Manifest(1, name, entries);
    }

    /** Number of regular-file entries. */
    public long fileCount() {
        return entries.values().stream().filter(FileEntry.class::isInstance).count();
    }

    /**
     * Refuses a path that is both a file and a directory, and any entry below a symlink entry: an
     * assembler that wrote below a symlink it made could be led out of the volume.
     */
    private static void requireNoEntryBelowLeaf(NavigableMap<String, ManifestEntry> entries) {
        for (String path : entries.keySet()) {
            int slash = path.indexOf('/');
            while (slash >= 0) {
                String ancestor = path.substring(0, slash);
                ManifestEntry above = entries.get(ancestor);
                if (above instanceof SymlinkEntry) {
                    throw new ManifestException(PATH_CONFLICT, "entries[" + ManifestRules.quote(path) + "]",
                            "lies below the symlink entry " + ManifestRules.quote(ancestor) + "; nothing may be written through a symlink");
                }
                if (above instanceof FileEntry) {
                    throw new ManifestException(PATH_CONFLICT, "entries[" + ManifestRules.quote(ancestor) + "]",
                            "is both a file and a directory (it holds " + ManifestRules.quote(path) + ")");
                }
                slash = path.indexOf('/', slash + 1);
            }
        }
    }
}
