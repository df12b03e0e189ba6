package dev.tinyvol.client;

import java.time.Duration;
import java.util.Locale;

/** Durations for people: {@code 6 s}, {@code 1.5 s}, {@code 2 min}, never Java's {@code PT6S}. */
public final class Durations {

    private Durations() {
    }

    public static String words(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 1000 != 0 && ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 120 || s % 60 != 0) {
            return s + " s";
        }
        return s / 60 + " min";
    }
}
