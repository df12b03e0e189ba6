package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * The POSIX attributes Java reaches only through the {@code unix:} attribute view: full modes
 * (setuid, setgid and sticky included, which {@code PosixFilePermission} cannot express), numeric
 * owners, inode identity and link counts. Nothing here follows a symlink.
 */
public final class PosixFiles {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final String STAT = "unix:mode,uid,gid,size,ino,dev,nlink,lastModifiedTime";

    private PosixFiles() {
    }

    /** The subset of lstat(2) TinyVol uses. */
    public record Stat(int mode, long uid, long gid, long size, long inode, long device, int links, FileTime modified) {

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

        public boolean sameInode(Stat other) {
            return inode == other.inode && device == other.device;
        }
    }

    public static Stat lstat(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, STAT, NOFOLLOW);
        return new Stat((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("size"), (Long) a.get("ino"), (Long) a.get("dev"), (Integer) a.get("nlink"),
                (FileTime) a.get("lastModifiedTime"));
    }

    /** chmod(2) with all twelve permission bits. Never called on a symlink. */
    public static void chmod(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode & 07777, NOFOLLOW);
    }

    /** lchown(2): on a symlink, changes the link itself. */
    public static void lchown(Path path, long uid, long gid) throws IOException {
        Files.setAttribute(path, "unix:uid", (int) uid, NOFOLLOW);
        Files.setAttribute(path, "unix:gid", (int) gid, NOFOLLOW);
    }

    public static void setModifiedTime(Path path, FileTime time) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW).setTimes(time, null, null);
    }

    /** fsync(2) of a directory, so renames and links made in it survive a power loss. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
