package dev.tinyvol.worker.erofs;

import java.nio.ByteBuffer;

/**
 * Encodes one inode record: the compact (32-byte) or extended (64-byte) inode, its extended
 * attributes, and what follows them: a file's chunk index (one null entry per chunk: a hole), a
 * directory's last block or a symlink's target (inline, when it fits the inode's block).
 */
final class InodeRecords {

    private InodeRecords() {
    }

    /** Bytes from the inode's start to its record's end; decides inline placement as a side effect. */
    static int recordSize(ImageNode n) {
        int head = n.inodeSize() + xattrBodySize(n);
        return switch (n) {
            case ImageNode.RegularFile f -> f.size == 0 ? head : head + Math.toIntExact(4 * f.chunkCount());
            case ImageNode.Directory d -> {
                int tail = d.blocks.tailSize();
                d.inlineTail = tail < ErofsFormat.BLOCK_SIZE && head + tail <= ErofsFormat.BLOCK_SIZE;
                yield d.inlineTail ? head + tail : head;
            }
            case ImageNode.Symlink s -> {
                s.inlineTarget = head + s.target.length <= ErofsFormat.BLOCK_SIZE;
                yield s.inlineTarget ? head + s.target.length : head;
            }
        };
    }

    static int xattrBodySize(ImageNode n) {
        if (!(n instanceof ImageNode.RegularFile f) || f.xattrs.isEmpty()) {
            return 0;
        }
        int size = ErofsFormat.XATTR_IBODY_HEADER_SIZE + 4 * f.sharedIds.length;
        for (Xattr x : f.inlineXattrs) {
            size += x.encodedSize();
        }
        return size;
    }

    static void encode(ImageNode n, ByteBuffer image) {
        int at = Math.toIntExact(n.offset);
        int xattrSize = xattrBodySize(n);
        int layout;
        int u; // i_u: raw block address, or a chunk-based file's chunk format
        switch (n) {
            case ImageNode.RegularFile f -> {
                layout = f.size == 0 ? ErofsFormat.LAYOUT_FLAT_PLAIN : ErofsFormat.LAYOUT_CHUNK_BASED;
                u = f.size == 0 ? 0 : f.chunkBits(); // block-map entries of 4 bytes: no INDEXES flag
            }
            case ImageNode.Directory d -> {
                layout = d.inlineTail ? ErofsFormat.LAYOUT_FLAT_INLINE : ErofsFormat.LAYOUT_FLAT_PLAIN;
                u = (int) d.firstBlock;
            }
            case ImageNode.Symlink s -> {
                layout = s.inlineTarget ? ErofsFormat.LAYOUT_FLAT_INLINE : ErofsFormat.LAYOUT_FLAT_PLAIN;
                u = s.inlineTarget ? 0 : (int) s.block;
            }
        }
        int icount = xattrSize == 0 ? 0 : (xattrSize - ErofsFormat.XATTR_IBODY_HEADER_SIZE) / 4 + 1;
        int mode = n.typeBits() | n.permissions;
        if (n.needsExtendedInode()) {
            image.putShort(at, (short) (layout << 1 | 1));
            image.putShort(at + 2, (short) icount);
            image.putShort(at + 4, (short) mode);
            image.putLong(at + 8, n.size());
            image.putInt(at + 16, u);
            image.putInt(at + 20, n.ino);
            image.putInt(at + 24, (int) n.uid);
            image.putInt(at + 28, (int) n.gid);
            image.putLong(at + 32, 0); // mtime: the epoch
            image.putInt(at + 40, 0);
            image.putInt(at + 44, (int) n.nlink());
        } else {
            image.putShort(at, (short) (layout << 1));
            image.putShort(at + 2, (short) icount);
            image.putShort(at + 4, (short) mode);
            image.putShort(at + 6, (short) n.nlink());
            image.putInt(at + 8, (int) n.size());
            image.putInt(at + 16, u);
            image.putInt(at + 20, n.ino);
            image.putShort(at + 24, (short) n.uid);
            image.putShort(at + 26, (short) n.gid);
        }
        int after = at + n.inodeSize();
        if (n instanceof ImageNode.RegularFile f && xattrSize > 0) {
            image.put(after + 4, (byte) f.sharedIds.length);
            int p = after + ErofsFormat.XATTR_IBODY_HEADER_SIZE;
            for (int id : f.sharedIds) {
                image.putInt(p, id);
                p += 4;
            }
            image.position(p);
            for (Xattr x : f.inlineXattrs) {
                x.encode(image);
            }
        }
        after += xattrSize;
        switch (n) {
            case ImageNode.RegularFile f -> {
                for (long c = 0; f.size > 0 && c < f.chunkCount(); c++) {
                    image.putInt(after + (int) (4 * c), ErofsFormat.NULL_ADDR);
                }
            }
            case ImageNode.Directory d -> {
                int full = d.blocks.blockCount() - (d.inlineTail ? 1 : 0);
                for (int b = 0; b < full; b++) {
                    image.position(Math.toIntExact((d.firstBlock + b) * ErofsFormat.BLOCK_SIZE));
                    d.blocks.encodeBlock(b, image);
                }
                if (d.inlineTail) {
                    image.position(after);
                    d.blocks.encodeBlock(d.blocks.blockCount() - 1, image);
                }
            }
            case ImageNode.Symlink s -> image.put(s.inlineTarget ? after : Math.toIntExact(s.block * ErofsFormat.BLOCK_SIZE), s.target);
        }
    }
}
