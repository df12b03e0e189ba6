package dev.tinyvol.worker.posix;

import java.nio.file.attribute.FileTime;

/**
 * The subset of statx(2) TinyVol uses. Owners are unsigned 32-bit ids held in a long, so
 * 3,000,000,000 reads as itself; {@code device} combines major and minor; {@code changed} is the
 * ctime, which every write and attribute change moves.
 */
public record Stat(int mode, long uid, long gid, long size, long inode, long device, int links, FileTime modified,
                   FileTime changed) {

    private static final int S_IFMT = 0170000;

    public int permissions() {
        return mode & 07777;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == 0100000;
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == 0040000;
    }

    public boolean isSymlink() {
        return (mode & S_IFMT) == 0120000;
    }

    /** The file type in words: "a regular file", "a FIFO", ... */
    public static String typeOf(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> "a regular file";
            case 0040000 -> "a directory";
            case 0120000 -> "a symlink";
            case 0010000 -> "a FIFO";
            case 0140000 -> "a socket";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            default -> "a file of unknown type";
        };
    }

    public boolean sameInode(Stat other) {
        return inode == other.inode && device == other.device;
    }
}
