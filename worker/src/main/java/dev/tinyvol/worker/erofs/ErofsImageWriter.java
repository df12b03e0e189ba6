package dev.tinyvol.worker.erofs;

import dev.tinyvol.messages.manifest.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a manifest's metadata-only EROFS image, as composefs does, with no tool run: names, modes,
 * owners and exact sizes; each non-empty regular file a hole carrying overlayfs's metacopy and an
 * absolute redirect to its blob in the CAS objects directory, which overlayfs mounts as a data-only
 * layer. The image is a function of the manifest and the content sizes alone (every mtime is the
 * epoch, as ingest gives blobs).
 *
 * <p>Layout, in 4 KiB blocks: block 0 holds the superblock at byte 1024, and the inodes follow it
 * (the metadata area starts at block 0, so the root, written first, has nid 36). Each inode record
 * (inode, extended attributes, then a directory's last partial block or a symlink's target inline,
 * or a file's chunk index) lies within one block. The shared attribute area follows the inodes,
 * then the full blocks of large directories and of long symlink targets.
 */
public final class ErofsImageWriter {

    private final ContentSizes sizes;

    public ErofsImageWriter(ContentSizes sizes) {
        this.sizes = sizes;
    }

    /** An image in memory and what it holds. */
    public record Image(ByteBuffer bytes, ImageSummary summary) {
    }

    /** Writes the image to {@code target} (a new file); making it durable and naming it is the caller's. */
    public ImageSummary write(Manifest manifest, Path target) throws IOException {
        Image image = render(manifest);
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = image.bytes();
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
        return image.summary();
    }

    public Image render(Manifest manifest) throws IOException {
        ImageTree tree = ImageTree.of(manifest, sizes);
        for (ImageNode n : tree.nodes) {
            if (n instanceof ImageNode.Directory d) {
                d.blocks = DirectoryBlocks.of(d);
            }
        }
        SharedXattrs shared = SharedXattrs.of(tree.nodes);

        // Place the inodes: 32-byte slots, no record across a block boundary.
        long pos = ErofsFormat.SUPER_OFFSET + ErofsFormat.SUPER_SIZE;
        int ino = 0;
        long extended = 0;
        for (ImageNode n : tree.nodes) {
            int record = InodeRecords.recordSize(n);
            if (pos % ErofsFormat.BLOCK_SIZE + record > ErofsFormat.BLOCK_SIZE && record <= ErofsFormat.BLOCK_SIZE) {
                pos = alignBlock(pos);
            }
            n.offset = pos;
            n.nid = pos / ErofsFormat.SLOT_SIZE;
            n.ino = ++ino;
            extended += n.needsExtendedInode() ? 1 : 0;
            pos = ErofsFormat.align(Math.toIntExact(pos + record), ErofsFormat.SLOT_SIZE);
        }
        long xattrBlock = alignBlock(pos) / ErofsFormat.BLOCK_SIZE;
        long nextBlock = xattrBlock + shared.blocks();

        // Then the data blocks: directories too big to end inline, long symlink targets.
        for (ImageNode n : tree.nodes) {
            if (n instanceof ImageNode.Directory d) {
                int full = d.blocks.blockCount() - (d.inlineTail ? 1 : 0);
                d.firstBlock = full > 0 ? nextBlock : 0;
                nextBlock += full;
            } else if (n instanceof ImageNode.Symlink s && !s.inlineTarget) {
                s.block = nextBlock++;
            }
        }
        if (nextBlock > 0xFFFFFFFFL || nextBlock * ErofsFormat.BLOCK_SIZE > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the manifest's image would be " + nextBlock + " blocks; this writer builds images under 2 GiB");
        }

        ByteBuffer image = ByteBuffer.allocate(Math.toIntExact(nextBlock * ErofsFormat.BLOCK_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        for (ImageNode n : tree.nodes) {
            InodeRecords.encode(n, image);
        }
        shared.encode(image, xattrBlock * ErofsFormat.BLOCK_SIZE);
        boolean chunked = tree.nodes.stream().anyMatch(n -> n instanceof ImageNode.RegularFile f && f.size > 0);
        writeSuperblock(image, tree.root.nid, tree.nodes.size(), nextBlock, xattrBlock, chunked);
        image.clear();

        long dirs = tree.nodes.stream().filter(ImageNode.Directory.class::isInstance).count();
        long files = tree.nodes.stream().filter(ImageNode.RegularFile.class::isInstance).count();
        ImageSummary summary = new ImageSummary(image.capacity(), tree.nodes.size(), dirs, files,
                tree.nodes.size() - dirs - files, extended, shared.count());
        return new Image(image, summary);
    }

    private static long alignBlock(long pos) {
        return (pos + ErofsFormat.BLOCK_SIZE - 1) / ErofsFormat.BLOCK_SIZE * ErofsFormat.BLOCK_SIZE;
    }

    private static void writeSuperblock(ByteBuffer image, long rootNid, long inodes, long blocks, long xattrBlock, boolean chunked) {
        int sb = ErofsFormat.SUPER_OFFSET;
        image.putInt(sb, ErofsFormat.MAGIC);
        image.putInt(sb + 4, 0); // no checksum: the store keeps each image's digest instead
        image.putInt(sb + 8, 0); // feature_compat
        image.put(sb + 12, (byte) ErofsFormat.BLOCK_BITS);
        image.put(sb + 13, (byte) 0); // no extension slots
        image.putShort(sb + 14, (short) rootNid);
        image.putLong(sb + 16, inodes);
        image.putLong(sb + 24, 0); // build time: compact inodes' mtime, the epoch
        image.putInt(sb + 32, 0);
        image.putInt(sb + 36, (int) blocks);
        image.putInt(sb + 40, 0); // meta_blkaddr: nids count from the image's start
        image.putInt(sb + 44, (int) xattrBlock);
        image.putInt(sb + 80, chunked ? ErofsFormat.FEATURE_INCOMPAT_CHUNKED_FILE : 0);
        image.put(sb + 90, (byte) 0); // directory blocks are filesystem blocks
    }
}
