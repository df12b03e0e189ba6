package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.config.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values checked by picocli while it parses, so a bad one is a usage error (exit 2, one line
 * naming the option) before any work or wait starts, never an exception from inside a command.
 */
final class Converters {

    private Converters() {
    }

    /** Every {@link Duration} option: 250ms, 90s, 5m, 2h, 7d. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Counts that must be at least 1 (threads, files, rounds). */
    static final class PositiveCount implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (n < 1) {
                throw new TypeConversionException(n + " is not a positive count: give 1 or more");
            }
            return n;
        }
    }

    /** A node id: it names Kafka topics, so the worker's own rule for its {@code node} setting. */
    static final class NodeId implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String problem = dev.tinyvol.worker.config.WorkerSettings.NODE.validator().problemWith(value.strip());
            if (problem != null) {
                throw new TypeConversionException("node id " + problem);
            }
            return value.strip();
        }
    }

    static void register(CommandLine cli) {
        cli.registerConverter(Duration.class, new DurationConverter());
    }

    /** auto, clone, hardlink or copy; anything else is a usage error naming the four. */
    static final class ImportMethodName implements ITypeConverter<dev.tinyvol.worker.assembly.ImportMethod> {
        @Override
        public dev.tinyvol.worker.assembly.ImportMethod convert(String value) {
            try {
                return dev.tinyvol.worker.assembly.ImportMethod.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
