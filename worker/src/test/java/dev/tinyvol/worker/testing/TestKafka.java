package dev.tinyvol.worker.testing;

import dev.tinyvol.devbroker.LocalKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one Kafka broker of a test run: Apache Kafka's own broker (KRaft) started once, as a child
 * process, on first use, and stopped when the test JVM exits. {@code TINYVOL_TEST_BOOTSTRAP} points
 * the tests at an existing cluster instead (then the broker restart test cannot run and says so).
 */
public final class TestKafka {

    private static LocalKafka broker;

    private TestKafka() {
    }

    public static synchronized String bootstrap() {
        String external = System.getenv("TINYVOL_TEST_BOOTSTRAP");
        if (external != null && !external.isBlank()) {
            return external;
        }
        return broker().bootstrap();
    }

    /** The local broker, started if needed (not available with TINYVOL_TEST_BOOTSTRAP). */
    public static synchronized LocalKafka broker() {
        if (broker == null) {
            try {
                Path dir = Files.createTempDirectory("tinyvol-test-kafka");
                broker = LocalKafka.start(dir, 0);
                LocalKafka started = broker;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    started.kill();
                    try {
                        Mount.run("rm", "-rf", dir.toString());
                    } catch (IOException ignored) {
                        // A temp directory left behind is harmless.
                    }
                }));
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the test broker", e);
            }
        }
        return broker;
    }
}
