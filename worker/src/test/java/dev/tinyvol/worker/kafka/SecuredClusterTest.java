package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.devbroker.DevCa;
import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's security, enforced by a real broker: the dev broker secured (SASL_SSL with a keytool
 * CA, SCRAM-SHA-512 users made at format time, the KRaft StandardAuthorizer), docs/security.md's ACLs created
 * by {@code tinyvol acls --apply}, a worker with node-a's credentials serving its topic, and every
 * thing a node or a scheduler must not do tried for real and refused by the broker. Wrong credentials
 * and an untrusted certificate end in one line each, for the CLI and for the worker.
 */
class SecuredClusterTest {

    @TempDir
    static Path tmp;

    static LocalKafka broker;
    static WorkerFixture nodeA;
    static final List<String> MATRIX = new ArrayList<>();

    @BeforeAll
    static void secureCluster() throws Exception {
        broker = LocalKafka.startSecured(tmp.resolve("kafka"), 0, List.of("node-a", "node-b", "scheduler"));
        try (Admin admin = Admin.create(settings("admin"))) {
            admin.createTopics(List.of(
                    new NewTopic(Topics.requests("node-a"), 1, (short) 1), new NewTopic(Topics.deadLetters("node-a"), 1, (short) 1),
                    new NewTopic(Topics.requests("node-b"), 1, (short) 1), new NewTopic(Topics.deadLetters("node-b"), 1, (short) 1),
                    new NewTopic(Topics.RESULTS, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        for (String[] who : List.of(new String[] {"--node", "node-a"}, new String[] {"--node", "node-b"},
                new String[] {"--scheduler", "--principal", "User:scheduler"})) {
            List<Object> args = new ArrayList<>(List.of("acls"));
            args.addAll(List.of(who));
            args.addAll(List.of("--apply", "--kafka-config", broker.clientConfig("admin")));
            CliTest.Run applied = CliTest.tinyvol(args.toArray());
            assertEquals(0, applied.exit(), applied.err());
        }
        Path cas = tmp.resolve("node-a/cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        Map<String, String> kafka = new HashMap<>();
        settings("node-a").forEach((k, v) -> kafka.put("kafka." + k, String.valueOf(v)));
        kafka.put("topics.create", "false"); // pre-created, as docs/operations.md says for a cluster with ACLs
        nodeA = new WorkerFixture(broker.bootstrap(), "node-a", cas, tmp.resolve("node-a/volumes"), kafka);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nodeA != null) {
            nodeA.close();
        }
        if (broker != null) {
            broker.close();
        }
        System.out.println("ACL matrix (who, what, expected, what the broker did):");
        MATRIX.forEach(System.out::println);
    }

    @Test
    void aSchedulerSubmitsToNodeAWhoseWorkerServesItAndReadsTheResult() {
        CliTest.Run run = CliTest.tinyvol("submit", "--kafka-config", broker.clientConfig("scheduler"), "--node", "node-a",
                "--action", "assemble", "--ref", "rootfs", "--volume", "web-1", "--wait", "--timeout", "60s");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("SUCCEEDED"), run.out());
        assertTrue(Files.exists(nodeA.volumes.resolve("web-1/usr/bin/su")));
        row("scheduler", "submit ASSEMBLE to node-a, wait for its result", "allowed", "allowed: SUCCEEDED, result read");
        row("node-a", "worker: read tinyvol.requests.node-a, write tinyvol.results, group and txn id tinyvol-worker-node-a",
                "allowed", "allowed: served the request above");
    }

    @Test
    void nodeAIsRefusedEverythingThatIsNotItsOwn() {
        refused("node-a", "read node-b's requests", TopicAuthorizationException.class, () -> read("node-a", Topics.requests("node-b"), null));
        refused("node-a", "write to tinyvol.requests.node-b", TopicAuthorizationException.class,
                () -> write("node-a", Topics.requests("node-b"), null));
        refused("node-a", "write to its own tinyvol.requests.node-a", TopicAuthorizationException.class,
                () -> write("node-a", Topics.requests("node-a"), null));
        refused("node-a", "use node-b's transactional id tinyvol-worker-node-b", TransactionalIdAuthorizationException.class,
                () -> write("node-a", Topics.RESULTS, "tinyvol-worker-node-b"));
        refused("node-a", "consume its own topic in node-b's group tinyvol-worker-node-b", GroupAuthorizationException.class,
                () -> read("node-a", Topics.requests("node-a"), "tinyvol-worker-node-b"));
        refused("node-a", "read tinyvol.results", TopicAuthorizationException.class, () -> read("node-a", Topics.RESULTS, null));
        refused("node-a", "create a topic", TopicAuthorizationException.class, () -> create("node-a", "tinyvol.requests.node-z"));
    }

    @Test
    void aSchedulerWritesRequestsButCannotConsumeANodesTopic() {
        allowed("scheduler", "write to tinyvol.requests.node-b", () -> write("scheduler", Topics.requests("node-b"), null));
        refused("scheduler", "read node-a's requests", TopicAuthorizationException.class,
                () -> read("scheduler", Topics.requests("node-a"), null));
        refused("scheduler", "consume node-a's topic as group tinyvol-worker-node-a", GroupAuthorizationException.class,
                () -> read("scheduler", Topics.requests("node-a"), "tinyvol-worker-node-a"));
    }

    @Test
    void aNodeLoggingInByCertificateIsTheSamePrincipalUnderTheSameAcls() {
        // Mutual TLS: node-b's client certificate (CN=node-b) is User:node-b, with no password.
        write("scheduler", Topics.requests("node-b"), null);
        Map<String, Object> certificate = load(broker.mutualTlsConfig("node-b"));
        allowed("node-b (mTLS)", "read its own tinyvol.requests.node-b with a client certificate",
                () -> assertTrue(read(certificate, Topics.requests("node-b"), null), "node-b read nothing from its topic"));
        refused("node-b (mTLS)", "read node-a's requests with a client certificate", TopicAuthorizationException.class,
                () -> read(certificate, Topics.requests("node-a"), null));
    }

    @Test
    void aWrongPasswordIsOneLineForTheCliAndStopsTheWorkerWithOneLine() throws Exception {
        Path wrong = tmp.resolve("wrong-password.properties");
        Properties p = properties("node-a");
        p.setProperty("sasl.jaas.config", p.getProperty("sasl.jaas.config").replaceAll("password=\"[^\"]*\"", "password=\"nope\""));
        store(p, wrong);
        long start = System.nanoTime();
        CliTest.Run run = CliTest.tinyvol("results", "--kafka-config", wrong, "--for", "1s");
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("wrong password, CLI (" + ms + " ms): exit " + run.exit() + ": " + run.err().strip());
        assertEquals(1, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("tinyvol: KAFKA_AUTHENTICATION: the broker refused the credentials"), run.err());
        // The same for the command that creates ACLs, whose other failures have codes of their own.
        CliTest.Run acls = CliTest.tinyvol("acls", "--node", "node-a", "--apply", "--kafka-config", wrong);
        System.out.println("wrong password, acls --apply: exit " + acls.exit() + ": " + acls.err().strip());
        assertEquals(1, acls.exit(), acls.err());
        assertEquals(1, acls.err().strip().lines().count(), acls.err());
        assertTrue(acls.err().startsWith("tinyvol: KAFKA_AUTHENTICATION: "), acls.err());

        String log = workerProcess("node-a-wrong-password", wrong);
        System.out.println("wrong password, worker: " + errors(log));
        assertEquals(1, errors(log).size(), log);
        assertTrue(errors(log).get(0).contains("stopping: KAFKA_AUTHENTICATION: the broker refused the credentials"), log);
        assertTrue(!log.contains("trying again"), "no retry loop: " + log);
        row("node-a", "connect with a wrong password", "refused, one line", "refused: " + run.err().strip());
    }

    @Test
    void anUntrustedCertificateIsOneLineForTheCliAndStopsTheWorkerWithOneLine() throws Exception {
        DevCa other = DevCa.create(tmp.resolve("other-ca"), "Some other CA", "changeit");
        Path untrusting = tmp.resolve("untrusted.properties");
        Properties p = properties("node-a");
        p.setProperty("ssl.truststore.location", other.truststore().toString());
        p.setProperty("ssl.truststore.password", other.password());
        store(p, untrusting);
        CliTest.Run run = CliTest.tinyvol("submit", "--kafka-config", untrusting, "--node", "node-a", "--action", "list");
        System.out.println("untrusted certificate, CLI: exit " + run.exit() + ": " + run.err().strip());
        assertEquals(1, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("tinyvol: KAFKA_TLS: the TLS handshake with the broker failed"), run.err());

        String log = workerProcess("node-a-untrusted", untrusting);
        System.out.println("untrusted certificate, worker: " + errors(log));
        assertEquals(1, errors(log).size(), log);
        assertTrue(errors(log).get(0).contains("stopping: KAFKA_TLS: the TLS handshake with the broker failed"), log);
        row("node-a", "connect trusting another CA than the broker's", "refused, one line", "refused: " + run.err().strip());
    }

    // --- what was tried ---

    private static void allowed(String who, String what, Runnable attempt) {
        attempt.run();
        row(who, what, "allowed", "allowed");
    }

    private static void refused(String who, String what, Class<? extends Exception> expected, Runnable attempt) {
        Exception failure = null;
        try {
            attempt.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        Throwable cause = failure;
        while (cause != null && !expected.isInstance(cause) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        row(who, what, "refused", failure == null ? "ALLOWED" : "refused: " + cause.getClass().getSimpleName());
        assertInstanceOf(expected, cause, who + " " + what + " was not refused as expected: " + failure);
    }

    private static void row(String who, String what, String expected, String outcome) {
        synchronized (MATRIX) {
            MATRIX.add(String.format(Locale.ROOT, "  %-10s %-92s %-18s %s", who, what, expected, outcome));
        }
    }

    private static void read(String user, String topic, String group) {
        read(settings(user), topic, group);
    }

    /**
     * Reads {@code topic} with these client settings (in {@code group}, or assigned without one) until
     * a record or a failure, up to 20 s; true if it read a record.
     */
    private static boolean read(Map<String, Object> settings, String topic, String group) {
        Map<String, Object> props = new HashMap<>(settings);
        if (group != null) {
            props.put("group.id", group);
        }
        props.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else {
                consumer.assign(List.of(new TopicPartition(topic, 0)));
                consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Writes one record to {@code topic} (in a transaction when {@code transactionalId} is set) and waits for it. */
    private static void write(String user, String topic, String transactionalId) {
        Map<String, Object> props = settings(user);
        props.put("max.block.ms", 15_000);
        if (transactionalId != null) {
            props.put("transactional.id", transactionalId);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            if (transactionalId != null) {
                producer.initTransactions();
            }
            producer.send(new ProducerRecord<>(topic, "probe".getBytes(), "{}".getBytes())).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private static void create(String user, String topic) {
        try (Admin admin = Admin.create(settings(user))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /** Runs {@code tinyvol worker} as its own process with these client settings until it exits; its log. */
    private static String workerProcess(String node, Path clientConfig) throws IOException, InterruptedException {
        Path config = tmp.resolve(node + ".properties");
        StringBuilder text = new StringBuilder("node=" + node + "\ncas.dir=" + tmp.resolve(node + "/cas") + "\nvolumes.dir="
                + tmp.resolve(node + "/volumes") + "\nhttp.port=0\ntopics.create=false\n");
        Properties kafka = loadProperties(clientConfig);
        kafka.stringPropertyNames().forEach(k -> text.append("kafka.").append(k).append('=')
                .append(kafka.getProperty(k).replace("\\", "\\\\")).append('\n'));
        Files.writeString(config, text);
        Path log = tmp.resolve(node + ".log");
        Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.tinyvol.worker.cli.TinyVolCli", "worker", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!worker.waitFor(90, TimeUnit.SECONDS)) {
            worker.destroyForcibly().waitFor();
            throw new AssertionError("the worker kept running (a retry loop?): " + Files.readString(log));
        }
        assertEquals(1, worker.exitValue(), Files.readString(log));
        return Files.readString(log);
    }

    private static List<String> errors(String log) {
        return log.lines().filter(l -> l.contains(" ERROR ")).toList();
    }

    private static Map<String, Object> settings(String user) {
        return load(broker.clientConfig(user));
    }

    /** A client properties file as the settings map Kafka's clients take. */
    private static Map<String, Object> load(Path file) {
        Map<String, Object> map = new HashMap<>();
        loadProperties(file).forEach((k, v) -> map.put((String) k, v));
        return map;
    }

    private static Properties properties(String user) {
        return loadProperties(broker.clientConfig(user));
    }

    private static Properties loadProperties(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    private static void store(Properties p, Path file) throws IOException {
        try (var out = Files.newOutputStream(file)) {
            p.store(out, null);
        }
    }
}
