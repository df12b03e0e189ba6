package dev.tinyvol.worker.erofs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory's content: its entries, '.' and '..' among them, sorted by name bytes and packed
 * into 4 KiB blocks. Each block starts with an array of 12-byte dirents ({@code nid}, name offset,
 * file type) and then the names, unterminated: a name ends where the next begins, or at the block's
 * (or the directory's) end. The kernel finds a name by binary search over the blocks' first names,
 * then within the block, so the order must be exact across blocks.
 */
final class DirectoryBlocks {

    private static final byte[] DOT = ".".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DOT_DOT = "..".getBytes(StandardCharsets.US_ASCII);

    private final List<ImageNode.Child> entries;
    /** Index of the first entry of each block. */
    private final int[] blockStarts;
    private final long size;

    private DirectoryBlocks(List<ImageNode.Child> entries, int[] blockStarts, long size) {
        this.entries = entries;
        this.blockStarts = blockStarts;
        this.size = size;
    }

    static DirectoryBlocks of(ImageNode.Directory dir) {
        List<ImageNode.Child> entries = new ArrayList<>(dir.children.size() + 2);
        entries.addAll(dir.children);
        entries.add(new ImageNode.Child(DOT, dir));
        entries.add(new ImageNode.Child(DOT_DOT, dir.parent));
        entries.sort(ImageNode.Child::compare);
        List<Integer> starts = new ArrayList<>();
        int used = ErofsFormat.BLOCK_SIZE; // forces a first block
        for (int i = 0; i < entries.size(); i++) {
            int need = ErofsFormat.DIRENT_SIZE + entries.get(i).name().length;
            if (used + need > ErofsFormat.BLOCK_SIZE) {
                starts.add(i);
                used = 0;
            }
            used += need;
        }
        int[] blockStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        long size = (long) (blockStarts.length - 1) * ErofsFormat.BLOCK_SIZE + used;
        return new DirectoryBlocks(entries, blockStarts, size);
    }

    long size() {
        return size;
    }

    int blockCount() {
        return blockStarts.length;
    }

    /** Bytes used in the last block: the tail that may be stored inline after the inode. */
    int tailSize() {
        return (int) (size - (long) (blockStarts.length - 1) * ErofsFormat.BLOCK_SIZE);
    }

    /** Writes block {@code b} at the buffer's position; nids must be assigned. */
    void encodeBlock(int b, ByteBuffer out) {
        int start = out.position();
        int from = blockStarts[b];
        int to = b + 1 < blockStarts.length ? blockStarts[b + 1] : entries.size();
        int nameOffset = (to - from) * ErofsFormat.DIRENT_SIZE;
        for (int i = from; i < to; i++) {
            ImageNode.Child c = entries.get(i);
            out.putLong(start + (i - from) * ErofsFormat.DIRENT_SIZE, c.node().nid);
            out.putShort(start + (i - from) * ErofsFormat.DIRENT_SIZE + 8, (short) nameOffset);
            out.put(start + (i - from) * ErofsFormat.DIRENT_SIZE + 10, (byte) c.node().direntType());
            out.put(start + nameOffset, c.name());
            nameOffset += c.name().length;
        }
        out.position(start + nameOffset);
    }
}
