package dev.tinyvol.worker.erofs;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inodes of a manifest's image, parents before children. A manifest names files; the
 * directories that hold them need no entry and get {@link DirEntry#DEFAULT} (0755, root), as
 * assembly gives them. The root is always a default directory.
 */
final class ImageTree {

    final ImageNode.Directory root;
    /** Every inode in image order: the root first (its nid must fit the superblock's 16 bits). */
    final List<ImageNode> nodes;

    private ImageTree(ImageNode.Directory root, List<ImageNode> nodes) {
        this.root = root;
        this.nodes = nodes;
    }

    static ImageTree of(Manifest manifest, ContentSizes sizes) throws IOException {
        ImageNode.Directory root = new ImageNode.Directory(DirEntry.DEFAULT_MODE, 0, 0);
        root.parent = root;
        List<ImageNode> nodes = new ArrayList<>();
        nodes.add(root);
        Map<String, ImageNode.Directory> dirs = new HashMap<>();
        dirs.put("", root);
        // Sorted paths put a directory's own entry before anything below it, so an explicit
        // DirEntry is always seen before an implicit parent of the same path would be made.
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            String path = e.getKey();
            int slash = path.lastIndexOf('/');
            ImageNode.Directory parent = directory(path.substring(0, Math.max(slash, 0)), dirs, nodes);
            byte[] name = path.substring(slash + 1).getBytes(StandardCharsets.UTF_8);
            ImageNode node = switch (e.getValue()) {
                case DirEntry d -> {
                    ImageNode.Directory dir = dirs.get(path);
                    if (dir != null) { // cannot happen: "a" sorts before every "a/…" that would make it implicitly
                        throw new IllegalStateException("directory entry after its contents: " + path);
                    }
                    dir = new ImageNode.Directory(d.mode(), d.uid(), d.gid());
                    dirs.put(path, dir);
                    yield dir;
                }
                case FileEntry f -> file(f, sizes.sizeOf(f));
                case SymlinkEntry s -> new ImageNode.Symlink(s.uid(), s.gid(), s.target());
            };
            attach(parent, name, node);
            nodes.add(node);
        }
        return new ImageTree(root, nodes);
    }

    private static ImageNode.RegularFile file(FileEntry f, long size) {
        List<Xattr> xattrs = size == 0 ? List.of() : List.of(OverlayRedirects.METACOPY, OverlayRedirects.redirect(f));
        return new ImageNode.RegularFile(f.mode(), f.uid(), f.gid(), size, xattrs);
    }

    /** The directory at {@code path}, made (with its missing parents) as a default one if the manifest names none. */
    private static ImageNode.Directory directory(String path, Map<String, ImageNode.Directory> dirs, List<ImageNode> nodes) {
        ImageNode.Directory dir = dirs.get(path);
        if (dir != null) {
            return dir;
        }
        int slash = path.lastIndexOf('/');
        ImageNode.Directory parent = directory(path.substring(0, Math.max(slash, 0)), dirs, nodes);
        dir = new ImageNode.Directory(DirEntry.DEFAULT_MODE, 0, 0);
        dirs.put(path, dir);
        attach(parent, path.substring(slash + 1).getBytes(StandardCharsets.UTF_8), dir);
        nodes.add(dir);
        return dir;
    }

    private static void attach(ImageNode.Directory parent, byte[] name, ImageNode node) {
        parent.children.add(new ImageNode.Child(name, node));
        if (node instanceof ImageNode.Directory d) {
            d.parent = parent;
            parent.subdirectories++;
        }
    }
}
