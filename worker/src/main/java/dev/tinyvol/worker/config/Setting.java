package dev.tinyvol.worker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One worker setting, declared once: its key, type, default, validation and documentation, as
 * Kafka's {@code ConfigDef} declares a client's. Parsing, environment overrides, the shipped
 * {@code config/worker.properties}, {@code worker --help-config}, the unknown-key warning and the
 * start-up log of effective settings all come from these declarations ({@link WorkerSettings}).
 *
 * @param key          the properties key, e.g. {@code retry.backoff}
 * @param type         how the text is read
 * @param defaultValue the value when the key is absent; null for a required key (or one whose
 *                     default depends on others, see {@code defaultText})
 * @param defaultText  how the default reads in documentation ("the number of CPUs, at least 2")
 * @param example      the value the shipped file shows for a required or computed key, or null
 * @param doc          what it does, for people
 */
public record Setting<T>(String key, Type<T> type, T defaultValue, String defaultText, String example, String doc,
                         Validator<T> validator, boolean required) {

    /** Reads a value; {@link IllegalArgumentException}'s message says what is wrong with it. */
    public record Type<T>(String name, Function<String, T> parser, Function<T, String> formatter) {
        public static final Type<String> STRING = new Type<>("text", s -> s, s -> s);
        public static final Type<Path> PATH = new Type<>("path", Path::of, Path::toString);
        public static final Type<Integer> INT = new Type<>("whole number", s -> {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + s + "\" is not a whole number");
            }
        }, String::valueOf);
        public static final Type<Boolean> BOOLEAN = new Type<>("true or false", s -> {
            if (!s.equals("true") && !s.equals("false")) {
                throw new IllegalArgumentException("\"" + s + "\" is not true or false");
            }
            return Boolean.parseBoolean(s);
        }, String::valueOf);
        public static final Type<Duration> DURATION = new Type<>("duration", Durations::parse, Durations::format);
        public static final Type<FreeSpace> FREE_SPACE = new Type<>("size or share", FreeSpace::parse, FreeSpace::toString);
        /** A number of bytes, written as FreeSpace reads sizes (4MiB, 64KiB, 500MB, bytes without a unit). */
        public static final Type<Long> SIZE = new Type<>("size", text -> {
            FreeSpace f = FreeSpace.parse(text);
            if (f.percent() > 0) {
                throw new IllegalArgumentException("\"" + text + "\" is a share; give a size such as 4MiB or 64KiB");
            }
            return f.bytes();
        }, Type::formatSize);

        private static String formatSize(Long bytes) {
            for (String unit : new String[] {"TiB", "GiB", "MiB", "KiB"}) {
                long factor = 1L << (10 * (unit.equals("TiB") ? 4 : unit.equals("GiB") ? 3 : unit.equals("MiB") ? 2 : 1));
                if (bytes >= factor && bytes % factor == 0) {
                    return bytes / factor + unit;
                }
            }
            return String.valueOf(bytes);
        }
    }

    /** Checks a parsed value; returns null when it is fine, else what is wrong and what to give instead. */
    @FunctionalInterface
    public interface Validator<T> {
        String problemWith(T value);

        static <T> Validator<T> any() {
            return v -> null;
        }

        static Validator<Integer> range(int min, int max) {
            return n -> n < min || n > max ? n + " is out of range: give a whole number from " + min + " to " + max : null;
        }

        static Validator<String> pattern(Pattern pattern, String rule) {
            return s -> pattern.matcher(s).matches() ? null : "\"" + s + "\" " + rule;
        }

        static Validator<Long> sizeRange(long min, long max) {
            return n -> n < min || n > max ? n + " bytes is out of range: give a size from " + Type.formatSize(min) + " to "
                    + Type.formatSize(max) : null;
        }

        static Validator<Duration> atLeast(Duration min) {
            return d -> d.compareTo(min) < 0 ? Durations.format(d) + " is too short: give at least " + Durations.format(min) : null;
        }
    }

    /** Parses and validates {@code raw}; a problem becomes a {@link ConfigException} naming the key. */
    public T parse(String raw) {
        T value;
        try {
            value = type.parser().apply(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        String problem = validator.problemWith(value);
        if (problem != null) {
            throw new ConfigException(key, problem);
        }
        return value;
    }

    /** The environment variable that overrides this setting. */
    public String environmentVariable() {
        return WorkerSettings.envOf(key);
    }

    public String format(T value) {
        return value == null ? "(none)" : type.formatter().apply(value);
    }

    /** How the default reads in documentation. */
    public String describeDefault() {
        if (defaultText != null) {
            return defaultText;
        }
        return defaultValue == null ? "none (required)" : format(defaultValue);
    }
}
