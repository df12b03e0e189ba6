package dev.tinyvol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client library's reader survives a listener that throws, and answered requests cancel their time-outs. */
class TinyVolClientTest {

    @TempDir
    Path tmp;

    @Test
    void aThrowingListenerKillsNothingAndTimeoutsAreCancelled() throws Exception {
        String node = "client-" + UUID.randomUUID().toString().substring(0, 8);
        try (WorkerFixture worker = new WorkerFixture(node, tmp.resolve("cas"), tmp.resolve("volumes"), Map.of());
             TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", TestKafka.bootstrap(),
                     "max.block.ms", "2000"))) {
            AtomicInteger seen = new AtomicInteger();
            client.onResult(r -> {
                throw new IllegalStateException("a listener's bug");
            });
            client.onResult(r -> seen.incrementAndGet());
            List<CompletableFuture<Result>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(client.submit(list(node), Duration.ofMinutes(5)));
            }
            for (CompletableFuture<Result> a : answers) {
                assertEquals(Status.SUCCEEDED, a.get(60, TimeUnit.SECONDS).status());
            }
            long deadline = System.currentTimeMillis() + 10_000; // listeners run just after the futures complete
            while (seen.get() < 20 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(seen.get() >= 20, "the second listener saw every result: " + seen.get());
            assertEquals(0, client.scheduledTimeouts(), "answered requests left no time-out behind");
            assertEquals(0, client.pendingRequests());

            // A node whose topic exists but that nobody serves: its time-out fires and is gone as well.
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(
                        dev.tinyvol.messages.event.Topics.requests(node + "-nobody"), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            CompletableFuture<Result> silent = client.submit(list(node + "-nobody"), Duration.ofMillis(500));
            ExecutionException e = assertThrows(ExecutionException.class, () -> silent.get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
            assertEquals(0, client.scheduledTimeouts());
            assertEquals(0, client.pendingRequests());

            // A node without a topic is said at once, with its code, and leaves nothing behind either.
            CompletableFuture<Result> ghost = client.submit(list(node + "-ghost"), Duration.ofMinutes(5));
            ExecutionException g = assertThrows(ExecutionException.class, () -> ghost.get(30, TimeUnit.SECONDS));
            assertInstanceOf(dev.tinyvol.client.ClientFailure.class, g.getCause(), g.toString());
            assertEquals("NODE_TOPIC_NOT_FOUND", ((dev.tinyvol.client.ClientFailure) g.getCause()).code());
            assertEquals(0, client.scheduledTimeouts());
            assertEquals(0, client.pendingRequests());

            // The reader is still alive after all that.
            assertEquals(Status.SUCCEEDED, client.submit(list(node), Duration.ofMinutes(1)).get(60, TimeUnit.SECONDS).status());
        }
    }

    private static Request list(String node) {
        return new Request(1, UUID.randomUUID().toString(), "client-test", Action.LIST, node, null, null, null,
                RequestOptions.DEFAULTS, null);
    }
}
