package dev.tinyvol.worker.posix;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The attributes TinyVol gives a file and later checks it still has: the twelve mode bits, the
 * owner and the modification time. The one place that knows the order they are set in (owner
 * first, since chown clears setuid and setgid; then the mode; the mtime last, since chown and chmod
 * leave it alone) and how a file on disk is compared with them, so a CAS instance, a clone, a
 * copy and a repair are all given, and checked for, the same thing.
 */
public record FileAttributes(int mode, long uid, long gid, FileTime modified) {

    /** What part of the attributes differs. */
    public enum Field { MODE, OWNER, MTIME }

    /** One attribute a file does not have, said for a person ("mode 4755, not 0755"). */
    public record Difference(Field field, String detail) {
        @Override
        public String toString() {
            return detail;
        }
    }

    /**
     * Gives a file this process has just created these attributes. Its owner is then this process's,
     * root on a fleet node, so the chown is left out for root-owned attributes: one system call
     * less per blob on an ingest or pull.
     */
    public void applyToNew(Path path) throws IOException {
        apply(path, false);
    }

    /** Gives a file that may belong to anyone these attributes (a repair). */
    public void applyTo(Path path) throws IOException {
        apply(path, true);
    }

    private void apply(Path path, boolean anyOwner) throws IOException {
        if (anyOwner || uid != 0 || gid != 0) {
            PosixFiles.lchown(path, uid, gid);
        }
        PosixFiles.chmod(path, mode);
        PosixFiles.setModifiedTime(path, modified);
    }

    /** As {@link #applyToNew(Path)}, through an open descriptor of the new file (no path looked up again). */
    void applyToNew(int fd, String shown) throws IOException {
        if (uid != 0 || gid != 0) {
            Native.fchown(fd, uid, gid, shown);
        }
        Native.fchmod(fd, mode & 07777, shown);
        Native.futimens(fd, modified, shown);
    }

    /** Every attribute {@code stat} does not match, in the order above; empty if it has them all. */
    public List<Difference> differences(Stat stat) {
        List<Difference> found = new ArrayList<>(1);
        if (stat.permissions() != mode) {
            found.add(new Difference(Field.MODE, "mode " + octal(stat.permissions()) + ", not " + octal(mode)));
        }
        if (stat.uid() != uid || stat.gid() != gid) {
            found.add(new Difference(Field.OWNER, "owner " + stat.uid() + ":" + stat.gid() + ", not " + uid + ":" + gid));
        }
        if (!stat.modified().equals(modified)) {
            found.add(new Difference(Field.MTIME, "mtime " + stat.modified() + ", not " + modified));
        }
        return found;
    }

    /** True if {@code stat} has every one of these attributes (no list built: the common case, once per blob). */
    public boolean matches(Stat stat) {
        return stat.permissions() == mode && stat.uid() == uid && stat.gid() == gid && stat.modified().equals(modified);
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
