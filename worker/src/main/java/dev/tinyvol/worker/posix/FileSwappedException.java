package dev.tinyvol.worker.posix;

import java.io.IOException;

/**
 * The file opened at a name is not the one examined there a moment before: something (a workload
 * in a volume) replaced it in between. Not an I/O failure: a finding about the tree.
 */
public final class FileSwappedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Stat examined;
    private final transient Stat opened;

    public FileSwappedException(String shown, Stat examined, Stat opened) {
        super(shown + " was replaced between its check and its open: " + describe(examined) + " when checked, "
                + describe(opened) + " when opened");
        this.examined = examined;
        this.opened = opened;
    }

    public Stat examined() {
        return examined;
    }

    public Stat opened() {
        return opened;
    }

    /** "a regular file (inode 12)", "a FIFO (inode 13)". */
    public static String describe(Stat stat) {
        return Stat.typeOf(stat.mode()) + " (inode " + stat.inode() + ")";
    }
}
