package dev.tinyvol.worker.testing;

import dev.tinyvol.devbroker.LocalKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one Kafka broker of a test run, chosen once: {@code TINYVOL_TEST_BOOTSTRAP} if set (an existing
 * cluster); else, where a Docker engine is reachable, Testcontainers' Kafka module; else Apache
 * Kafka's own broker (KRaft) as a child process. Started on first use, stopped when the JVM exits.
 */
public final class TestKafka {

    static final String IMAGE = "apache/kafka:4.1.0";

    private static String bootstrap;

    private TestKafka() {
    }

    public static synchronized String bootstrap() {
        if (bootstrap == null) {
            String external = System.getenv("TINYVOL_TEST_BOOTSTRAP");
            if (external != null && !external.isBlank()) {
                bootstrap = external;
            } else if (dockerReachable()) {
                KafkaContainer container = new KafkaContainer(IMAGE);
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
                bootstrap = container.getBootstrapServers();
            } else {
                bootstrap = startLocal().bootstrap();
            }
        }
        return bootstrap;
    }

    /**
     * A broker of the test's own, as a child process, for tests that stop and restart it. The caller
     * closes it; it is killed at JVM exit in any case.
     */
    public static LocalKafka startLocal() {
        try {
            Path dir = Files.createTempDirectory("tinyvol-test-kafka");
            LocalKafka broker = LocalKafka.start(dir, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                broker.kill();
                try {
                    Mount.run("rm", "-rf", dir.toString());
                } catch (IOException ignored) {
                    // A temp directory left behind is harmless.
                }
            }));
            return broker;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a local broker", e);
        }
    }

    /** Asks Docker only where an engine could be: probing for one that is not there is slow and noisy. */
    private static boolean dockerReachable() {
        boolean candidate = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
        return candidate && DockerClientFactory.instance().isDockerAvailable();
    }
}
