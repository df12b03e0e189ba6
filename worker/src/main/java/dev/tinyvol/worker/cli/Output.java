package dev.tinyvol.worker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** How commands print: JSON for machines ({@code --json}), aligned text for people. */
final class Output {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private Output() {
    }

    static void json(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a report could not be written as JSON", e);
        }
        out.flush();
    }

    /** A failure for machines: {@code {"error": {"code": …, "message": …, "path": …}}}. */
    record ErrorReport(Error error) {
        record Error(String code, String message, String path) {
        }
    }

    static String errorJson(String code, String message, String path) {
        try {
            return JSON.writeValueAsString(new ErrorReport(new ErrorReport.Error(code, message, path)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error could not be written as JSON", e);
        }
    }

    static void line(PrintWriter out, String label, Object value) {
        out.printf("  %-14s %s%n", label, value);
    }

    static void warnings(PrintWriter out, List<String> warnings) {
        for (String w : warnings) {
            out.println("  warning: " + w);
        }
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String millis(long ms) {
        return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 1h02m}: short enough for a progress bar. */
    static String seconds(long s) {
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    static String rate(long items, long ms) {
        return ms <= 0 ? "-" : String.format(Locale.ROOT, "%,.0f/s", items * 1000.0 / ms);
    }
}
