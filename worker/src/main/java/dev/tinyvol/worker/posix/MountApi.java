package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The new mount API for callers outside this package (EROFS volumes, issue 22): a filesystem made
 * from a context fd and attached only once it is whole. Descriptors are plain ints the caller closes
 * with {@link #close}; a failed fsconfig's message carries the kernel's own words from the context.
 */
public final class MountApi {

    private MountApi() {
    }

    public static int open(String fsType) throws IOException {
        return Native.fsopen(fsType, fsType);
    }

    public static void setString(int fsFd, String key, String value) throws IOException {
        try {
            Native.fsconfig(fsFd, Native.FSCONFIG_SET_STRING, key, value, 0, key + "=" + value);
        } catch (IOException e) {
            throw withKernelLog(e, fsFd);
        }
    }

    public static void setFd(int fsFd, String key, int fd) throws IOException {
        try {
            Native.fsconfig(fsFd, Native.FSCONFIG_SET_FD, key, null, fd, key + "=<fd " + fd + ">");
        } catch (IOException e) {
            throw withKernelLog(e, fsFd);
        }
    }

    public static void setFlag(int fsFd, String key) throws IOException {
        try {
            Native.fsconfig(fsFd, Native.FSCONFIG_SET_FLAG, key, null, 0, key);
        } catch (IOException e) {
            throw withKernelLog(e, fsFd);
        }
    }

    /** Creates the superblock (FSCONFIG_CMD_CREATE) and returns it as a detached mount, read-only if asked. */
    public static int create(int fsFd, boolean readOnly, String shown) throws IOException {
        try {
            Native.fsconfig(fsFd, Native.FSCONFIG_CMD_CREATE, null, null, 0, shown);
            return Native.fsmount(fsFd, readOnly ? Native.MOUNT_ATTR_RDONLY : 0, shown);
        } catch (IOException e) {
            throw withKernelLog(e, fsFd);
        }
    }

    public static void attach(int mountFd, Path target) throws IOException {
        Native.moveMount(mountFd, target.toString().getBytes(StandardCharsets.UTF_8), target.toString());
    }

    /** An O_PATH descriptor of a directory: names it for fsconfig without opening its content. */
    public static int openPath(Path dir) throws IOException {
        return Native.openat(Native.AT_FDCWD, dir.toString().getBytes(StandardCharsets.UTF_8),
                Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, 0, dir.toString());
    }

    public static void close(int fd) {
        Native.close(fd);
    }

    private static IOException withKernelLog(IOException e, int fsFd) {
        String log = Native.fsContextLog(fsFd);
        return log.isEmpty() ? e : new IOException(e.getMessage() + " (kernel: " + log + ")", e);
    }
}
