package dev.tinyvol.worker.config;

import dev.tinyvol.messages.event.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The worker's typed, validated configuration. Read from a Java properties file; every key can be
 * overridden by an environment variable named {@code TINYVOL_} + the key in upper case with dots as
 * underscores ({@code kafka.bootstrap.servers} → {@code TINYVOL_KAFKA_BOOTSTRAP_SERVERS}). Keys under
 * {@code kafka.} go unchanged (less the prefix) to the Kafka clients, so SASL and SSL settings work.
 *
 * @param node             this node's id; names its topics, consumer group and transactional id
 * @param concurrency      requests executed at once (different volumes; one volume is always in order)
 * @param maxAttempts      tries of a request whose failure may pass (1 = no retry)
 * @param retryBackoff     first wait before a retry; doubles each time, with jitter
 * @param maxBuffered      requests read but not yet answered before consumption pauses
 * @param shutdownGrace    how long SIGTERM waits for running requests before abandoning them
 * @param answerRetention  how long answers are kept to serve repeated requestIds
 */
public record WorkerConfig(String node, Path casDir, Path volumesDir, int httpPort, String requestsTopic,
                           String resultsTopic, String deadLetterTopic, boolean createTopics, int requestPartitions,
                           int resultsPartitions, short replicationFactor, int concurrency, int fileThreads,
                           int maxAttempts, Duration retryBackoff, int maxBuffered, Duration shutdownGrace,
                           Duration answerRetention, Map<String, String> kafka) {

    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    public WorkerConfig {
        kafka = Map.copyOf(kafka);
    }

    /** Reads {@code file}, then the environment, and checks every key. */
    public static WorkerConfig load(Path file, Map<String, String> environment) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "no such file " + file + "; start from config/worker.properties");
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        return from(props, environment);
    }

    public static WorkerConfig from(Properties file, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>();
        file.stringPropertyNames().forEach(k -> values.put(k, file.getProperty(k).strip()));
        environment.forEach((name, value) -> {
            if (name.startsWith("TINYVOL_") && !name.startsWith("TINYVOL_TEST_")) {
                values.put(keyOf(name.substring("TINYVOL_".length())), value.strip());
            }
        });
        return new Parser(values).parse();
    }

    /** {@code KAFKA_BOOTSTRAP_SERVERS} → {@code kafka.bootstrap.servers}; {@code CAS_DIR} → {@code cas.dir}. */
    static String keyOf(String envSuffix) {
        return envSuffix.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }

    /** The environment variable that overrides {@code key}. */
    public static String envOf(String key) {
        return "TINYVOL_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }

    private static final class Parser {
        private final Map<String, String> values;

        Parser(Map<String, String> values) {
            this.values = values;
        }

        WorkerConfig parse() {
            String node = required("node", "this node's id, e.g. node=node-001");
            if (!NODE.matcher(node).matches()) {
                throw new ConfigException("node", "\"" + node + "\" must start with a letter or digit and hold only letters, "
                        + "digits, '.', '_' and '-' (at most 200): it names Kafka topics");
            }
            Path cas = Path.of(required("cas.dir", "the CAS directory, e.g. cas.dir=/var/lib/tinyvol/cas"));
            Path volumes = Path.of(required("volumes.dir", "the volumes directory, e.g. volumes.dir=/var/lib/tinyvol/volumes"));
            Map<String, String> kafka = new TreeMap<>();
            values.forEach((k, v) -> {
                if (k.startsWith("kafka.")) {
                    kafka.put(k.substring("kafka.".length()), v);
                }
            });
            if (!kafka.containsKey("bootstrap.servers")) {
                throw new ConfigException("kafka.bootstrap.servers", "is required: the brokers to reach, e.g. "
                        + "kafka.bootstrap.servers=broker1:9092 (or " + envOf("kafka.bootstrap.servers") + ")");
            }
            int cpus = Runtime.getRuntime().availableProcessors();
            return new WorkerConfig(node, cas, volumes,
                    integer("http.port", 0, 0, 65535),
                    text("topic.requests", Topics.requests(node)),
                    text("topic.results", Topics.RESULTS),
                    text("topic.dlq", Topics.deadLetters(node)),
                    bool("topics.create", true),
                    integer("topics.requests.partitions", 1, 1, 1000),
                    integer("topics.results.partitions", 3, 1, 1000),
                    (short) integer("topics.replication.factor", 1, 1, 10),
                    integer("concurrency", 4, 1, 256),
                    integer("file.threads", Math.max(2, cpus), 1, 256),
                    integer("retry.max.attempts", 3, 1, 100),
                    duration("retry.backoff", Duration.ofMillis(200)),
                    integer("max.buffered", 2000, 1, 1_000_000),
                    duration("shutdown.grace", Duration.ofSeconds(30)),
                    duration("answers.retention", Duration.ofDays(7)),
                    kafka);
        }

        private String required(String key, String what) {
            String value = values.get(key);
            if (value == null || value.isEmpty()) {
                throw new ConfigException(key, "is required: " + what + " (or set " + envOf(key) + ")");
            }
            return value;
        }

        private String text(String key, String fallback) {
            String value = values.get(key);
            return value == null || value.isEmpty() ? fallback : value;
        }

        private int integer(String key, int fallback, int min, int max) {
            String value = values.get(key);
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(value);
                if (n < min || n > max) {
                    throw new ConfigException(key, n + " is out of range: give a whole number from " + min + " to " + max);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "\"" + value + "\" is not a whole number: give one from " + min + " to " + max);
            }
        }

        private boolean bool(String key, boolean fallback) {
            String value = values.get(key);
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            if (!value.equals("true") && !value.equals("false")) {
                throw new ConfigException(key, "\"" + value + "\" is not true or false");
            }
            return Boolean.parseBoolean(value);
        }

        private Duration duration(String key, Duration fallback) {
            String value = values.get(key);
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, e.getMessage());
            }
        }
    }
}
