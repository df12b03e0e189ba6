package dev.tinyvol.worker.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library and system calls TinyVol needs that {@code java.nio} does not offer, bound through
 * the Foreign Function &amp; Memory API. This class is the only place in TinyVol that calls native
 * code; {@link DirFd} and {@link PosixFiles} give the rest of the worker a Java face for it.
 *
 * <p>Every call captures {@code errno} right after it returns (before the JVM can overwrite it), and
 * a failure becomes an {@link ErrnoException} holding the number. Path arguments are passed as
 * NUL-terminated bytes from a per-thread scratch area, so a call allocates nothing.
 */
final class Native {

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_EMPTY_PATH = 0x1000;

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_CLOEXEC = 02000000;
    /** The same on x86_64 and aarch64: an open of a FIFO returns at once instead of waiting for a writer. */
    static final int O_NONBLOCK = 04000;
    static final int O_DIRECTORY;
    static final int O_NOFOLLOW;

    static final long RESOLVE_NO_XDEV = 0x01;
    static final long RESOLVE_NO_MAGICLINKS = 0x02;
    static final long RESOLVE_NO_SYMLINKS = 0x04;
    static final long RESOLVE_BENEATH = 0x08;

    static final int RENAME_NOREPLACE = 1;
    static final int RENAME_EXCHANGE = 2;

    /** ioctl FICLONE = _IOW(0x94, 9, int): make the target share the source's extents (a reflink). */
    static final long FICLONE = 0x40049409L;

    /** The same number on every Linux architecture (syscalls added after 5.1 share one table). */
    private static final long SYS_OPENAT2 = 437;

    static {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64" -> {
                O_DIRECTORY = 0200000;
                O_NOFOLLOW = 0400000;
            }
            case "aarch64", "arm64" -> {
                O_DIRECTORY = 040000;
                O_NOFOLLOW = 0100000;
            }
            default -> throw new ExceptionInInitializerError("TinyVol's system calls are bound for Linux on x86_64 "
                    + "and aarch64, not " + arch);
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPENAT = errnoCall("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    private static final MethodHandle SYSCALL4 = errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle MKDIRAT = errnoCall("mkdirat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle LINKAT = errnoCall("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle SYMLINKAT = errnoCall("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle UNLINKAT = errnoCall("unlinkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle FUTIMENS = errnoCall("futimens", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle FCHMOD = errnoCall("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle FCHOWN = errnoCall("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle MOUNT = errnoCall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1);
    private static final MethodHandle STATVFS = errnoCall("statvfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1);
    private static final MethodHandle UMOUNT2 = errnoCall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle RENAMEAT2 = errnoCall("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle STATX = errnoCall("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle FCHMODAT = errnoCall("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle FCHOWNAT = errnoCall("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle UTIMENSAT = errnoCall("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle READLINKAT = errnoCall("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle GETDENTS64 = errnoCall("getdents64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle READ = errnoCall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final MethodHandle FSYNC = errnoCall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle SYNCFS = errnoCall("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle IOCTL = errnoCall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(1024, JAVA_BYTE)), JAVA_INT));

    private Native() {
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option capture = Linker.Option.captureCallState("errno");
        return firstVariadic < 0
                ? LINKER.downcallHandle(symbol, descriptor, capture)
                : LINKER.downcallHandle(symbol, descriptor, capture, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** Per-thread memory for errno, two paths and a small struct: no allocation per call. */
    static final class Scratch {
        static final int PATH_MAX = 4096;
        final MemorySegment errno;
        final MemorySegment path1;
        final MemorySegment path2;
        final MemorySegment struct;

        private Scratch() {
            Arena arena = Arena.ofAuto();
            errno = arena.allocate(CAPTURE);
            path1 = arena.allocate(PATH_MAX + 1);
            path2 = arena.allocate(PATH_MAX + 1);
            struct = arena.allocate(256, 8);
        }

        MemorySegment path1(byte[] name) {
            return put(path1, name);
        }

        MemorySegment path2(byte[] name) {
            return put(path2, name);
        }

        private static MemorySegment put(MemorySegment target, byte[] name) {
            if (name.length > PATH_MAX) {
                return null;
            }
            MemorySegment.copy(name, 0, target, JAVA_BYTE, 0, name.length);
            target.set(JAVA_BYTE, name.length, (byte) 0);
            return target;
        }

        int errno() {
            return (int) ERRNO.get(errno, 0L);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static Scratch scratch() {
        return SCRATCH.get();
    }

    private static final int ENAMETOOLONG = 36;
    private static final int EINTR = 4;

    private static MemorySegment name1(Scratch s, byte[] name, String call, String shown) throws IOException {
        return fit(s.path1(name), call, shown);
    }

    private static MemorySegment name2(Scratch s, byte[] name, String call, String shown) throws IOException {
        return fit(s.path2(name), call, shown);
    }

    /** A name longer than PATH_MAX fails as the kernel would fail it: ENAMETOOLONG. */
    private static MemorySegment fit(MemorySegment seg, String call, String shown) throws IOException {
        if (seg == null) {
            throw SystemCallFailure.of(call, ENAMETOOLONG, shown);
        }
        return seg;
    }

    /** invokeExact declares Throwable; a downcall throws nothing checked, so rethrow what it was. */
    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** One downcall: given the errno capture segment, returns the call's result (negative on failure). */
    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment errno) throws Throwable;
    }

    /**
     * Runs a downcall, retrying on EINTR when {@code restartable}, and turns a failure into the
     * exception for its errno. Every binding below goes through here.
     */
    private static long call(Scratch s, String name, String shown, boolean restartable, Call call) throws IOException {
        try {
            while (true) {
                long rc = call.invoke(s.errno);
                if (rc >= 0) {
                    return rc;
                }
                int errno = s.errno();
                if (!(restartable && errno == EINTR)) {
                    throw SystemCallFailure.of(name, errno, shown);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int openat(int dirfd, byte[] path, int flags, int mode, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "openat", shown);
        return (int) call(s, "openat", shown, true, e -> (int) OPENAT.invokeExact(e, dirfd, p, flags, mode));
    }

    /** openat2(2): {@code resolve} is a set of RESOLVE_* flags the kernel enforces on every component. */
    static int openat2(int dirfd, byte[] path, long flags, long mode, long resolve, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "openat2", shown);
        MemorySegment how = s.struct;
        how.set(JAVA_LONG, 0, flags);
        how.set(JAVA_LONG, 8, mode);
        how.set(JAVA_LONG, 16, resolve);
        return (int) call(s, "openat2", shown, true,
                e -> (long) SYSCALL4.invokeExact(e, SYS_OPENAT2, (long) dirfd, p, how, 24L));
    }

    static void mkdirat(int dirfd, byte[] path, int mode, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "mkdirat", shown);
        call(s, "mkdirat", shown, false, e -> (int) MKDIRAT.invokeExact(e, dirfd, p, mode));
    }

    static void linkat(int fromDir, byte[] from, int toDir, byte[] to, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment a = name1(s, from, "linkat", shown);
        MemorySegment b = name2(s, to, "linkat", shown);
        call(s, "linkat", shown, false, e -> (int) LINKAT.invokeExact(e, fromDir, a, toDir, b, flags));
    }

    static void symlinkat(byte[] target, int dirfd, byte[] path, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment a = name1(s, target, "symlinkat", shown);
        MemorySegment b = name2(s, path, "symlinkat", shown);
        call(s, "symlinkat", shown, false, e -> (int) SYMLINKAT.invokeExact(e, a, dirfd, b));
    }

    static void unlinkat(int dirfd, byte[] path, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "unlinkat", shown);
        call(s, "unlinkat", shown, false, e -> (int) UNLINKAT.invokeExact(e, dirfd, p, flags));
    }

    static void renameat2(int fromDir, byte[] from, int toDir, byte[] to, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment a = name1(s, from, "renameat2", shown);
        MemorySegment b = name2(s, to, "renameat2", shown);
        call(s, "renameat2", shown, false, e -> (int) RENAMEAT2.invokeExact(e, fromDir, a, toDir, b, flags));
    }

    /** statx(2) into the thread's scratch struct, which the caller decodes before its next call. */
    static MemorySegment statx(int dirfd, byte[] path, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "statx", shown);
        // STATX_BASIC_STATS (0x7ff): type, mode, nlink, uid, gid, times, ino, size, blocks.
        call(s, "statx", shown, false, e -> (int) STATX.invokeExact(e, dirfd, p, flags, 0x7ff, s.struct));
        return s.struct;
    }

    static void fchmodat(int dirfd, byte[] path, int mode, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "fchmodat", shown);
        call(s, "fchmodat", shown, false, e -> (int) FCHMODAT.invokeExact(e, dirfd, p, mode, 0));
    }

    /** fchownat(2); ids are unsigned 32-bit values passed as their bits. */
    static void fchownat(int dirfd, byte[] path, long uid, long gid, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "fchownat", shown);
        call(s, "fchownat", shown, false, e -> (int) FCHOWNAT.invokeExact(e, dirfd, p, (int) uid, (int) gid, flags));
    }

    /** Sets the modification time and leaves the access time as it is. */
    static void utimensat(int dirfd, byte[] path, java.nio.file.attribute.FileTime time, int flags, String shown)
            throws IOException {
        long total = time.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long seconds = Math.floorDiv(total, 1_000_000_000L);
        long nanos = Math.floorMod(total, 1_000_000_000L);
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "utimensat", shown);
        MemorySegment times = s.struct;
        times.set(JAVA_LONG, 0, 0);
        times.set(JAVA_LONG, 8, (1L << 30) - 2); // UTIME_OMIT for the access time
        times.set(JAVA_LONG, 16, seconds);
        times.set(JAVA_LONG, 24, nanos);
        call(s, "utimensat", shown, false, e -> (int) UTIMENSAT.invokeExact(e, dirfd, p, times, flags));
    }

    /** futimens(3): the modification time of an open file (glibc's utimensat refuses a NULL path). */
    static void futimens(int fd, java.nio.file.attribute.FileTime time, String shown) throws IOException {
        long total = time.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        Scratch s = scratch();
        MemorySegment times = s.struct;
        times.set(JAVA_LONG, 0, 0);
        times.set(JAVA_LONG, 8, (1L << 30) - 2); // UTIME_OMIT for the access time
        times.set(JAVA_LONG, 16, Math.floorDiv(total, 1_000_000_000L));
        times.set(JAVA_LONG, 24, Math.floorMod(total, 1_000_000_000L));
        call(s, "futimens", shown, false, e -> (int) FUTIMENS.invokeExact(e, fd, times));
    }

    static void fchmod(int fd, int mode, String shown) throws IOException {
        call(scratch(), "fchmod", shown, false, e -> (int) FCHMOD.invokeExact(e, fd, mode));
    }

    static void fchown(int fd, long uid, long gid, String shown) throws IOException {
        call(scratch(), "fchown", shown, false, e -> (int) FCHOWN.invokeExact(e, fd, (int) uid, (int) gid));
    }

    static byte[] readlinkat(int dirfd, byte[] path, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "readlinkat", shown);
        long n = call(s, "readlinkat", shown, false,
                e -> (long) READLINKAT.invokeExact(e, dirfd, p, s.path2, (long) Scratch.PATH_MAX));
        return s.path2.asSlice(0, n).toArray(JAVA_BYTE);
    }

    static long getdents64(int fd, MemorySegment buffer, String shown) throws IOException {
        return call(scratch(), "getdents64", shown, false,
                e -> (long) GETDENTS64.invokeExact(e, fd, buffer, buffer.byteSize()));
    }

    static long read(int fd, MemorySegment buffer, String shown) throws IOException {
        return call(scratch(), "read", shown, true, e -> (long) READ.invokeExact(e, fd, buffer, buffer.byteSize()));
    }

    static void fsync(int fd, String shown) throws IOException {
        call(scratch(), "fsync", shown, false, e -> (int) FSYNC.invokeExact(e, fd));
    }

    static void syncfs(int fd, String shown) throws IOException {
        call(scratch(), "syncfs", shown, false, e -> (int) SYNCFS.invokeExact(e, fd));
    }

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_BIND = 4096;
    static final long MS_RELATIME = 1L << 21;

    /** statvfs(3)'s f_flag bits for the per-mount flags (ST_*; not the MS_* numbers for relatime). */
    static final long ST_NOSUID = 2;
    static final long ST_NODEV = 4;
    static final long ST_NOEXEC = 8;
    static final long ST_NOATIME = 1024;
    static final long ST_NODIRATIME = 2048;
    static final long ST_RELATIME = 4096;

    /**
     * statvfs(3)'s f_flag for the mount {@code path} is on. struct statvfs on 64-bit Linux (x86_64,
     * aarch64): eleven 8-byte fields, f_flag the tenth, at offset 72.
     */
    static long statvfsFlags(byte[] path, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "statvfs", shown);
        call(s, "statvfs", shown, true, e -> (int) STATVFS.invokeExact(e, p, s.struct));
        return s.struct.get(JAVA_LONG, 72);
    }
    static final int MNT_DETACH = 2;

    /** mount(2) without a filesystem type or data: binds and remounts. {@code source} may be null. */
    static void mount(byte[] source, byte[] target, long flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment src = source == null ? MemorySegment.NULL : name1(s, source, "mount", shown);
        MemorySegment dst = name2(s, target, "mount", shown);
        call(s, "mount", shown, false, e -> (int) MOUNT.invokeExact(e, src, dst, MemorySegment.NULL, flags, MemorySegment.NULL));
    }

    static void umount2(byte[] target, int flags, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment dst = name1(s, target, "umount2", shown);
        call(s, "umount2", shown, false, e -> (int) UMOUNT2.invokeExact(e, dst, flags));
    }

    /** ioctl(2) with an integer or pointer argument. */
    static int ioctl(int fd, long request, long argument, String shown) throws IOException {
        return (int) call(scratch(), "ioctl", shown, false, e -> (int) IOCTL.invokeExact(e, fd, request, argument));
    }

    /** close(2); never retried (on Linux the descriptor is gone even when close reports EINTR). */
    static void close(int fd) {
        Scratch s = scratch();
        try {
            int rc = (int) CLOSE.invokeExact(s.errno, fd);
            if (rc < 0 && s.errno() != EINTR) {
                throw new IllegalStateException("close(" + fd + "): " + Errno.of(s.errno()).describe());
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** strerror(3) in the process's current locale: what the JDK's own messages say for that errno. */
    static String strerror(int number) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(number);
            return text.getString(0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- The new mount API (issue 22: EROFS volumes): a filesystem is configured through a context
    // fd (fsopen, fsconfig), made a detached mount (fsmount) and attached where wanted (move_mount), so
    // nothing but the volume itself is ever attached. Syscall numbers are the same on every
    // architecture (the shared table after 5.1); O_PATH too on x86_64 and aarch64.

    private static final long SYS_MOVE_MOUNT = 429;
    private static final long SYS_FSOPEN = 430;
    private static final long SYS_FSCONFIG = 431;
    private static final long SYS_FSMOUNT = 432;
    static final int FSCONFIG_SET_FLAG = 0;
    static final int FSCONFIG_SET_STRING = 1;
    static final int FSCONFIG_SET_FD = 5;
    static final int FSCONFIG_CMD_CREATE = 6;
    static final int FSOPEN_CLOEXEC = 1;
    static final int FSMOUNT_CLOEXEC = 1;
    static final long MOUNT_ATTR_RDONLY = 0x1;
    static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    static final int O_PATH = 010000000;

    private static final MethodHandle SYSCALL_FSOPEN = errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL_FSCONFIG = errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL_FSMOUNT = errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL_MOVE_MOUNT = errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG), 1);

    /** fsopen(2): a filesystem context for {@code fsType} ("erofs", "overlay"), close-on-exec. */
    static int fsopen(String fsType, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment name = name1(s, fsType.getBytes(java.nio.charset.StandardCharsets.UTF_8), "fsopen", shown);
        return (int) call(s, "fsopen", shown, false,
                e -> (long) SYSCALL_FSOPEN.invokeExact(e, SYS_FSOPEN, name, (long) FSOPEN_CLOEXEC));
    }

    /**
     * fsconfig(2): {@code key} set to {@code value} (SET_STRING), to the descriptor {@code aux}
     * (SET_FD, value null), as a flag (SET_FLAG), or the CMD_CREATE command (key and value null).
     */
    static void fsconfig(int fsFd, int command, String key, String value, int aux, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment k = key == null ? MemorySegment.NULL
                : name1(s, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), "fsconfig", shown);
        MemorySegment v = value == null ? MemorySegment.NULL
                : name2(s, value.getBytes(java.nio.charset.StandardCharsets.UTF_8), "fsconfig", shown);
        call(s, "fsconfig", shown, false,
                e -> (long) SYSCALL_FSCONFIG.invokeExact(e, SYS_FSCONFIG, (long) fsFd, (long) command, k, v, (long) aux));
    }

    /** fsmount(2): the configured filesystem as a detached mount, close-on-exec; {@code attributes} MOUNT_ATTR_*. */
    static int fsmount(int fsFd, long attributes, String shown) throws IOException {
        return (int) call(scratch(), "fsmount", shown, false,
                e -> (long) SYSCALL_FSMOUNT.invokeExact(e, SYS_FSMOUNT, (long) fsFd, (long) FSMOUNT_CLOEXEC, attributes));
    }

    /** move_mount(2) of the detached mount {@code mountFd} onto {@code target}. */
    static void moveMount(int mountFd, byte[] target, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment empty = name1(s, new byte[0], "move_mount", shown);
        MemorySegment to = name2(s, target, "move_mount", shown);
        call(s, "move_mount", shown, false, e -> (long) SYSCALL_MOVE_MOUNT.invokeExact(e, SYS_MOVE_MOUNT,
                (long) mountFd, empty, (long) AT_FDCWD, to, (long) MOVE_MOUNT_F_EMPTY_PATH));
    }

    /** The kernel's messages about a failed fsconfig (read(2) of the context fd), or "" when it has none. */
    static String fsContextLog(int fsFd) {
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            Scratch s = scratch();
            for (int i = 0; i < 8; i++) {
                long n = (long) READ.invokeExact(s.errno, fsFd, buf, 1024L);
                if (n <= 0) {
                    break;
                }
                byte[] line = buf.asSlice(0, n).toArray(JAVA_BYTE);
                out.append(out.isEmpty() ? "" : "; ").append(new String(line, java.nio.charset.StandardCharsets.UTF_8).strip());
            }
        } catch (Throwable t) {
            return out.toString();
        }
        return out.toString();
    }

    // ---- Extended attributes (issue 22): an EROFS image's overlay attributes read back through the kernel.

    private static final MethodHandle LGETXATTR = errnoCall("lgetxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), -1);
    /** The same on x86_64 and aarch64: the file has no attribute of that name. */
    private static final int ENODATA = 61;
    private static final int XATTR_SIZE_MAX = 65536;

    /** lgetxattr(2): the value, or null when the file has no such attribute (ENODATA). */
    static byte[] lgetxattr(byte[] path, String name, String shown) throws IOException {
        Scratch s = scratch();
        MemorySegment p = name1(s, path, "lgetxattr", shown);
        MemorySegment n = name2(s, name.getBytes(java.nio.charset.StandardCharsets.UTF_8), "lgetxattr", shown);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(XATTR_SIZE_MAX);
            long rc = (long) LGETXATTR.invokeExact(s.errno, p, n, value, (long) XATTR_SIZE_MAX);
            if (rc >= 0) {
                return value.asSlice(0, rc).toArray(JAVA_BYTE);
            }
            if (s.errno() == ENODATA) {
                return null;
            }
            throw SystemCallFailure.of("lgetxattr", s.errno(), shown);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
