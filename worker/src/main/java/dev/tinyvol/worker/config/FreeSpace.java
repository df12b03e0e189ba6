package dev.tinyvol.worker.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of free space, as a size ({@code 20GiB}, {@code 500MB}, bytes without a unit) or as a
 * share of the filesystem ({@code 5%}); zero means "never".
 */
public record FreeSpace(long bytes, double percent) {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(%|B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?",
            Pattern.CASE_INSENSITIVE);

    public static final FreeSpace NEVER = new FreeSpace(0, 0);

    public static FreeSpace parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a size (e.g. 20GiB, 500MB) or a share (e.g. 5%)");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        if (unit.equals("%")) {
            if (n > 100) {
                throw new IllegalArgumentException("\"" + text + "\" is more than 100%");
            }
            return new FreeSpace(0, n);
        }
        long factor = switch (unit) {
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            default -> 1L;
        };
        return new FreeSpace((long) (n * factor), 0);
    }

    public boolean never() {
        return bytes == 0 && percent == 0;
    }

    /** Whether {@code usable} free bytes of a filesystem of {@code total} bytes fall short of this. */
    public boolean isShort(long usable, long total) {
        if (never()) {
            return false;
        }
        long threshold = percent > 0 ? (long) (total * percent / 100) : bytes;
        return usable < threshold;
    }

    @Override
    public String toString() {
        if (percent > 0) {
            return (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
        }
        return bytes % (1L << 30) == 0 && bytes > 0 ? bytes / (1L << 30) + "GiB"
                : bytes % (1L << 20) == 0 && bytes > 0 ? bytes / (1L << 20) + "MiB" : String.valueOf(bytes);
    }
}
