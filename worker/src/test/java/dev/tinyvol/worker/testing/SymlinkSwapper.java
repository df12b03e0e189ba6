package dev.tinyvol.worker.testing;

import dev.tinyvol.worker.posix.DirFd;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A hostile workload, run as its own process: it holds the volume's directory open (as a process
 * whose working directory is inside it would) and, until the directory is removed or the time runs
 * out, or its standard input closes, keeps swapping the given directories for symlinks to {@code outside} and back. Prints
 * "started" after the first swap and "swaps N" at the end.
 *
 * <p>Usage: {@code SymlinkSwapper VOLUME OUTSIDE MAX_MILLIS DIR...}
 */
public final class SymlinkSwapper {

    public static void main(String[] args) throws Exception {
        Path volume = Path.of(args[0]);
        String outside = args[1];
        long until = System.currentTimeMillis() + Long.parseLong(args[2]);
        List<String> dirs = List.of(args).subList(3, args.length);
        long swaps = 0;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread stdin = new Thread(() -> {
            try {
                System.in.readAllBytes();
            } catch (IOException e) {
                // Treated as closed.
            }
            stop.set(true);
        });
        stdin.setDaemon(true);
        stdin.start();
        try (DirFd root = DirFd.open(volume)) {
            while (!stop.get() && System.currentTimeMillis() < until && root.stat().links() > 0) {
                for (String dir : dirs) {
                    if (swap(root, dir, outside) && ++swaps == 1) {
                        System.out.println("started");
                        System.out.flush();
                    }
                }
            }
        }
        System.out.println("swaps " + swaps);
    }

    /** dir → dir.away, a symlink to outside in its place, then back. Fails quietly as the tree vanishes. */
    private static boolean swap(DirFd root, String dir, String outside) {
        String away = dir + ".away";
        try {
            root.rename(dir, root, away, DirFd.RenameMode.NO_REPLACE);
        } catch (IOException e) {
            return false;
        }
        boolean swapped = false;
        try {
            root.symlink(outside, dir);
            swapped = true;
            Thread.onSpinWait();
            root.unlink(dir);
        } catch (IOException e) {
            // The walk may have removed it already.
        }
        try {
            root.rename(away, root, dir, DirFd.RenameMode.NO_REPLACE);
        } catch (IOException e) {
            // Removed by the walk meanwhile.
        }
        return swapped;
    }
}
