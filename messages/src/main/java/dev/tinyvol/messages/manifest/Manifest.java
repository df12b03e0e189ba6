package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.PATH_CONFLICT;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
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
        String container = version == 1 ? "objects" : "entries";
        for (Map.Entry<String, ManifestEntry> e : copy.entrySet()) {
            ManifestRules.requirePath(e.getKey(), container);
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
        Set<String> directories = directoriesOf(entries);
        for (Map.Entry<String, ManifestEntry> e : entries.entrySet()) {
            String leaf = e.getKey();
            if (e.getValue() instanceof DirEntry || !directories.contains(leaf)) {
                continue;
            }
            String below = entries.ceilingKey(leaf + "/");
            if (e.getValue() instanceof SymlinkEntry) {
                throw new ManifestException(PATH_CONFLICT, "entries[" + ManifestRules.quote(below) + "]",
                        "lies below the symlink entry " + ManifestRules.quote(leaf) + "; nothing may be written through a symlink");
            }
            throw new ManifestException(PATH_CONFLICT, "entries[" + ManifestRules.quote(leaf) + "]",
                    "is both a file and a directory (it holds " + ManifestRules.quote(below) + ")");
        }
    }

    /**
     * Every directory the entries need: each ancestor of an entry. Sorted order puts siblings
     * together, so the walk up is skipped for all but the first entry of each directory.
     */
    public static Set<String> directoriesOf(NavigableMap<String, ManifestEntry> entries) {
        Set<String> dirs = new HashSet<>();
        String previous = "";
        for (String path : entries.keySet()) {
            int slash = path.lastIndexOf('/');
            if (slash < 0 || path.regionMatches(0, previous, 0, slash) && previous.length() == slash) {
                continue;
            }
            String parent = path.substring(0, slash);
            previous = parent;
            for (int i = parent.indexOf('/'); i >= 0; i = parent.indexOf('/', i + 1)) {
                dirs.add(parent.substring(0, i));
            }
            dirs.add(parent);
        }
        return dirs;
    }
}
