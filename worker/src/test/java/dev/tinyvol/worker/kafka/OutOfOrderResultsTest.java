package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 3: a request that waits (its image's registry hangs, stopped with SIGSTOP) holds
 * back no other result in its partition, and results published past it are not published again
 * when the partition is read anew. Before, results were published only from the head of each
 * partition: the five local assemblies read after the hung one waited for it.
 */
class OutOfOrderResultsTest {

    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void aRequestThatWaitsHoldsBackNoOtherResultAndNothingIsAnsweredTwice() throws Exception {
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
            TestImages.Layer layer = TestImages.layer(TestImages.Compression.GZIP, tar -> tar.file("srv/index.html", "hung\n", 0644));
            String image = registry.host() + "/hung/web:1";
            TestImages.push(push, ImageReference.parse(image), List.of(layer), "amd64");
            String node = "order-" + UUID.randomUUID().toString().substring(0, 8);
            Path cas = tmp.resolve("cas");
            new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "local", 2, Progress.NONE);
            // One partition, so every request below is in line behind the one that hangs.
            Map<String, String> settings = Map.of("topics.requests.partitions", "1", "shutdown.grace", "1s");

            String hung;
            List<String> local = new ArrayList<>();
            // The first worker makes the topics; the client reads results from then on.
            WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), settings);
            try (WorkerFixture.Client client = new WorkerFixture.Client()) {
                try (worker) {
                    registry.freeze();
                    hung = client.send(node, "img", assemble("img", "\"image\":\"" + image + "\""));
                    for (int i = 1; i <= 5; i++) {
                        local.add(client.send(node, "local-" + i, assemble("local-" + i, "\"manifestRef\":\"local\"")));
                    }
                    for (String id : local) {
                        Result r = client.await(id, WAIT);
                        assertEquals(Status.SUCCEEDED, r.status(), r.errors().toString());
                    }
                    assertFalse(client.all(Duration.ofMillis(500)).containsKey(hung),
                            "the hung request was answered before the ones read after it");

                    OffsetAndMetadata committed = committed(node);
                    System.out.println("committed while the first request hangs: offset " + committed.offset()
                            + ", metadata \"" + committed.metadata() + "\"");
                    assertEquals(0, committed.offset(), "the hung request (offset 0) is the first unanswered");
                    assertEquals("tinyvol/1 answered=1-5", committed.metadata());
                }
                // The worker stopped with the pull still hanging: that request was not committed. The
                // next worker reads the partition from offset 0 and answers it, and only it.
                registry.thaw();
                try (WorkerFixture again = new WorkerFixture(node, cas, tmp.resolve("volumes"), settings)) {
                    Result r = client.await(hung, WAIT);
                    assertEquals(Status.SUCCEEDED, r.status(), r.errors().toString());
                    Map<String, List<Result>> all = client.all(Duration.ofSeconds(3));
                    for (String id : local) {
                        assertEquals(1, all.get(id).size(), "answered once: " + id);
                    }
                    assertEquals(1, all.get(hung).size());
                    OffsetAndMetadata after = committed(node);
                    assertEquals(6, after.offset());
                    assertEquals("", after.metadata());
                }
            } finally {
                registry.thaw();
            }
        }
    }

    private static OffsetAndMetadata committed(String node) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("tinyvol-worker-" + node)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata o = offsets.get(new TopicPartition("tinyvol.requests." + node, 0));
            assertTrue(o != null, "no committed offset: " + offsets);
            return o;
        }
    }

    private static String assemble(String volume, String source) {
        return "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"" + volume + "\"," + source + "}";
    }
}
