package dev.tinyvol.worker.erofs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One inode of the image: a directory, a regular file (metadata only) or a symlink, with its
 * placement (nid) once the layout has chosen it.
 */
abstract sealed class ImageNode permits ImageNode.Directory, ImageNode.RegularFile, ImageNode.Symlink {

    final int permissions;
    final long uid;
    final long gid;
    /** Set by the layout: the inode's byte offset in the image and its node id. */
    long offset;
    long nid;
    int ino;

    ImageNode(int permissions, long uid, long gid) {
        this.permissions = permissions;
        this.uid = uid;
        this.gid = gid;
    }

    abstract int typeBits();

    abstract int direntType();

    abstract long size();

    abstract long nlink();

    /** A compact (32-byte) inode holds 16-bit owners, a 32-bit size and a 16-bit link count. */
    boolean needsExtendedInode() {
        return uid > 0xFFFF || gid > 0xFFFF || size() > 0xFFFFFFFFL || nlink() > 0xFFFF;
    }

    int inodeSize() {
        return needsExtendedInode() ? ErofsFormat.EXTENDED_INODE_SIZE : ErofsFormat.COMPACT_INODE_SIZE;
    }

    /** A directory's entries, kept sorted by name bytes as the kernel's binary search expects. */
    static final class Directory extends ImageNode {
        final List<Child> children = new ArrayList<>();
        Directory parent;
        int subdirectories;
        /** The encoded entries (with '.' and '..'), laid out by {@link DirectoryBlocks}. */
        DirectoryBlocks blocks;
        /** First block of the full blocks, when the directory has any. */
        long firstBlock;
        boolean inlineTail;

        Directory(int permissions, long uid, long gid) {
            super(permissions, uid, gid);
        }

        @Override
        int typeBits() {
            return ErofsFormat.S_IFDIR;
        }

        @Override
        int direntType() {
            return ErofsFormat.FT_DIR;
        }

        @Override
        long size() {
            return blocks.size();
        }

        @Override
        long nlink() {
            return 2L + subdirectories;
        }
    }

    /** A file of size > 0 is a hole carrying the overlay xattrs; an empty one carries none. */
    static final class RegularFile extends ImageNode {
        final long size;
        final List<Xattr> xattrs;
        /** Filled by the layout: which of {@link #xattrs} are shared, and their ids. */
        int[] sharedIds = new int[0];
        List<Xattr> inlineXattrs = List.of();

        RegularFile(int permissions, long uid, long gid, long size, List<Xattr> xattrs) {
            super(permissions, uid, gid);
            this.size = size;
            this.xattrs = xattrs;
        }

        @Override
        int typeBits() {
            return ErofsFormat.S_IFREG;
        }

        @Override
        int direntType() {
            return ErofsFormat.FT_REG_FILE;
        }

        @Override
        long size() {
            return size;
        }

        @Override
        long nlink() {
            return 1;
        }

        /** The chunk size, as a shift over the block size: the smallest that covers the file, capped. */
        int chunkBits() {
            int bits = 64 - Long.numberOfLeadingZeros(size - 1) - ErofsFormat.BLOCK_BITS;
            return Math.clamp(bits, 0, ErofsFormat.CHUNK_BITS_MAX);
        }

        long chunkCount() {
            long chunk = (long) ErofsFormat.BLOCK_SIZE << chunkBits();
            return (size + chunk - 1) / chunk;
        }
    }

    static final class Symlink extends ImageNode {
        final byte[] target;
        boolean inlineTarget;
        long block;

        Symlink(long uid, long gid, String target) {
            super(0777, uid, gid);
            this.target = target.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        int typeBits() {
            return ErofsFormat.S_IFLNK;
        }

        @Override
        int direntType() {
            return ErofsFormat.FT_SYMLINK;
        }

        @Override
        long size() {
            return target.length;
        }

        @Override
        long nlink() {
            return 1;
        }
    }

    /** A named entry of a directory. */
    record Child(byte[] name, ImageNode node) {
        static int compare(Child a, Child b) {
            return Arrays.compareUnsigned(a.name, b.name);
        }
    }
}
