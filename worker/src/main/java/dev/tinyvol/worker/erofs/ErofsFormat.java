package dev.tinyvol.worker.erofs;

/**
 * The EROFS on-disk constants this writer uses, from the Linux kernel's {@code fs/erofs/erofs_fs.h}.
 * Everything is little-endian; inodes sit in 32-byte slots and a node id (nid) is a slot number
 * counted from the metadata area's start.
 */
final class ErofsFormat {

    private ErofsFormat() {
    }

    static final int MAGIC = 0xE0F5E1E2;
    static final int SUPER_OFFSET = 1024;
    static final int SUPER_SIZE = 128;
    static final int BLOCK_BITS = 12;
    static final int BLOCK_SIZE = 1 << BLOCK_BITS;
    static final int SLOT_SIZE = 32;

    /** Incompatible feature: chunk-based files (our holes). Kernels without it refuse the image. */
    static final int FEATURE_INCOMPAT_CHUNKED_FILE = 0x4;

    static final int COMPACT_INODE_SIZE = 32;
    static final int EXTENDED_INODE_SIZE = 64;

    /** {@code i_format}: bit 0 is the inode version (1 = extended), bits 1-3 the data layout. */
    static final int LAYOUT_FLAT_PLAIN = 0;
    static final int LAYOUT_FLAT_INLINE = 2;
    static final int LAYOUT_CHUNK_BASED = 4;

    /** A block-map entry meaning "no block": a hole. */
    static final int NULL_ADDR = 0xFFFFFFFF;
    static final int CHUNK_BITS_MAX = 31;

    static final int XATTR_IBODY_HEADER_SIZE = 12;
    static final int XATTR_ENTRY_HEADER_SIZE = 4;
    /** Name index of the {@code trusted.} prefix. */
    static final int XATTR_INDEX_TRUSTED = 4;

    static final int DIRENT_SIZE = 12;
    static final int FT_REG_FILE = 1;
    static final int FT_DIR = 2;
    static final int FT_SYMLINK = 7;

    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;

    static int align(int value, int unit) {
        return (value + unit - 1) / unit * unit;
    }
}
