package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import dev.tinyvol.worker.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker process frozen (SIGSTOP) for longer than the worker's commit time-out while thousands
 * of results flow, then resumed: commits that timed out are retried, never abandoned (KIP-588), so
 * a read_committed reader sees every result exactly once. Then a SIGTERM while the broker is frozen:
 * the worker exits 0, and what it could not publish is answered after it starts again.
 */
class FrozenBrokerTest {

    private static final int BURST = 2000;
    private static final long FREEZE_MS = 3000;
    private static final int FREEZES = 6;

    @TempDir
    Path tmp;

    @Test
    void commitsThatTimeOutWhileTheBrokerIsFrozenAreNeitherLostNorDuplicated() throws Exception {
        String node = "frozen-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        List<String> ids = new CopyOnWriteArrayList<>();
        // A broker of this test's own, since this test freezes it.
        try (LocalKafka broker = TestKafka.startLocal()) {
            Path config = tmp.resolve("worker.properties");
            Files.writeString(config, String.join("\n", "node=" + node, "cas.dir=" + cas,
                    "volumes.dir=" + tmp.resolve("volumes"), "kafka.bootstrap.servers=" + broker.bootstrap(),
                    // Commits time out after 2 s on the client, well inside the freeze.
                    "kafka.max.block.ms=2000", "kafka.request.timeout.ms=1500", "kafka.delivery.timeout.ms=3000",
                    "shutdown.grace=5s", ""));
            try (WorkerProcess worker = new WorkerProcess(config, tmp.resolve("worker.log")).start();
                 WorkerFixture.Client client = new WorkerFixture.Client(broker.bootstrap())) {

                // 1. Frozen mid-burst, then resumed; again (at most FREEZES times) until a freeze has
                //    caught a commit in flight, so the in-doubt path is what this run exercises.
                int freezes = 0;
                long inDoubt = 0;
                while (freezes < FREEZES && inDoubt == 0) {
                    int from = ids.size();
                    Thread sender = sender(client, node, ids, from, from + BURST);
                    sender.start();
                    awaitAnswers(client, from + 300);
                    broker.freeze();
                    Thread.sleep(FREEZE_MS);
                    broker.thaw();
                    freezes++;
                    sender.join(120_000);
                    count(client, ids);
                    inDoubt = count(worker.log(), "is in doubt and will be retried");
                }
                Counts first = count(client, ids);
                System.out.printf("frozen broker test: %d freezes of %d ms (commit time-out 2 s) during bursts of %d: "
                                + "sent %d, answered %d, lost %d, duplicated %d, failed %d; commits caught in doubt and "
                                + "retried: %d%n", freezes, FREEZE_MS, BURST, ids.size(), first.answered,
                        ids.size() - first.answered, first.duplicated, first.failed, inDoubt);
                assertEquals(freezes * BURST, ids.size());
                assertEquals(ids.size(), first.answered, "lost");
                assertEquals(0, first.duplicated, "duplicated");
                assertEquals(0, first.failed, "failed");

                // 2. SIGTERM while the broker is frozen: exit 0, nothing lost.
                Thread more = sender(client, node, ids, ids.size(), ids.size() + 500);
                more.start();
                more.join(60_000);
                broker.freeze();
                int exit;
                try {
                    exit = worker.terminate();
                } finally {
                    broker.thaw();
                }
                assertEquals(0, exit, "SIGTERM while Kafka is unreachable exits 0: " + tail(worker.log()));
                worker.start();
                Counts second = count(client, ids);
                System.out.printf("SIGTERM while frozen: exit %d; then sent %d in all, answered %d, lost %d, duplicated %d%n",
                        exit, ids.size(), second.answered, ids.size() - second.answered, second.duplicated);
                assertEquals(ids.size(), second.answered, "lost");
                assertEquals(0, second.duplicated, "duplicated");
                assertEquals(0, worker.terminate());
            }
        }
    }

    private static Thread sender(WorkerFixture.Client client, String node, List<String> ids, int from, int to) {
        return new Thread(() -> {
            for (int i = from; i < to; i++) {
                String volume = "v-" + (i % 50);
                // Every 30th an assembly; the rest teardowns of volumes mostly absent: cheap, so thousands flow.
                String json = i % 30 == 0
                        ? "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"" + volume
                        + "\",\"manifestRef\":\"rootfs\",\"options\":{\"replace\":true}}"
                        : "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\",\"volume\":\"" + volume + "\"}";
                ids.add(client.send(node, volume, json));
            }
        }, "sender");
    }

    private static int awaitAnswers(WorkerFixture.Client client, int n) {
        long deadline = System.currentTimeMillis() + 60_000;
        int seen = 0;
        while (seen < n && System.currentTimeMillis() < deadline) {
            seen = client.all(Duration.ofMillis(50)).size();
        }
        return seen;
    }

    private record Counts(long answered, long duplicated, long failed) {
    }

    private static Counts count(WorkerFixture.Client client, List<String> ids) {
        for (String id : ids) {
            client.await(id, Duration.ofSeconds(120));
        }
        Map<String, List<Result>> results = client.all(Duration.ofSeconds(2));
        long answered = ids.stream().filter(results::containsKey).count();
        long duplicated = ids.stream().filter(id -> results.containsKey(id) && results.get(id).size() > 1).count();
        long failed = ids.stream().filter(id -> results.containsKey(id) && results.get(id).get(0).status() != Status.SUCCEEDED)
                .count();
        return new Counts(answered, duplicated, failed);
    }

    private static long count(String log, String phrase) {
        return log.lines().filter(l -> l.contains(phrase)).count();
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 4000));
    }
}
