package dev.tinyvol.worker.erofs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared extended-attribute area: an attribute two or more inodes carry is stored once and each
 * inode holds its 4-byte id (its offset in the area, in 4-byte units). {@code trusted.overlay.metacopy}
 * is shared by every file; a redirect is shared by files of the same content, mode and owner. An
 * entry never crosses a block boundary.
 */
final class SharedXattrs {

    private final Map<Xattr, Integer> ids = new LinkedHashMap<>();
    private int size;

    /** Shares every attribute used more than once among the files. */
    static SharedXattrs of(List<ImageNode> nodes) {
        Map<Xattr, Integer> uses = new HashMap<>();
        for (ImageNode n : nodes) {
            if (n instanceof ImageNode.RegularFile f) {
                for (Xattr x : f.xattrs) {
                    uses.merge(x, 1, Integer::sum);
                }
            }
        }
        SharedXattrs shared = new SharedXattrs();
        for (ImageNode n : nodes) {
            if (n instanceof ImageNode.RegularFile f && !f.xattrs.isEmpty()) {
                List<Xattr> inline = new ArrayList<>();
                List<Integer> sharedIds = new ArrayList<>();
                for (Xattr x : f.xattrs) {
                    if (uses.get(x) > 1) {
                        sharedIds.add(shared.idOf(x));
                    } else {
                        inline.add(x);
                    }
                }
                f.sharedIds = sharedIds.stream().mapToInt(Integer::intValue).toArray();
                f.inlineXattrs = inline;
            }
        }
        return shared;
    }

    private int idOf(Xattr x) {
        Integer id = ids.get(x);
        if (id == null) {
            int need = x.encodedSize();
            if (size % ErofsFormat.BLOCK_SIZE + need > ErofsFormat.BLOCK_SIZE) {
                size = ErofsFormat.align(size, ErofsFormat.BLOCK_SIZE);
            }
            id = size / 4;
            ids.put(x, id);
            size += need;
        }
        return id;
    }

    int count() {
        return ids.size();
    }

    int blocks() {
        return ErofsFormat.align(size, ErofsFormat.BLOCK_SIZE) / ErofsFormat.BLOCK_SIZE;
    }

    /** Writes the area at {@code start} (a block boundary). */
    void encode(ByteBuffer image, long start) {
        for (Map.Entry<Xattr, Integer> e : ids.entrySet()) {
            image.position(Math.toIntExact(start + 4L * e.getValue()));
            e.getKey().encode(image);
        }
    }
}
