package dev.tinyvol.devbroker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka's own broker, KRaft, one node (broker and controller), run as a child JVM so a test
 * can stop it, kill it and start it again on the same data and port. Development and tests only.
 */
public final class LocalKafka implements AutoCloseable {

    private static final String CLASSPATH_RESOURCE = "broker-classpath.txt";
    // A broker loading tens of thousands of partitions takes minutes on a small machine.
    private static final long START_TIMEOUT_MS = 300_000;

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final DevSecurity security;
    /** 1 for the first node (broker and controller); 2, 3, ... for brokers added to its cluster. */
    private final int nodeId;
    /** The cluster a broker added with {@link #addBroker} joins; null for the first node (it makes one). */
    private final String joinClusterId;
    private Process process;

    private LocalKafka(Path dir, int port, int controllerPort, DevSecurity security) {
        this(dir, port, controllerPort, security, 1, null);
    }

    private LocalKafka(Path dir, int port, int controllerPort, DevSecurity security, int nodeId, String joinClusterId) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.security = security;
        this.nodeId = nodeId;
        this.joinClusterId = joinClusterId;
    }

    /**
     * Starts another broker (broker role only, node id {@code nodeId} &ge; 2) in this node's cluster,
     * its data in {@code dir}: a cluster of several processes, for what one process cannot hold
     * alone (each has its own open-file limit). Plain listeners only.
     */
    public LocalKafka addBroker(Path dir, int nodeId) {
        if (security != null || this.nodeId != 1 || nodeId < 2) {
            throw new IllegalArgumentException("brokers are added, with ids from 2, to the first node of a plain cluster");
        }
        try {
            Files.createDirectories(dir);
            String clusterId = SavedProperties.load(this.dir.resolve("data/meta.properties")).getProperty("cluster.id");
            return new LocalKafka(dir.toAbsolutePath(), freePort(), controllerPort, null, nodeId, clusterId).launch();
        } catch (IOException e) {
            throw new UncheckedIOException("starting broker " + nodeId + " in " + dir, e);
        }
    }

    /** The broker's process id, while it runs (for measuring its memory and CPU). */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException("the broker is not running");
        }
        return process.pid();
    }

    /**
     * Starts a broker whose data lives in {@code dir}: formatted on first use, reused after, on the
     * port it had before (or {@code port}, or a free one if 0).
     */
    public static LocalKafka start(Path dir, int port) {
        return start(dir, port, null);
    }

    /**
     * As {@link #start(Path, int)}, secured ({@link DevSecurity}): clients connect with SASL_SSL as
     * {@code admin} (a super user) or one of {@code users} (SCRAM-SHA-512, created at format time),
     * and the StandardAuthorizer allows nothing without an ACL. {@link #clientConfig} gives each user's
     * client settings. A directory formatted secured stays secured on restart, and the users it was
     * formatted with are the ones it has.
     */
    public static LocalKafka startSecured(Path dir, int port, List<String> users) {
        return start(dir, port, users);
    }

    private static LocalKafka start(Path dir, int port, List<String> securedUsers) {
        try {
            Files.createDirectories(dir);
            Properties saved = SavedProperties.loadOrCreate(dir.resolve("ports.properties"),
                    "ports of this local broker; kept so a restart comes back where clients expect it", p -> {
                        p.setProperty("port", String.valueOf(port == 0 ? freePort() : port));
                        p.setProperty("controller.port", String.valueOf(freePort()));
                    });
            Path home = dir.toAbsolutePath();
            DevSecurity security = securedUsers != null || DevSecurity.present(home)
                    ? DevSecurity.prepare(home, securedUsers == null ? List.of() : securedUsers) : null;
            return new LocalKafka(home, Integer.parseInt(saved.getProperty("port")),
                    Integer.parseInt(saved.getProperty("controller.port")), security).launch();
        } catch (IOException e) {
            throw new UncheckedIOException("starting the local Kafka broker in " + dir, e);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    /** True if clients must authenticate (SASL_SSL) and ACLs decide what they may do. */
    public boolean secured() {
        return security != null;
    }

    /**
     * A client properties file for {@code user} of a secured broker (bootstrap, SASL_SSL, SCRAM, the
     * dev CA's truststore): {@code tinyvol --kafka-config}, or Kafka's tools' {@code --command-config}.
     */
    public Path clientConfig(String user) {
        if (security == null) {
            throw new IllegalStateException("this broker is not secured; start it with startSecured");
        }
        try {
            return security.clientConfig(user, bootstrap());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@link #clientConfig}, for the secured broker's mutual-TLS listener: {@code user} logs in with
     * a client certificate for {@code CN=user} (principal {@code User:user}), no password.
     */
    public Path mutualTlsConfig(String user) {
        if (security == null) {
            throw new IllegalStateException("this broker is not secured; start it with startSecured");
        }
        try {
            return security.mutualTlsConfig(user);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the broker again on the same data and port, after {@link #stop()} or {@link #kill()}. */
    public synchronized void restart() {
        if (isRunning()) {
            throw new IllegalStateException("the broker is running");
        }
        try {
            startProcess();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clean shutdown (SIGTERM), waiting for it. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /**
     * Freezes the broker (SIGSTOP): its sockets stay open and nothing answers, as with a broker
     * stuck in a long GC pause or a hung disk. {@link #thaw()} resumes it.
     */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** Resumes a frozen broker (SIGCONT). */
    public synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null) {
            throw new IllegalStateException("the broker is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A crash (SIGKILL). */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** Writes the configuration, formats the storage on first use, and starts the process. */
    private LocalKafka launch() throws IOException {
        writeConfig();
        if (!Files.exists(dir.resolve("data/meta.properties"))) {
            format();
        }
        startProcess();
        return this;
    }

    private void writeConfig() throws IOException {
        boolean controller = nodeId == 1;
        List<String> listeners = security != null ? security.brokerConfig(port, controllerPort) : List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port + (controller ? ",CONTROLLER://127.0.0.1:" + controllerPort : ""),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        String config = String.join("\n",
                "process.roles=" + (controller ? "broker,controller" : "broker"),
                "node.id=" + nodeId,
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "controller.listener.names=CONTROLLER",
                String.join("\n", listeners),
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.messages=1000000",
                "") ;
        Files.writeString(dir.resolve("server.properties"), config);
        String log4j = String.join("\n",
                "status = warn",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = " + dir.resolve("broker.log"),
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = info",
                "rootLogger.appenderRef.file.ref = file",
                "logger.kafka.name = kafka",
                "logger.kafka.level = info",
                "logger.apache.name = org.apache.kafka",
                "logger.apache.level = warn",
                "");
        Files.writeString(dir.resolve("log4j2.properties"), log4j);
    }

    private void format() throws IOException {
        byte[] uuid = new byte[16];
        new SecureRandom().nextBytes(uuid);
        String clusterId = joinClusterId != null ? joinClusterId : Base64.getUrlEncoder().withoutPadding().encodeToString(uuid);
        // "--cluster-id=ID" in one word: an id that starts with '-' (1 in 64 of them) would read as an option.
        List<String> args = new ArrayList<>(List.of("format", "--cluster-id=" + clusterId,
                "-c", dir.resolve("server.properties").toString()));
        if (security != null) {
            args.addAll(security.formatArguments());
        }
        Process format = new ProcessBuilder(java("kafka.tools.StorageTool", args.toArray(String[]::new)))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("format.log").toFile())
                .start();
        try {
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("formatting the broker's storage failed: " + Files.readString(dir.resolve("format.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while formatting the broker's storage", e);
        }
    }

    private void startProcess() throws IOException {
        Path log = dir.resolve("broker.log");
        long before = Files.exists(log) ? Files.size(log) : 0; // what earlier runs wrote
        long[] scanned = {before, before};
        process = new ProcessBuilder(java("kafka.Kafka", dir.resolve("server.properties").toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.out").toFile()))
                .start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the broker exited with " + process.exitValue() + "; see " + dir.resolve("broker.out")
                        + " and " + log + ": " + tail(dir.resolve("broker.out")));
            }
            if (started(log, scanned) && accepts()) {
                return;
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new IOException("the broker did not start within " + START_TIMEOUT_MS / 1000 + " s; see " + log);
    }

    /**
     * Reads the broker's log from {@code scanned[0]} on and moves it forward (never before
     * {@code scanned[1]}, where this run began): true once "Kafka Server started" appears.
     * Incremental, since a broker loading many partitions writes megabytes.
     */
    private static boolean started(Path log, long[] scanned) throws IOException {
        if (!Files.exists(log)) {
            return false;
        }
        try (var channel = java.nio.channels.FileChannel.open(log)) {
            long size = channel.size();
            // Back a little, so a line cut by the previous read is whole in this one.
            long start = Math.max(scanned[1], Math.min(scanned[0], size) - 100);
            java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate((int) Math.min(size - start, 8 * 1024 * 1024));
            while (chunk.hasRemaining() && channel.read(chunk, start + chunk.position()) > 0) {
                // read on
            }
            scanned[0] = start + chunk.position();
            return new String(chunk.array(), 0, chunk.position(), StandardCharsets.UTF_8).contains("Kafka Server started");
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> java(String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms128m");
        // -Dtinyvol.devbroker.heap=2g for a broker with many thousands of partitions (benchmarks).
        command.add("-Xmx" + System.getProperty("tinyvol.devbroker.heap", "512m"));
        command.add("-XX:+UseSerialGC");
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        command.add("-cp");
        command.add(brokerClasspath());
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private static String brokerClasspath() throws IOException {
        try (InputStream in = LocalKafka.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IOException(CLASSPATH_RESOURCE + " is missing: build the devbroker module with Maven first");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    private static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        String text = Files.readString(file);
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the broker", e);
        }
    }

    /**
     * {@code java -cp devbroker.jar dev.tinyvol.devbroker.LocalKafka [DIR] [--secured USER,...]}: runs a
     * broker until Ctrl-C; secured, it prints each user's client settings file.
     */
    public static void main(String[] args) throws InterruptedException {
        List<String> rest = new ArrayList<>(List.of(args));
        List<String> users = null;
        int flag = rest.indexOf("--secured");
        if (flag >= 0) {
            users = flag + 1 < rest.size() ? List.of(rest.get(flag + 1).split(",")) : List.of();
            rest.subList(flag, Math.min(flag + 2, rest.size())).clear();
        }
        Path dir = Path.of(rest.isEmpty() ? "target/local-kafka" : rest.get(0));
        LocalKafka kafka = users == null ? start(dir, 0) : startSecured(dir, 0, users);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop));
        System.out.println("Kafka broker (KRaft, one node) at " + kafka.bootstrap() + ", data in " + kafka.dir());
        if (kafka.secured()) {
            System.out.println("SASL_SSL (SCRAM-SHA-512), StandardAuthorizer; client settings (--kafka-config):");
            kafka.security.users().forEach(u -> System.out.println("  " + u + ": " + kafka.clientConfig(u) + "  (mutual TLS: "
                    + kafka.mutualTlsConfig(u) + ")"));
        }
        kafka.process.waitFor();
    }
}
