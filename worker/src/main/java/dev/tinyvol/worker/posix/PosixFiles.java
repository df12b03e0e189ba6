package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * Path-based POSIX calls for paths the operator named (the CAS, blobs, a directory to ingest): full
 * modes (setuid, setgid and sticky included, which {@code PosixFilePermission} cannot express),
 * unsigned numeric owners, inode identity and link counts, each failure an {@link ErrnoException}.
 * Nothing here follows a symlink in the last component. Trees a workload can reach are walked with
 * {@link DirFd} instead.
 */
public final class PosixFiles {

    private PosixFiles() {
    }

    public static Stat lstat(Path path) throws IOException {
        String p = path.toString();
        return DirFd.decode(Native.statx(Native.AT_FDCWD, bytes(p), Native.AT_SYMLINK_NOFOLLOW, p));
    }

    /** chmod(2) with all twelve permission bits. Never called on a symlink. */
    public static void chmod(Path path, int mode) throws IOException {
        String p = path.toString();
        Native.fchmodat(Native.AT_FDCWD, bytes(p), mode & 07777, p);
    }

    /** lchown(2): on a symlink, changes the link itself. Owners up to 4,294,967,294. */
    public static void lchown(Path path, long uid, long gid) throws IOException {
        String p = path.toString();
        Native.fchownat(Native.AT_FDCWD, bytes(p), uid, gid, Native.AT_SYMLINK_NOFOLLOW, p);
    }

    public static void setModifiedTime(Path path, FileTime time) throws IOException {
        String p = path.toString();
        Native.utimensat(Native.AT_FDCWD, bytes(p), time, Native.AT_SYMLINK_NOFOLLOW, p);
    }

    /** fsync(2) of a directory, so renames and links made in it survive a power loss. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (DirFd d = DirFd.open(dir)) {
            d.fsync();
        }
    }

    /** fsync(2) of a regular file. */
    public static void fsyncFile(Path file) throws IOException {
        String p = file.toString();
        int fd = Native.openat(Native.AT_FDCWD, bytes(p), Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0, p);
        try {
            Native.fsync(fd, p);
        } finally {
            Native.close(fd);
        }
    }

    /** syncfs(2) of the filesystem holding {@code dir}: one flush for everything written there. */
    public static void syncFilesystem(Path dir) throws IOException {
        try (DirFd d = DirFd.open(dir)) {
            d.syncfs();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
