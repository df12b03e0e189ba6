package dev.tinyvol.worker.config;

import static dev.tinyvol.worker.config.WorkerSettings.*;

import dev.tinyvol.messages.event.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The worker's typed, validated configuration, parsed from the settings table ({@link WorkerSettings}).
 * Read from a Java properties file; every key can be overridden by an environment variable named
 * {@code TINYVOL_} + the key in upper case with dots as underscores. Keys under {@code kafka.} go
 * unchanged (less the prefix) to the Kafka clients, so SASL and SSL settings work.
 *
 * @param warnings  keys and environment variables that name no setting, each with the closest real key
 * @param effective every setting's effective value, by key (Kafka keys with their prefix), for the start-up log
 * @param registry  how images are pulled (registry.* settings)
 * @param otlpEndpoint where spans are exported (OTLP/HTTP), or null
 */
public record WorkerConfig(String node, Path casDir, Path volumesDir, String httpHost, int httpPort, String requestsTopic,
                           String resultsTopic, String deadLetterTopic, boolean createTopics, int requestPartitions,
                           int resultsPartitions, short replicationFactor, int concurrency, int fileThreads,
                           int maxAttempts, Duration retryBackoff, int maxBuffered, Duration shutdownGrace,
                           Duration answerRetention, Map<String, String> kafka, List<String> warnings,
                           Map<String, String> effective, Registry registry, Gc gc, String importMethod,
                           String otlpEndpoint) {

    /** Bytes of requests read and not answered before consumption pauses ({@code max.buffered.bytes}). */
    public int maxBufferedBytes() {
        String value = effective.get(WorkerSettings.MAX_BUFFERED_BYTES.key());
        return value == null ? WorkerSettings.MAX_BUFFERED_BYTES.defaultValue() : WorkerSettings.MAX_BUFFERED_BYTES.parse(value);
    }

    /**
     * @param minFree  free space under which the worker runs a gc by itself
     * @param interval how often it runs one anyway, or null
     * @param minAge   instances and tmp/ entries younger than this are kept (cas.gc.min.age)
     * @param lockWait how long a gc tries for the store lock before STORE_BUSY (cas.gc.lock.wait)
     */
    public record Gc(FreeSpace minFree, Duration interval, Duration minAge, Duration lockWait) {
        /** With the default grace and lock wait. */
        public Gc(FreeSpace minFree, Duration interval) {
            this(minFree, interval, dev.tinyvol.worker.cas.GarbageCollector.DEFAULT_MIN_AGE,
                    dev.tinyvol.worker.cas.GarbageCollector.DEFAULT_LOCK_WAIT);
        }
    }

    /**
     * @param config            docker-style config.json with credentials, or null (anonymous)
     * @param caFile            extra CA certificates, or null
     * @param defaultRepository where missing refs are pulled from ({@code host/repo}), or null
     */
    public record Registry(java.util.Set<String> insecure, Path config, Path caFile, String defaultRepository, int layers,
                           String mirrors, int pulls, dev.tinyvol.worker.registry.RegistryLimits limits) {

        /** With the default limits. */
        public Registry(java.util.Set<String> insecure, Path config, Path caFile, String defaultRepository, int layers,
                        String mirrors, int pulls) {
            this(insecure, config, caFile, defaultRepository, layers, mirrors, pulls,
                    dev.tinyvol.worker.registry.RegistryLimits.DEFAULTS);
        }
    }

    public WorkerConfig {
        kafka = Map.copyOf(kafka);
        warnings = List.copyOf(warnings);
        effective = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(effective));
    }

    /** Reads {@code file}, then the environment, and checks every key. */
    public static WorkerConfig load(Path file, Map<String, String> environment) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "no such file " + file + "; start from config/worker.properties");
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + dev.tinyvol.worker.errors.IoErrors.reasonOf(e));
        }
        return from(props, environment);
    }

    public static WorkerConfig from(Properties file, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        for (String key : new TreeMap<>(toMap(file)).keySet()) {
            if (!known(key)) {
                String near = closest(key);
                warnings.add("unknown setting \"" + key + "\" is ignored" + (near == null ? "" : "; did you mean \"" + near + "\"?"));
                continue;
            }
            values.put(key, file.getProperty(key).strip());
        }
        new TreeMap<>(environment).forEach((name, value) -> {
            String key = keyOfEnv(name);
            if (key == null) {
                return;
            }
            if (!known(key)) {
                String near = closest(key);
                warnings.add("environment variable " + name + " names no setting and is ignored"
                        + (near == null ? "" : "; did you mean " + envOf(near) + " (" + near + ")?"));
                return;
            }
            values.put(key, value.strip());
        });
        return new Parser(values, warnings).parse();
    }

    /** The environment variable that overrides {@code key}. */
    public static String envOf(String key) {
        return WorkerSettings.envOf(key);
    }

    /** The effective settings for the log, one line each, secrets masked. */
    public List<String> describe() {
        return WorkerSettings.describe(effective);
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static final class Parser {
        private final Map<String, String> values;
        private final List<String> warnings;
        private final Map<String, String> effective = new LinkedHashMap<>();
        /** Every problem found: all are reported at once, not the first alone. */
        private final List<ConfigException> problems = new ArrayList<>();

        Parser(Map<String, String> values, List<String> warnings) {
            this.values = values;
            this.warnings = warnings;
        }

        WorkerConfig parse() {
            String node = get(NODE, null);
            Path cas = get(CAS_DIR, null);
            Path volumes = get(VOLUMES_DIR, null);
            String host = get(HTTP_HOST, null);
            int port = get(HTTP_PORT, null);
            int concurrency = get(CONCURRENCY, null);
            int fileThreads = get(FILE_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()));
            int attempts = get(RETRY_MAX_ATTEMPTS, null);
            Duration backoff = get(RETRY_BACKOFF, null);
            int maxBuffered = get(MAX_BUFFERED, null);
            get(MAX_BUFFERED_BYTES, null); // checked, and read back through maxBufferedBytes()
            Duration grace = get(SHUTDOWN_GRACE, null);
            Duration retention = get(ANSWERS_RETENTION, null);
            String requests = get(TOPIC_REQUESTS, node == null ? null : Topics.requests(node));
            String results = get(TOPIC_RESULTS, null);
            String dlq = get(TOPIC_DLQ, node == null ? null : Topics.deadLetters(node));
            boolean create = get(TOPICS_CREATE, null);
            int requestPartitions = get(TOPICS_REQUESTS_PARTITIONS, null);
            int resultsPartitions = get(TOPICS_RESULTS_PARTITIONS, null);
            int replication = get(TOPICS_REPLICATION_FACTOR, null);
            Registry registry = new Registry(java.util.Arrays.stream(get(REGISTRY_INSECURE, null).split(","))
                    .map(String::strip).filter(h -> !h.isEmpty()).collect(java.util.stream.Collectors.toUnmodifiableSet()),
                    get(REGISTRY_CONFIG, null), get(REGISTRY_CA_FILE, null), get(REGISTRY_DEFAULT_REPOSITORY, null),
                    get(REGISTRY_LAYERS, null), get(REGISTRY_MIRRORS, null), get(REGISTRY_PULLS, null),
                    new dev.tinyvol.worker.registry.RegistryLimits(get(REGISTRY_MANIFEST_MAX_SIZE, null),
                            get(REGISTRY_RESPONSE_MAX_SIZE, null), get(REGISTRY_LAYER_MAX_SIZE, null),
                            get(REGISTRY_LAYER_MAX_RATIO, null), get(REGISTRY_LAYER_MAX_ENTRIES, null),
                            get(REGISTRY_STALL_TIMEOUT, null), get(REGISTRY_PULL_DEADLINE, null)));
            String importMethod = get(IMPORT_METHOD, null);
            Gc gc = new Gc(get(CAS_GC_MIN_FREE, null), get(CAS_GC_INTERVAL, null), get(CAS_GC_MIN_AGE, null),
                    get(CAS_GC_LOCK_WAIT, null));
            Map<String, String> kafka = new TreeMap<>();
            values.forEach((k, v) -> {
                if (k.startsWith(KAFKA_PREFIX)) {
                    kafka.put(k.substring(KAFKA_PREFIX.length()), v);
                    effective.put(k, v);
                }
            });
            if (!kafka.containsKey("bootstrap.servers") || kafka.get("bootstrap.servers").isEmpty()) {
                problems.add(new ConfigException("kafka.bootstrap.servers", "is required: the brokers to reach, e.g. "
                        + "kafka.bootstrap.servers=broker1:9092 (or " + envOf("kafka.bootstrap.servers") + ")"));
            }
            String otlp = get(TRACING_OTLP_ENDPOINT, null);
            if (!problems.isEmpty()) {
                throw ConfigException.all(problems, warnings);
            }
            return new WorkerConfig(node, cas, volumes, host, port, requests, results, dlq, create, requestPartitions,
                    resultsPartitions, (short) replication, concurrency, fileThreads, attempts, backoff, maxBuffered, grace,
                    retention, kafka, warnings, effective, registry, gc, importMethod, otlp);
        }

        /** The setting's value: given, else its declared default, else {@code computed}; required ones must be given. */
        private <T> T get(Setting<T> setting, T computed) {
            String raw = values.get(setting.key());
            T value;
            if (raw == null || raw.isEmpty()) {
                if (setting.required()) {
                    problems.add(new ConfigException(setting.key(), "is required: " + setting.doc().replace(" (required)", "")
                            + " e.g. " + setting.key() + "=" + setting.example() + " (or set " + setting.environmentVariable() + ")"));
                    return computed;
                }
                value = setting.defaultValue() != null ? setting.defaultValue() : computed;
            } else {
                try {
                    value = setting.parse(raw);
                } catch (ConfigException e) {
                    // Noted, and the default stands in, so the settings after it are checked too.
                    problems.add(e);
                    return setting.defaultValue() != null ? setting.defaultValue() : computed;
                }
            }
            effective.put(setting.key(), setting.format(value));
            return value;
        }
    }
}
