package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.ManifestEntry;

/**
 * What one entry of a layer's tar does to the tree below it, in the layer's order. A layer is kept
 * on the node as its list of operations (so a layer already pulled is never downloaded again) and
 * applied over the layers below it: whiteouts first, then the entries (OCI image spec, "Whiteouts").
 */
sealed interface LayerOp {

    String path();

    /** A file, symlink or directory at {@code path}, replacing what a lower layer had there. */
    record Put(String path, ManifestEntry entry) implements LayerOp {
    }

    /** A hard link: {@code path} is the same file as {@code target} (this layer's, or a lower one's). */
    record HardLink(String path, String target) implements LayerOp {
    }

    /** {@code .wh.<name>}: {@code path} and everything below it in lower layers are gone. */
    record Whiteout(String path) implements LayerOp {
    }

    /** {@code .wh..wh..opq}: the lower layers' children of directory {@code path} are gone. */
    record Opaque(String path) implements LayerOp {
    }
}
