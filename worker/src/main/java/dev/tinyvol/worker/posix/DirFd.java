package dev.tinyvol.worker.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open directory, and the {@code *at} system calls relative to it. Walking a tree through
 * descriptors means no path is resolved twice: a directory opened here stays the directory it was,
 * whatever a workload renames or swaps for a symlink afterwards, and {@link #openBeneath} lets the
 * kernel refuse any symlink, {@code ..} or mount point on the way (openat2's RESOLVE_BENEATH,
 * RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV), as runc does for container roots.
 *
 * <p>Names are bytes, as Linux stores them, so a tree holding names that are not UTF-8 can still be
 * walked and removed; the String overloads encode UTF-8. A DirFd may be used from several threads.
 */
public final class DirFd implements AutoCloseable {

    /** The kernel refuses symlinks, "..", magic links and mount points anywhere in the path. */
    private static final long CONFINED = Native.RESOLVE_BENEATH | Native.RESOLVE_NO_SYMLINKS
            | Native.RESOLVE_NO_XDEV | Native.RESOLVE_NO_MAGICLINKS;

    private final int fd;
    private final String shown;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DirFd(int fd, String shown) {
        this.fd = fd;
        this.shown = shown;
    }

    /**
     * Opens a directory named by the operator (configuration, command line). Its last component
     * must not be a symlink; earlier ones are the operator's own layout and may be.
     */
    public static DirFd open(Path dir) throws IOException {
        String path = dir.toAbsolutePath().toString();
        int fd = Native.openat(Native.AT_FDCWD, bytes(path),
                Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0, path);
        return new DirFd(fd, path);
    }

    /** Opens a directory below this one; no component of {@code relative} may be a symlink or a mount point. */
    public DirFd openBeneath(byte[] relative) throws IOException {
        String child = shown(relative);
        int childFd = Native.openat2(fd, relative, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW
                | Native.O_CLOEXEC, 0, CONFINED, child);
        return new DirFd(childFd, child);
    }

    public DirFd openBeneath(String relative) throws IOException {
        return openBeneath(bytes(relative));
    }

    /** The path this descriptor was opened by, for messages only: never resolved again. */
    public String shown() {
        return shown;
    }

    public String shown(byte[] name) {
        return shown + "/" + new String(name, StandardCharsets.UTF_8);
    }

    /** lstat of an entry: a symlink is described, never followed. */
    public Stat stat(byte[] name) throws IOException {
        return decode(Native.statx(fd, name, Native.AT_SYMLINK_NOFOLLOW, shown(name)));
    }

    public Stat stat(String name) throws IOException {
        return stat(bytes(name));
    }

    /** fstat of this directory itself. */
    public Stat stat() throws IOException {
        return decode(Native.statx(fd, new byte[0], Native.AT_EMPTY_PATH | Native.AT_SYMLINK_NOFOLLOW, shown));
    }

    /** One directory entry: its name and the type getdents reports (DT_UNKNOWN on some filesystems). */
    public record Entry(byte[] name, int type) {
        public static final int DT_UNKNOWN = 0;
        public static final int DT_DIR = 4;
        public static final int DT_REG = 8;
        public static final int DT_LNK = 10;

        public String nameString() {
            return new String(name, StandardCharsets.UTF_8);
        }

        /** Could be a directory: what getdents says, or it does not know. */
        public boolean mayBeDirectory() {
            return type == DT_DIR || type == DT_UNKNOWN;
        }
    }

    /** Every entry but "." and "..", read with getdents64 from a descriptor of its own. */
    public List<Entry> list() throws IOException {
        List<Entry> entries = new ArrayList<>();
        int own = Native.openat(fd, new byte[] {'.'}, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0, shown);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(32 * 1024, 8);
            while (true) {
                long n = Native.getdents64(own, buffer, shown);
                if (n == 0) {
                    break;
                }
                long at = 0;
                while (at < n) {
                    int reclen = Short.toUnsignedInt(buffer.get(JAVA_SHORT, at + 16));
                    int type = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, at + 18));
                    long nameAt = at + 19;
                    long end = nameAt;
                    while (buffer.get(JAVA_BYTE, end) != 0) {
                        end++;
                    }
                    byte[] name = buffer.asSlice(nameAt, end - nameAt).toArray(JAVA_BYTE);
                    if (!(name.length == 1 && name[0] == '.') && !(name.length == 2 && name[0] == '.' && name[1] == '.')) {
                        entries.add(new Entry(name, type));
                    }
                    at += reclen;
                }
            }
        } finally {
            Native.close(own);
        }
        return entries;
    }

    public void mkdir(byte[] relative, int mode) throws IOException {
        Native.mkdirat(fd, relative, mode, shown(relative));
    }

    public void mkdir(String relative, int mode) throws IOException {
        mkdir(bytes(relative), mode);
    }

    /** linkat(2): a new name here for {@code from} in {@code fromDir}; a symlink is linked itself, never followed. */
    public void link(DirFd fromDir, byte[] from, byte[] to) throws IOException {
        Native.linkat(fromDir.fd, from, fd, to, 0, shown(to));
    }

    public void link(DirFd fromDir, String from, String to) throws IOException {
        link(fromDir, bytes(from), bytes(to));
    }

    public void symlink(byte[] target, byte[] relative) throws IOException {
        Native.symlinkat(target, fd, relative, shown(relative));
    }

    public void symlink(String target, String relative) throws IOException {
        symlink(bytes(target), bytes(relative));
    }

    public byte[] readlink(byte[] relative) throws IOException {
        return Native.readlinkat(fd, relative, shown(relative));
    }

    /** Removes a file or symlink (never what a symlink points to). */
    public void unlink(byte[] name) throws IOException {
        Native.unlinkat(fd, name, 0, shown(name));
    }

    public void unlink(String name) throws IOException {
        unlink(bytes(name));
    }

    /** Removes an empty directory. */
    public void rmdir(byte[] name) throws IOException {
        Native.unlinkat(fd, name, Native.AT_REMOVEDIR, shown(name));
    }

    public void rmdir(String name) throws IOException {
        rmdir(bytes(name));
    }

    /** How {@link #rename} treats an existing target. */
    public enum RenameMode {
        /** Replace a target (a file, or an empty directory), as rename(2) does. */
        REPLACE(0),
        /** Fail with EEXIST if the target exists (RENAME_NOREPLACE). */
        NO_REPLACE(Native.RENAME_NOREPLACE),
        /** Swap the two atomically; both must exist (RENAME_EXCHANGE). */
        EXCHANGE(Native.RENAME_EXCHANGE);

        private final int flags;

        RenameMode(int flags) {
            this.flags = flags;
        }
    }

    /** renameat2(2) from here to {@code toDir}. */
    public void rename(byte[] from, DirFd toDir, byte[] to, RenameMode mode) throws IOException {
        Native.renameat2(fd, from, toDir.fd, to, mode.flags, toDir.shown(to));
    }

    public void rename(String from, DirFd toDir, String to, RenameMode mode) throws IOException {
        rename(bytes(from), toDir, bytes(to), mode);
    }

    /** chmod with all twelve bits. Call it on directories and regular files only (it follows a symlink). */
    public void chmod(byte[] relative, int mode) throws IOException {
        Native.fchmodat(fd, relative, mode & 07777, shown(relative));
    }

    public void chmod(String relative, int mode) throws IOException {
        chmod(bytes(relative), mode);
    }

    /** lchown: owners are unsigned 32-bit ids (up to 4,294,967,294). */
    public void chown(byte[] relative, long uid, long gid) throws IOException {
        Native.fchownat(fd, relative, uid, gid, Native.AT_SYMLINK_NOFOLLOW, shown(relative));
    }

    public void chown(String relative, long uid, long gid) throws IOException {
        chown(bytes(relative), uid, gid);
    }

    /** Sets an entry's modification time (not following a symlink). */
    public void setModifiedTime(byte[] relative, FileTime time) throws IOException {
        Native.utimensat(fd, relative, time, Native.AT_SYMLINK_NOFOLLOW, shown(relative));
    }

    /**
     * Opens for reading the regular file below this directory that {@code examined} (its statx a
     * moment earlier) describes, confined like {@link #openBeneath}. A workload can swap another
     * file in between: the open never waits (O_NONBLOCK, so a FIFO put there cannot hang the
     * caller, which may hold a lock), and the opened descriptor is statx'd and must be that inode,
     * still a regular file.
     *
     * @throws FileSwappedException if what was opened is not the file that was examined
     */
    public InputStream openRead(byte[] relative, Stat examined) throws IOException {
        String name = shown(relative);
        int file = Native.openat2(fd, relative, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_NONBLOCK | Native.O_CLOEXEC,
                0, CONFINED, name);
        boolean kept = false;
        try {
            Stat opened = decode(Native.statx(file, new byte[0], Native.AT_EMPTY_PATH | Native.AT_SYMLINK_NOFOLLOW, name));
            if (!opened.sameInode(examined) || !opened.isRegularFile()) {
                throw new FileSwappedException(name, examined, opened);
            }
            kept = true;
            return new FdInputStream(file, name);
        } finally {
            if (!kept) {
                Native.close(file);
            }
        }
    }

    /** fsync of this directory: entries made in it survive a power loss. */
    public void fsync() throws IOException {
        Native.fsync(fd, shown);
    }

    /** syncfs(2): everything written to this directory's filesystem is on disk when it returns. */
    public void syncfs() throws IOException {
        Native.syncfs(fd, shown);
    }

    /**
     * Makes a new file {@code to} here that shares the extents of {@code from} in {@code fromDir}
     * (ioctl FICLONE, a reflink): its own inode, so a write to it changes only it (copy-on-write).
     * The new file has mode 0600 and the caller's owner until set; on failure it is removed.
     * Fails with EOPNOTSUPP or EINVAL where the filesystem cannot clone, EXDEV across filesystems.
     */
    public void cloneFrom(DirFd fromDir, byte[] from, byte[] to) throws IOException {
        cloneFrom(fromDir, from, to, null);
    }

    /**
     * As {@link #cloneFrom(DirFd, byte[], byte[])}, then gives the clone {@code attributes} through
     * its descriptor (no path looked up again): what a hard link to an instance shares with it.
     * {@code null} leaves them as they are.
     */
    public void cloneFrom(DirFd fromDir, byte[] from, byte[] to, FileAttributes attributes) throws IOException {
        int source = Native.openat(fromDir.fd, from, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0,
                fromDir.shown(from));
        try {
            int target = Native.openat(fd, to, Native.O_WRONLY | Native.O_CREAT | Native.O_EXCL | Native.O_NOFOLLOW
                    | Native.O_CLOEXEC, 0600, shown(to));
            boolean cloned = false;
            try {
                Native.ioctl(target, Native.FICLONE, source, shown(to));
                if (attributes != null) {
                    attributes.applyToNew(target, shown(to));
                }
                cloned = true;
            } finally {
                Native.close(target);
                if (!cloned) {
                    try {
                        unlink(to);
                    } catch (IOException ignored) {
                        // the ioctl's failure is the one to report; staging is removed after a failed build anyway
                    }
                }
            }
        } finally {
            Native.close(source);
        }
    }

    /** ioctl(2) on this directory's descriptor. */
    public int ioctl(long request, long argument) throws IOException {
        return Native.ioctl(fd, request, argument, shown);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Native.close(fd);
        }
    }

    @Override
    public String toString() {
        return "DirFd[" + fd + " " + shown + "]";
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes struct statx (the same layout on every architecture). */
    static Stat decode(MemorySegment sx) {
        int nlink = sx.get(ValueLayout.JAVA_INT, 16);
        long uid = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 20));
        long gid = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 24));
        int mode = Short.toUnsignedInt(sx.get(JAVA_SHORT, 28));
        long ino = sx.get(JAVA_LONG, 32);
        long size = sx.get(JAVA_LONG, 40);
        long mtimeSec = sx.get(JAVA_LONG, 112);
        long mtimeNsec = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 120));
        long ctimeSec = sx.get(JAVA_LONG, 96);
        long ctimeNsec = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 104));
        long devMajor = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 136));
        long devMinor = Integer.toUnsignedLong(sx.get(ValueLayout.JAVA_INT, 140));
        return new Stat(mode, uid, gid, size, ino, (devMajor << 32) | devMinor, nlink,
                FileTime.from(java.time.Instant.ofEpochSecond(mtimeSec, mtimeNsec)),
                FileTime.from(java.time.Instant.ofEpochSecond(ctimeSec, ctimeNsec)));
    }

    /** A file read through its own descriptor, with the errno of any failure. */
    private static final class FdInputStream extends InputStream {
        private final int fd;
        private final String shown;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buffer = arena.allocate(64 * 1024);
        private boolean closed;

        FdInputStream(int fd, String shown) {
            this.fd = fd;
            this.shown = shown;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            long n = Native.read(fd, buffer.asSlice(0, Math.min(len, buffer.byteSize())), shown);
            if (n == 0) {
                return -1;
            }
            MemorySegment.copy(buffer, JAVA_BYTE, 0, b, off, (int) n);
            return (int) n;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Native.close(fd);
                arena.close();
            }
        }
    }
}
