package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.progress.Progress;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of long work on stderr. On a terminal, a bar redrawn in place every 200 ms from the
 * first 200 ms: phase, done/total, percent, rate, ETA and elapsed time. Without a terminal (a log,
 * a pipe), a plain line every few seconds, so logs stay readable. Work that ends sooner shows
 * nothing. The rate is measured over the last few seconds, so the ETA follows the work's current
 * pace, and says {@code ETA ?} rather than a made-up figure while nothing moves.
 */
final class ConsoleProgress implements Progress, AutoCloseable {

    private static final long TERMINAL_PERIOD_MS = 200;
    private static final long LOG_PERIOD_MS = 5_000;
    private static final long RATE_WINDOW_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final ScheduledExecutorService ticker;
    private final long start = System.nanoTime();
    /** (time, done) samples of the current phase, oldest first, for the rate. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private volatile String phase = "";
    private volatile long done;
    private volatile long total = -1;
    private volatile String detail = "";
    private String shownPhase;
    private int shownWidth;

    ConsoleProgress(PrintWriter err, boolean enabled) {
        this(err, enabled, System.console() != null);
    }

    ConsoleProgress(PrintWriter err, boolean enabled, boolean terminal) {
        this(err, enabled, terminal, terminal ? TERMINAL_PERIOD_MS : LOG_PERIOD_MS);
    }

    /** @param period how often to draw, in milliseconds (tests use a short one) */
    ConsoleProgress(PrintWriter err, boolean enabled, boolean terminal, long period) {
        this.err = err;
        this.terminal = terminal;
        if (enabled) {
            this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tinyvol-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::print, period, period, TimeUnit.MILLISECONDS);
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

    /** Words after the figures, e.g. "2 failed, 53 pending" for a fleet. */
    void detail(String detail) {
        this.detail = detail;
    }

    private synchronized void print() {
        String p = phase;
        if (p.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (!p.equals(shownPhase)) {
            if (shownPhase != null && terminal) {
                err.println(); // the last phase's bar stays on screen, finished
            }
            shownPhase = p;
            shownWidth = 0;
            samples.clear();
        }
        String line = render(p, done, total, rate(now, done), (now - start) / 1_000_000_000L, detail);
        if (terminal) {
            // Pad over what a longer previous line left behind.
            err.print("\r" + line + " ".repeat(Math.max(0, shownWidth - line.length())));
            shownWidth = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Items per second over the last few seconds of this phase, or 0 while nothing moved. */
    private double rate(long now, long doneNow) {
        samples.addLast(new long[] {now, doneNow});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        if (samples.size() < 2 || seconds <= 0) {
            // One sample: the average since start is the best guess.
            double sinceStart = (now - start) / 1e9;
            return sinceStart > 0 ? doneNow / sinceStart : 0;
        }
        return (doneNow - first[1]) / seconds;
    }

    /** {@code linking [######......]  45,568/100,000  45%  52,310/s  ETA 1s  elapsed 1s}. */
    static String render(String phase, long done, long total, double rate, long elapsedSeconds, String detail) {
        StringBuilder line = new StringBuilder(phase);
        if (total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
            line.append(" [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("]");
            line.append(String.format(Locale.ROOT, "  %,d/%,d  %d%%", done, total, done * 100 / total));
        } else {
            line.append(String.format(Locale.ROOT, "  %,d", done));
        }
        line.append(String.format(Locale.ROOT, "  %,.0f/s", rate));
        if (total > 0 && done < total) {
            line.append("  ETA ").append(rate > 0 ? Output.seconds(Math.round((total - done) / rate)) : "?");
        }
        line.append("  elapsed ").append(Output.seconds(elapsedSeconds));
        if (!detail.isEmpty()) {
            line.append("  ").append(detail);
        }
        return line.toString();
    }

    @Override
    public synchronized void close() {
        if (ticker == null) {
            return;
        }
        ticker.shutdownNow();
        if (shownPhase != null) {
            // The final figures, so the last line shows where the work ended.
            String line = render(phase, done, total, rate(System.nanoTime(), done), (System.nanoTime() - start) / 1_000_000_000L, detail);
            err.println(terminal ? "\r" + line + " ".repeat(Math.max(0, shownWidth - line.length())) : line);
            err.flush();
        }
    }
}
