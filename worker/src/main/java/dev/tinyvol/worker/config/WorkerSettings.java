package dev.tinyvol.worker.config;

import dev.tinyvol.messages.event.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every worker setting, declared once (see {@link Setting}), in the order the shipped
 * {@code config/worker.properties} lists them. Keys under {@code kafka.} are not declared here:
 * they go to the Kafka clients unchanged, less the prefix.
 */
public final class WorkerSettings {

    private WorkerSettings() {
    }

    public static final String KAFKA_PREFIX = "kafka.";
    public static final Setting<String> NODE = new Setting<>("node", Setting.Type.STRING, null, null, "node-001",
            "This node's id (required): letters, digits, '.' and '-', at most 200, not ending in '.dlq'. It names the "
                    + "node's topics (tinyvol.requests.<node>, .dlq), its consumer group and its transactional id: start "
                    + "one worker per node id; a second one takes over from the first.",
            dev.tinyvol.messages.NodeIds::problemWith, true);
    public static final Setting<Path> CAS_DIR = new Setting<>("cas.dir", Setting.Type.PATH, null, null,
            "/var/lib/tinyvol/cas", "The content-addressed store (required; created if missing).",
            Setting.Validator.any(), true);
    public static final Setting<Path> VOLUMES_DIR = new Setting<>("volumes.dir", Setting.Type.PATH, null, null,
            "/var/lib/tinyvol/volumes", "The volumes directory (required; created if missing). Keep it on the CAS's "
                    + "filesystem: across filesystems every file is copied instead of linked.",
            Setting.Validator.any(), true);
    public static final Setting<String> HTTP_HOST = new Setting<>("http.host", Setting.Type.STRING, "0.0.0.0", null, null,
            "The address metrics and health are served on (0.0.0.0: every interface; 127.0.0.1: this host only).",
            Setting.Validator.pattern(Pattern.compile("[A-Za-z0-9.:_-]+"), "is not a host name or address"), false);
    public static final Setting<Integer> HTTP_PORT = new Setting<>("http.port", Setting.Type.INT, 0, null, null,
            "Metrics (/metrics) and health (/health/live, /health/ready) over HTTP on this port (0 = off).",
            Setting.Validator.range(0, 65535), false);
    public static final Setting<Integer> CONCURRENCY = new Setting<>("concurrency", Setting.Type.INT, 4, null, null,
            "Requests executed at once (different volumes; one volume's requests always run in order).",
            Setting.Validator.range(1, 256), false);
    public static final Setting<Integer> FILE_THREADS = new Setting<>("file.threads", Setting.Type.INT, null,
            "the number of CPUs, at least 2", null, "Threads that link, check and remove files within one request.",
            Setting.Validator.range(1, 256), false);
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = new Setting<>("retry.max.attempts", Setting.Type.INT, 3, null,
            null, "Failures that may pass (I/O errors, a volume locked by another process) are tried this many times "
                    + "in all (1 = no retry). Permanent failures are not retried.", Setting.Validator.range(1, 100), false);
    public static final Setting<Duration> RETRY_BACKOFF = new Setting<>("retry.backoff", Setting.Type.DURATION,
            Duration.ofMillis(200), null, null, "The first wait before a retry; it doubles each time, with jitter.",
            Setting.Validator.any(), false);
    public static final Setting<Integer> MAX_BUFFERED = new Setting<>("max.buffered", Setting.Type.INT, 2000, null, null,
            "Requests read but not yet answered before consumption pauses (it keeps polling meanwhile).",
            Setting.Validator.range(1, 1_000_000), false);
    public static final Setting<Integer> MAX_BUFFERED_BYTES = new Setting<>("max.buffered.bytes", Setting.Type.INT,
            16 << 20, null, null, "Bytes of requests read but not yet answered before consumption pauses, whatever their "
                    + "number: a few large inline manifests weigh more than thousands of small requests (the worker's heap "
                    + "is small). Consumption resumes at half of both limits.",
            Setting.Validator.range(64 << 10, Integer.MAX_VALUE), false);
    public static final Setting<Duration> SHUTDOWN_GRACE = new Setting<>("shutdown.grace", Setting.Type.DURATION,
            Duration.ofSeconds(30), null, null, "On SIGTERM, how long running requests may take to finish before they "
                    + "are left for the next start (they are not committed, so they are read again).",
            Setting.Validator.any(), false);
    public static final Setting<Duration> ANSWERS_RETENTION = new Setting<>("answers.retention", Setting.Type.DURATION,
            Duration.ofDays(7), null, null, "How long answers are kept, so a repeated requestId gets the same result "
                    + "without the work being redone.", Setting.Validator.atLeast(Duration.ofMinutes(1)), false);
    public static final Setting<String> TOPIC_REQUESTS = new Setting<>("topic.requests", Setting.Type.STRING, null,
            "tinyvol.requests.<node>", null, "The topic this node's requests come from.", Setting.Validator.any(), false);
    public static final Setting<String> TOPIC_RESULTS = new Setting<>("topic.results", Setting.Type.STRING, Topics.RESULTS,
            null, null, "The topic results go to (shared by every node).", Setting.Validator.any(), false);
    public static final Setting<String> TOPIC_DLQ = new Setting<>("topic.dlq", Setting.Type.STRING, null,
            "tinyvol.requests.<node>.dlq", null, "The topic records nobody can be answered for go to, with headers "
                    + "saying why.", Setting.Validator.any(), false);
    public static final Setting<Boolean> TOPICS_CREATE = new Setting<>("topics.create", Setting.Type.BOOLEAN, true, null,
            null, "Create missing topics at start-up (false where topics are managed).", Setting.Validator.any(), false);
    public static final Setting<Integer> TOPICS_REQUESTS_PARTITIONS = new Setting<>("topics.requests.partitions",
            Setting.Type.INT, 1, null, null, "Partitions of a request topic the worker creates.",
            Setting.Validator.range(1, 1000), false);
    public static final Setting<Integer> TOPICS_RESULTS_PARTITIONS = new Setting<>("topics.results.partitions",
            Setting.Type.INT, 3, null, null, "Partitions of the results topic, if this worker creates it.",
            Setting.Validator.range(1, 1000), false);
    public static final Setting<Integer> TOPICS_REPLICATION_FACTOR = new Setting<>("topics.replication.factor",
            Setting.Type.INT, 1, null, null, "Replicas of topics the worker creates: 3 on a production cluster, 1 for a "
                    + "single local broker.", Setting.Validator.range(1, 10), false);

    public static final Setting<String> REGISTRY_INSECURE = new Setting<>("registry.insecure", Setting.Type.STRING, "", null,
            null, "Registries (host or host:port, comma-separated) reached over plain HTTP; loopback ones always are, "
                    + "every other registry only over HTTPS.", Setting.Validator.pattern(Pattern.compile("[A-Za-z0-9.:,\\[\\]_-]*"),
                    "is not a comma-separated list of hosts"), false);
    public static final Setting<Path> REGISTRY_CONFIG = new Setting<>("registry.config", Setting.Type.PATH, null, "none: anonymous",
            "/etc/tinyvol/registries.json", "A docker-style config.json whose auths give credentials per registry (basic, "
                    + "and the bearer-token flow with them).", Setting.Validator.any(), false);
    public static final Setting<Path> REGISTRY_CA_FILE = new Setting<>("registry.ca.file", Setting.Type.PATH, null,
            "none: the JDK's CAs", "/etc/tinyvol/registry-ca.pem", "CA certificates (PEM) trusted besides the JDK's, for a "
                    + "private registry.", Setting.Validator.any(), false);
    public static final Setting<String> REGISTRY_DEFAULT_REPOSITORY = new Setting<>("registry.default.repository",
            Setting.Type.STRING, null, "none", "registry.example.com/tinyvol", "Where a manifestRef the node does not have "
                    + "is pulled from: NAME is pulled as <this>:NAME. Unset: a missing ref fails MANIFEST_NOT_FOUND.",
            Setting.Validator.pattern(Pattern.compile("[A-Za-z0-9.:\\[\\]-]+/[a-z0-9._/-]+"), "is not host[:port]/repository"), false);
    public static final Setting<String> REGISTRY_MIRRORS = new Setting<>("registry.mirrors", Setting.Type.STRING, "", null,
            "registry.example.com=cache-1.local:5000,cache-2.local:5000", "Pull-through caches asked before a registry: "
                    + "UPSTREAM=MIRROR[,MIRROR...], rules separated by ';'. What a mirror serves is checked against the "
                    + "digests as the upstream's would be.",
            Setting.Validator.pattern(Pattern.compile("[A-Za-z0-9.:,;=\\[\\]_-]*"), "is not UPSTREAM=MIRROR[,MIRROR...][;...]"), false);
    public static final Setting<Integer> REGISTRY_LAYERS = new Setting<>("registry.layers", Setting.Type.INT, 3, null, null,
            "Layers of one image downloaded side by side.", Setting.Validator.range(1, 32), false);
    public static final Setting<Integer> REGISTRY_PULLS = new Setting<>("registry.pulls", Setting.Type.INT, 2, null, null,
            "Images pulled side by side, on threads of their own: a request waiting for its image's pull holds no "
                    + "request thread (concurrency), and requests for the same image share one pull.",
            Setting.Validator.range(1, 16), false);

    // What the node accepts from a registry (issue 20 items 3 and 4); defaults in RegistryLimits.DEFAULTS.
    private static final dev.tinyvol.worker.registry.RegistryLimits LIMITS = dev.tinyvol.worker.registry.RegistryLimits.DEFAULTS;
    public static final Setting<Long> REGISTRY_MANIFEST_MAX_SIZE = new Setting<>("registry.manifest.max.size", Setting.Type.SIZE,
            LIMITS.manifestBytes(), null, null, "The largest manifest or index read from a registry (containerd's limit); a "
                    + "larger one fails MANIFEST_TOO_LARGE without being read.", Setting.Validator.sizeRange(1024, (1L << 30)), false);
    public static final Setting<Long> REGISTRY_RESPONSE_MAX_SIZE = new Setting<>("registry.response.max.size", Setting.Type.SIZE,
            LIMITS.responseBytes(), null, null, "The largest token body read from a registry's token service "
                    + "(REGISTRY_RESPONSE_TOO_LARGE). Error bodies are never read.", Setting.Validator.sizeRange(1024, (1L << 30)), false);
    public static final Setting<Long> REGISTRY_LAYER_MAX_SIZE = new Setting<>("registry.layer.max.size", Setting.Type.SIZE,
            LIMITS.layerBytes(), null, null, "The most one layer may unpack to (its tar stream and its files' contents); "
                    + "beyond it the pull fails LAYER_LIMIT_EXCEEDED. A layer's compressed bytes are cut at the size its "
                    + "descriptor declares (LAYER_TOO_LARGE).", Setting.Validator.sizeRange(1L << 20, Long.MAX_VALUE), false);
    public static final Setting<Integer> REGISTRY_LAYER_MAX_RATIO = new Setting<>("registry.layer.max.ratio", Setting.Type.INT,
            LIMITS.layerRatio(), null, null, "The most bytes a layer may unpack to per compressed byte, once it has unpacked "
                    + "64 MiB (a decompression bomb stops there, not when the disk is full): LAYER_LIMIT_EXCEEDED.",
            Setting.Validator.range(2, 1_000_000), false);
    public static final Setting<Integer> REGISTRY_LAYER_MAX_ENTRIES = new Setting<>("registry.layer.max.entries",
            Setting.Type.INT, LIMITS.layerEntries(), null, null, "The most tar entries in one layer (a layer's entries are "
                    + "held in memory while it is applied): LAYER_LIMIT_EXCEEDED.", Setting.Validator.range(1, 100_000_000), false);
    public static final Setting<Duration> REGISTRY_STALL_TIMEOUT = new Setting<>("registry.stall.timeout", Setting.Type.DURATION,
            LIMITS.stallTimeout(), null, null, "The longest a registry may send nothing: while a body streams, or before "
                    + "a read's answer arrives. A transfer that stalls fails REGISTRY_STALLED (not retried by the node).",
            Setting.Validator.atLeast(Duration.ofMillis(100)), false);
    public static final Setting<Duration> REGISTRY_PULL_DEADLINE = new Setting<>("registry.pull.deadline", Setting.Type.DURATION,
            LIMITS.pullDeadline(), null, null, "The longest one pull may take, every request, retry and layer of it "
                    + "together: PULL_DEADLINE_EXCEEDED (not retried by the node).",
            Setting.Validator.atLeast(Duration.ofSeconds(1)), false);

    public static final Setting<String> IMPORT_METHOD = new Setting<>("import.method", Setting.Type.STRING, "auto", null, null,
            "How files come into volumes (a request's options.importMethod overrides it): auto clones where the volumes "
                    + "filesystem can clone from the CAS's (XFS with reflink, btrfs: a write changes only that volume) and "
                    + "hard links elsewhere; clone (refused where it cannot), hardlink (a write through a link changes the "
                    + "store: detected, not prevented), copy.",
            Setting.Validator.pattern(Pattern.compile("auto|clone|hardlink|copy"), "is not auto, clone, hardlink or copy"), false);
    public static final Setting<FreeSpace> CAS_GC_MIN_FREE = new Setting<>("cas.gc.min.free", Setting.Type.FREE_SPACE,
            FreeSpace.parse("5%"), null, null, "When usable space on the CAS's filesystem falls below this (a size such "
                    + "as 20GiB, or a share such as 5%; 0 = never), the worker runs a gc by itself: checked every minute, "
                    + "at most one such gc every 10 minutes while space stays low.", Setting.Validator.any(), false);
    public static final Setting<Duration> CAS_GC_INTERVAL = new Setting<>("cas.gc.interval", Setting.Type.DURATION, null,
            "none: only when space is low", "24h", "Also run a gc this often, whatever the free space.",
            Setting.Validator.atLeast(Duration.ofMinutes(1)), false);

    public static final Setting<Duration> CAS_GC_MIN_AGE = new Setting<>("cas.gc.min.age", Setting.Type.DURATION,
            Duration.ofMinutes(15), null, null, "A gc keeps every blob instance younger than this by its ctime (made or "
                    + "linked since) and every tmp/ entry changed since: a pull downloads without the store lock and "
                    + "names its blobs only at its end, and a push or a probe writes in tmp/ without it.",
            Setting.Validator.any(), false);
    public static final Setting<Duration> CAS_GC_LOCK_WAIT = new Setting<>("cas.gc.lock.wait", Setting.Type.DURATION,
            Duration.ofSeconds(30), null, null, "How long a gc keeps trying for the store lock while another process "
                    + "(a 'tinyvol' command, a pull's last step) holds it; it never blocks assemblies meanwhile. Then it "
                    + "ends with STORE_BUSY and removes nothing: the worker's own gc tries again at its next check, a "
                    + "GC request is answered FAILED with STORE_BUSY.", Setting.Validator.any(), false);

    public static final Setting<String> TRACING_OTLP_ENDPOINT = new Setting<>("tracing.otlp.endpoint", Setting.Type.STRING,
            null, "none: spans are made but not exported", "http://otel-collector:4318/v1/traces", "Where the worker sends "
                    + "its spans (OTLP over HTTP, protobuf). A request continues the trace of its traceparent header either "
                    + "way: traceId is in its log lines and its result carries traceparent.",
            WorkerSettings::problemWithHttpUrl, false);

    /** What the OTLP exporter would refuse at start, said here with the key's name instead. */
    private static String problemWithHttpUrl(String value) {
        try {
            java.net.URI uri = new java.net.URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return null;
            }
        } catch (java.net.URISyntaxException e) {
            // said below
        }
        return "\"" + value + "\" is not an http:// or https:// URL with a host, e.g. http://otel-collector:4318/v1/traces";
    }

    /** Every declared setting, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(NODE, CAS_DIR, VOLUMES_DIR, HTTP_HOST, HTTP_PORT, CONCURRENCY,
            FILE_THREADS, RETRY_MAX_ATTEMPTS, RETRY_BACKOFF, MAX_BUFFERED, MAX_BUFFERED_BYTES, SHUTDOWN_GRACE, ANSWERS_RETENTION,
            TOPIC_REQUESTS, TOPIC_RESULTS, TOPIC_DLQ, TOPICS_CREATE, TOPICS_REQUESTS_PARTITIONS, TOPICS_RESULTS_PARTITIONS,
            TOPICS_REPLICATION_FACTOR, REGISTRY_INSECURE, REGISTRY_CONFIG, REGISTRY_CA_FILE, REGISTRY_DEFAULT_REPOSITORY,
            REGISTRY_MIRRORS, REGISTRY_LAYERS, REGISTRY_PULLS, REGISTRY_MANIFEST_MAX_SIZE, REGISTRY_RESPONSE_MAX_SIZE,
            REGISTRY_LAYER_MAX_SIZE, REGISTRY_LAYER_MAX_RATIO, REGISTRY_LAYER_MAX_ENTRIES, REGISTRY_STALL_TIMEOUT,
            REGISTRY_PULL_DEADLINE, IMPORT_METHOD, CAS_GC_MIN_FREE, CAS_GC_INTERVAL, CAS_GC_MIN_AGE, CAS_GC_LOCK_WAIT,
            TRACING_OTLP_ENDPOINT);

    /** Kafka client keys documented in the shipped file (commented out unless shown with a value). */
    static final List<String[]> KAFKA_EXAMPLES = List.of(
            new String[] {"bootstrap.servers", "localhost:9092", "true"},
            new String[] {"security.protocol", "SASL_SSL", "false"},
            new String[] {"sasl.mechanism", "SCRAM-SHA-512", "false"},
            new String[] {"sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"tinyvol\" password=\"...\";", "false"},
            new String[] {"ssl.truststore.location", "/etc/tinyvol/kafka-ca.p12", "false"},
            new String[] {"ssl.truststore.type", "PKCS12", "false"},
            new String[] {"ssl.truststore.password", "...", "false"});

    /** Environment variables that belong to TinyVol's scripts and tests, not to the worker's settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("TINYVOL_JAR", "TINYVOL_LOG_FORMAT", "TINYVOL_JAVA");

    public static Setting<?> find(String key) {
        for (Setting<?> s : ALL) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** The environment variable that overrides {@code key}: {@code kafka.bootstrap.servers} → {@code TINYVOL_KAFKA_BOOTSTRAP_SERVERS}. */
    public static String envOf(String key) {
        return "TINYVOL_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** {@code TINYVOL_KAFKA_BOOTSTRAP_SERVERS} → {@code kafka.bootstrap.servers}; null for variables that are not settings. */
    static String keyOfEnv(String name) {
        if (!name.startsWith("TINYVOL_") || name.startsWith("TINYVOL_TEST_") || NOT_SETTINGS.contains(name)) {
            return null;
        }
        return name.substring("TINYVOL_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** True for keys the worker understands: a declared setting or a Kafka client key. */
    static boolean known(String key) {
        return find(key) != null || key.startsWith(KAFKA_PREFIX);
    }

    /** The declared key nearest to a misspelt one (edit distance), or null if none is close. */
    public static String closest(String key) {
        List<String> near = Closest.to(key, ALL.stream().map(Setting::key).toList(), 1);
        return near.isEmpty() ? null : near.get(0);
    }

    /** True for a key whose value must never be logged (passwords, JAAS configs, keys). */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.endsWith(".key")
                || k.contains("token");
    }

    /**
     * The shipped {@code config/worker.properties}: every setting with its documentation and default
     * (commented out where the default is right for most nodes), generated from the declarations.
     */
    public static String propertiesTemplate() {
        StringBuilder out = new StringBuilder();
        out.append("# TinyVol worker configuration. Generated from the worker's settings table: regenerate with\n")
                .append("#   bin/tinyvol worker --help-config > config/worker.properties\n#\n")
                .append("# Every key can be overridden by an environment variable: TINYVOL_ + the key in upper case with\n")
                .append("# dots as underscores, e.g. TINYVOL_NODE=node-017 or TINYVOL_KAFKA_BOOTSTRAP_SERVERS=k1:9092,k2:9092.\n")
                .append("# A missing or bad value stops start-up with a message naming the key; a key that names no setting\n")
                .append("# is a warning naming the closest one.\n");
        for (Setting<?> s : ALL) {
            out.append('\n');
            wrap(out, s.doc() + (s.required() ? "" : " Default: " + s.describeDefault() + "."));
            if (s.required()) {
                out.append(s.key()).append('=').append(s.example()).append('\n');
            } else {
                out.append('#').append(s.key()).append('=').append(templateValue(s)).append('\n');
            }
        }
        out.append('\n');
        wrap(out, "Everything under kafka. goes to the Kafka clients unchanged (less the prefix): SASL, SSL, "
                + "timeouts. The worker fixes what exactly-once processing needs (transactional id, read_committed, "
                + "no auto-commit), and defaults fetch.max.wait.ms to 5000 (idle fetches are most of what a fleet "
                + "costs its brokers; a new request is answered at once anyway). kafka.bootstrap.servers is required.");
        for (String[] k : KAFKA_EXAMPLES) {
            out.append(Boolean.parseBoolean(k[2]) ? "" : "#").append(KAFKA_PREFIX).append(k[0]).append('=').append(k[1])
                    .append('\n');
        }
        return out.toString();
    }

    private static <T> String templateValue(Setting<T> s) {
        if (s.defaultValue() != null) {
            return s.format(s.defaultValue());
        }
        if (s.example() != null) {
            return s.example(); // an optional setting with no default: what a value looks like
        }
        return s.describeDefault().replace("<node>", "node-001").replace("the number of CPUs, at least 2", "4");
    }

    private static void wrap(StringBuilder out, String text) {
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > 100) {
                out.append(line).append('\n');
                line = new StringBuilder("#");
            }
            line.append(' ').append(word);
        }
        out.append(line).append('\n');
    }

    /** The effective values, one "key = value" per line, secrets masked, for the start-up log. */
    public static List<String> describe(Map<String, String> effective) {
        List<String> lines = new ArrayList<>();
        new LinkedHashMap<>(effective).forEach((k, v) -> lines.add(k + " = " + (isSecret(k) ? "********" : v)));
        return lines;
    }
}
