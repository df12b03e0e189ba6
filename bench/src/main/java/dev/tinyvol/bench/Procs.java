package dev.tinyvol.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What /proc says about processes: CPU time, resident memory, open files (Linux). */
final class Procs {

    /** Linux's USER_HZ: /proc/PID/stat counts CPU time in these. */
    private static final double TICKS_PER_SECOND = 100.0;

    private Procs() {
    }

    record Usage(double cpuSeconds, long wallNanos) {
    }

    /** User + system CPU time of these processes so far. */
    static Usage usage(List<Long> pids) {
        double seconds = 0;
        for (long pid : pids) {
            String stat = read(pid, "stat");
            // The command name is in parentheses and may hold spaces: count fields after its ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            seconds += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        }
        return new Usage(seconds, System.nanoTime());
    }

    /** Resident memory of these processes together, in MiB. */
    static long rssMib(List<Long> pids) {
        long kib = 0;
        for (long pid : pids) {
            kib += read(pid, "status").lines().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).sum();
        }
        return kib / 1024;
    }

    static long openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(long pid, String file) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/" + file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
