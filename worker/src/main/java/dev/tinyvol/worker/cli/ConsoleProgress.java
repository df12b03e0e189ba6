package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.progress.Progress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shows progress of long work on stderr: nothing for work that ends within a second, then a line
 * every second (rewritten in place on a terminal), and a final line when done.
 */
final class ConsoleProgress implements Progress, AutoCloseable {

    private final PrintWriter err;
    private final boolean terminal = System.console() != null;
    private final ScheduledExecutorService ticker;
    private final long start = System.nanoTime();
    private volatile String phase = "";
    private volatile long done;
    private volatile long total = -1;
    private volatile boolean printed;

    ConsoleProgress(PrintWriter err, boolean enabled) {
        this.err = err;
        if (enabled) {
            this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tinyvol-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
        } else {
            this.ticker = null;
        }
    }

    @Override
    public void update(String phase, long done, long total) {
        this.phase = phase;
        this.done = done;
        this.total = total;
    }

    private synchronized void print() {
        double seconds = (System.nanoTime() - start) / 1e9;
        String line = total > 0
                ? String.format(Locale.ROOT, "%s %,d/%,d (%d%%) %.0fs", phase, done, total, done * 100 / total, seconds)
                : String.format(Locale.ROOT, "%s %,d %.0fs", phase, done, seconds);
        err.print(terminal ? "\r" + line + "   " : line + System.lineSeparator());
        err.flush();
        printed = true;
    }

    @Override
    public synchronized void close() {
        if (ticker == null) {
            return;
        }
        ticker.shutdownNow();
        if (printed && terminal) {
            err.println();
            err.flush();
        }
    }
}
