package dev.tinyvol.worker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real filesystem mounted for a test (tests run as root, as fleet workers do): a small tmpfs, a
 * read-only one, or an ext4 image on a loop device. Closing unmounts it.
 */
public final class Mount implements AutoCloseable {

    private final Path point;
    private final Path image;

    private Mount(Path point, Path image) {
        this.point = point;
        this.image = image;
    }

    /** {@code mount -t tmpfs -o OPTIONS tmpfs POINT}, e.g. options {@code size=1m} or {@code ro}. */
    public static Mount tmpfs(Path point, String options) throws IOException {
        Files.createDirectories(point);
        run("mount", "-t", "tmpfs", "-o", options, "tinyvol-test", point.toString());
        return new Mount(point, null);
    }

    /** A fresh ext4 filesystem of {@code megabytes} on a loop device: ext4's 65,000-link limit applies. */
    public static Mount ext4(Path image, Path point, int megabytes) throws IOException {
        Files.createDirectories(point);
        run("truncate", "-s", megabytes + "M", image.toString());
        run("mkfs.ext4", "-q", "-F", image.toString());
        run("mount", "-o", "loop", image.toString(), point.toString());
        return new Mount(point, image);
    }

    /** A fresh XFS (mkfs.xfs's defaults: reflink on) on a loop device; XFS needs at least 300 MB. */
    public static Mount xfs(Path image, Path point, int megabytes) throws IOException {
        return loop("mkfs.xfs", image, point, Math.max(300, megabytes), "-q", "-f");
    }

    /** A fresh btrfs on a loop device (clones always work there). */
    public static Mount btrfs(Path image, Path point, int megabytes) throws IOException {
        return loop("mkfs.btrfs", image, point, Math.max(128, megabytes), "-q", "-f");
    }

    private static Mount loop(String mkfs, Path image, Path point, int megabytes, String... options) throws IOException {
        Files.createDirectories(point);
        run("truncate", "-s", megabytes + "M", image.toString());
        String[] command = new String[options.length + 2];
        command[0] = mkfs;
        System.arraycopy(options, 0, command, 1, options.length);
        command[command.length - 1] = image.toString();
        run(command);
        run("mount", "-o", "loop", image.toString(), point.toString());
        return new Mount(point, image);
    }

    public Path point() {
        return point;
    }

    public void remount(String options) throws IOException {
        run("mount", "-o", "remount," + options, point.toString());
    }

    @Override
    public void close() throws IOException {
        run("umount", point.toString());
        if (image != null) {
            Files.deleteIfExists(image);
        }
    }

    public static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", List.of(command)) + " failed: " + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command[0], e);
        }
    }

    /** Every path under {@code root} with its type and mode, for before/after comparisons. */
    public static List<String> snapshot(Path root) throws IOException {
        List<String> lines = new ArrayList<>(List.of(run("find", root.toString(), "-printf", "%y %m %s %i %p\\n").split("\n")));
        lines.sort(null);
        return lines;
    }
}
