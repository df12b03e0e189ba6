package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.testing.WorkerFixture;
import dev.tinyvol.worker.testing.WorkerProcess;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started while its broker is not there yet (a node booting before Kafka, an outage)
 * waits and says so in one line every few seconds, no stack trace, and serves once the broker is up.
 */
class BrokerLaterTest {

    @TempDir
    Path tmp;

    @Test
    void aWorkerStartedBeforeItsBrokerWaitsSaysSoAndThenServes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String node = "later-" + UUID.randomUUID().toString().substring(0, 8);
        Path config = tmp.resolve("worker.properties");
        Files.writeString(config, String.join("\n", "node=" + node, "cas.dir=" + tmp.resolve("cas"),
                "volumes.dir=" + tmp.resolve("volumes"), "kafka.bootstrap.servers=127.0.0.1:" + port, ""));
        try (WorkerProcess worker = new WorkerProcess(config, tmp.resolve("worker.log"))) {
            CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                try {
                    worker.start(); // returns once the consumer has its partitions
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.currentTimeMillis() + 60_000;
            while (!worker.logSoFar().contains("trying again in 5 s (attempt 1)") && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            String waiting = worker.logSoFar();
            assertTrue(waiting.contains("cannot reach Kafka at 127.0.0.1:" + port), waiting);
            assertFalse(waiting.contains("\tat "), "one line each, no stack trace: " + waiting);
            assertFalse(started.isDone(), "still waiting, not stopped");

            try (LocalKafka broker = LocalKafka.start(tmp.resolve("kafka"), port);
                 WorkerFixture.Client client = awaitClient(broker.bootstrap())) {
                started.get(90, TimeUnit.SECONDS);
                assertTrue(worker.log().contains("Kafka answers now"), worker.log());
                String id = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
                assertEquals(Status.SUCCEEDED, client.await(id, Duration.ofSeconds(60)).status());
                assertEquals(0, worker.terminate());
            }
        }
    }

    /** The results topic exists once the worker has made it; until then the client cannot start. */
    private static WorkerFixture.Client awaitClient(String bootstrap) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 90_000;
        while (true) {
            try {
                return new WorkerFixture.Client(bootstrap);
            } catch (IllegalStateException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }
}
