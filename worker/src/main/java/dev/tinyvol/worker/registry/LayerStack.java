package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The tree an image's layers make, applied bottom to top as the OCI image spec says: in each layer
 * its whiteouts and opaque markers remove what the layers below it hold, then its entries are
 * placed; an entry replaces whatever a lower layer had at its path (a directory over a directory
 * keeps the children, anything else over a directory removes them).
 */
final class LayerStack {

    private final TreeMap<String, ManifestEntry> tree = new TreeMap<>();

    void apply(String layer, List<LayerOp> ops) {
        for (LayerOp op : ops) {
            switch (op) {
                case LayerOp.Whiteout w -> removeWithChildren(w.path());
                case LayerOp.Opaque o -> children(o.path()).clear();
                default -> { }
            }
        }
        for (LayerOp op : ops) {
            switch (op) {
                case LayerOp.Put put -> place(put.path(), put.entry());
                case LayerOp.HardLink link -> {
                    // Hard links share an inode: the same instance (content, mode, owner) as the target.
                    if (!(tree.get(link.target()) instanceof FileEntry target)) {
                        throw new TinyVolException(ErrorCode.INVALID_PATH, link.path(), "layer " + layer + " hard-links "
                                + link.path() + " to " + link.target() + ", which is not a regular file below it");
                    }
                    place(link.path(), target);
                }
                default -> { }
            }
        }
    }

    private void place(String path, ManifestEntry entry) {
        ManifestEntry before = tree.put(path, entry);
        if (before instanceof DirEntry && !(entry instanceof DirEntry)) {
            children(path).clear();
        }
    }

    private void removeWithChildren(String path) {
        tree.remove(path);
        children(path).clear();
    }

    /** Everything below {@code dir} ("" is the root): the keys from "dir/" up to, not including, "dir0". */
    private SortedMap<String, ManifestEntry> children(String dir) {
        return dir.isEmpty() ? tree : tree.subMap(dir + "/", dir + "0"); // '0' follows '/' in ASCII
    }

    /**
     * The tree in the form ingest writes: a directory entry only where it says something (a mode or
     * owner other than 0755 root, or no children), so a tree pulled and the same tree ingested have
     * one manifest identity.
     */
    TreeMap<String, ManifestEntry> tree() {
        TreeMap<String, ManifestEntry> canonical = new TreeMap<>(tree);
        tree.forEach((path, entry) -> {
            if (DirEntry.DEFAULT.equals(entry) && !children(path).isEmpty()) {
                canonical.remove(path);
            }
        });
        return canonical;
    }
}
