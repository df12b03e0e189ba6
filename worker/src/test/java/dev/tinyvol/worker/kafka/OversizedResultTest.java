package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.VolumeSummary;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 2: a result that cannot be published never wedges the node. Every result fits by
 * construction (lists bounded, LIST in pages, cut to the record limit with {@code truncated}); a
 * record Kafka refuses anyway is answered FAILED / RESULT_TOO_LARGE, once, and the records published
 * with it are not held up.
 */
class OversizedResultTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    static String assemble(String volume) {
        return "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"" + volume
                + "\",\"manifestRef\":\"one\"}";
    }

    static String list(String after, int limit) {
        String options = (after == null ? "" : "\"after\":\"" + after + "\"") + (limit == 0 ? ""
                : (after == null ? "" : ",") + "\"limit\":" + limit);
        return "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\",\"options\":{" + options + "}}";
    }

    private Path oneFileCas() throws Exception {
        Path cas = tmp.resolve("cas");
        Path src = tmp.resolve("src");
        Trees.file(src, "f", "one file\n", 0644);
        new Ingester(Cas.create(cas), 2).ingest(src, "one", 2, Progress.NONE);
        return cas;
    }

    /** Reads every page of a LIST, from the first; returns the volumes in the order read. */
    static List<VolumeSummary> allPages(WorkerFixture.Client client, String node, int limit, List<Result> pages) {
        List<VolumeSummary> all = new ArrayList<>();
        String after = null;
        do {
            Result page = client.await(client.send(node, "*", list(after, limit)), WAIT);
            assertEquals(Status.SUCCEEDED, page.status(), () -> "page after " + page.nextPage() + ": " + page.errors());
            pages.add(page);
            all.addAll(page.volumes());
            after = page.nextPage();
        } while (after != null);
        return all;
    }

    /** The run of the issue: max.request.size 30000, 150 one-file volumes, a LIST, one more ASSEMBLE. */
    @Test
    void aSmallRecordLimitAnswersTheListInPagesAndEveryRequestAfterIt() throws Exception {
        String node = "big-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = oneFileCas();
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of("kafka.max.request.size", "30000"));
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                ids.add(client.send(node, String.format("v%03d", i), assemble(String.format("v%03d", i))));
            }
            for (String id : ids) {
                assertEquals(Status.SUCCEEDED, client.await(id, WAIT).status());
            }
            String listId = client.send(node, "*", list(null, 0));
            String lastId = client.send(node, "v150", assemble("v150"));
            Result listed = client.await(listId, WAIT);
            Result last = client.await(lastId, WAIT);
            System.out.println("oversized LIST, first page (" + ResultCodec.encode(listed).length + " bytes): "
                    + new String(ResultCodec.encode(listed), java.nio.charset.StandardCharsets.UTF_8));
            System.out.println("the ASSEMBLE after it: " + last.status() + " " + last.outcome());

            assertEquals(Status.SUCCEEDED, listed.status());
            assertEquals(150, listed.volumesTotal(), "the total counts every volume");
            assertTrue(listed.truncated(), "the page was cut to fit 30000 bytes");
            assertTrue(listed.volumes().size() < 150 && !listed.volumes().isEmpty(), "a page, not all: " + listed.volumes().size());
            assertEquals(listed.volumes().get(listed.volumes().size() - 1).volume(), listed.nextPage(),
                    "the next page starts after the last volume of this one");
            assertTrue(ResultCodec.encode(listed).length < 30_000);
            assertEquals(Status.SUCCEEDED, last.status(), "the ASSEMBLE after the LIST is answered");

            List<Result> pages = new ArrayList<>();
            List<VolumeSummary> all = allPages(client, node, 0, pages);
            TreeSet<String> names = new TreeSet<>();
            all.forEach(v -> assertTrue(names.add(v.volume()), "listed once: " + v.volume()));
            assertEquals(151, names.size(), "every volume, page by page");
            assertEquals("v000", names.first());
            assertEquals("v150", names.last());
            System.out.println("read page by page: " + pages.size() + " pages of " + pages.stream()
                    .map(p -> String.valueOf(p.volumes().size())).toList() + " volumes");

            Map<String, List<Result>> seen = client.all(Duration.ofSeconds(2));
            assertEquals(1, seen.get(listId).size(), "the LIST is answered once");
            assertEquals(1, seen.get(lastId).size(), "the ASSEMBLE is answered once");
        }
    }

    /**
     * The broker refuses a record the worker's producer would take (the results topic's
     * max.message.bytes is smaller than max.request.size): that record alone is answered FAILED /
     * RESULT_TOO_LARGE, once; the results published in the same batch go out as they are.
     */
    @Test
    void aRecordTheBrokerRefusesIsAnsweredResultTooLargeAndTheRestOfItsBatchGoesOut() throws Exception {
        String node = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        String results = "tinyvol.results." + node;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(results, 1, (short) 1).configs(Map.of("max.message.bytes", "20000"))))
                    .all().get();
        }
        Path cas = oneFileCas();
        makeVolumes(cas, 120);
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of("topic.results", results));
             WorkerFixture.Client client = new WorkerFixture.Client(TestKafka.bootstrap(), results)) {
            String before = client.send(node, "*", assemble("w1"));
            String listId = client.send(node, "*", list(null, 0));
            String after = client.send(node, "*", assemble("w2"));
            Result listed = client.await(listId, WAIT);
            System.out.println("LIST the broker refused: " + new String(ResultCodec.encode(listed),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(Status.FAILED, listed.status());
            assertEquals("RESULT_TOO_LARGE", listed.errors().get(0).code());
            assertTrue(listed.errors().get(0).message().contains("RecordTooLargeException"), listed.errors().get(0).message());
            assertEquals(121, listed.volumesTotal(), "the small record keeps the figures (120 and w1, built before the LIST)");
            assertTrue(listed.volumes().isEmpty());
            assertEquals(Status.SUCCEEDED, client.await(before, WAIT).status());
            assertEquals(Status.SUCCEEDED, client.await(after, WAIT).status());
            Map<String, List<Result>> seen = client.all(Duration.ofSeconds(2));
            assertEquals(1, seen.get(listId).size(), "answered once");
            // A smaller page fits: the scheduler's way on.
            Result small = client.await(client.send(node, "*", list(null, 20)), WAIT);
            assertEquals(Status.SUCCEEDED, small.status());
            assertEquals(20, small.volumes().size());
            assertNotNull(small.nextPage());
        }
    }

    /**
     * A record the worker must dead-letter that is larger than its own max.request.size (the broker
     * took it): the producer refuses it at once; it goes to the dead-letter topic without its value,
     * its headers saying why, once, and the request read after it is answered.
     */
    @Test
    void aDeadLetterLargerThanTheLimitGoesWithoutItsValueAndHoldsNothingUp() throws Exception {
        String node = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = oneFileCas();
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of("kafka.max.request.size", "30000"));
             WorkerFixture.Client client = new WorkerFixture.Client();
             org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> dlq = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                     Map.of("bootstrap.servers", TestKafka.bootstrap(), "isolation.level", "read_committed",
                             "auto.offset.reset", "earliest", "group.id", "dlq-reader-" + node),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            client.sender.sendRaw("tinyvol.requests." + node, "w".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "x".repeat(40_000).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String after = client.send(node, "w", assemble("w"));
            assertEquals(Status.SUCCEEDED, client.await(after, WAIT).status(), "the request after it is answered");
            dlq.subscribe(List.of(worker.config.deadLetterTopic()));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                dlq.poll(Duration.ofMillis(500)).forEach(letters::add);
            }
            assertEquals(1, letters.size(), "dead-lettered once");
            assertNull(letters.get(0).value(), "without the value Kafka refused");
            String reason = new String(letters.get(0).headers().lastHeader("tinyvol.dlq.reason").value(),
                    java.nio.charset.StandardCharsets.UTF_8);
            System.out.println("dead letter too large for the limit: " + reason);
            assertTrue(reason.contains("RecordTooLargeException") && reason.contains("40000 bytes"), reason);
        }
    }

    /** A node with 5,000 volumes LISTed at the default limit: every volume read, page by page. */
    @Test
    void fiveThousandVolumesAreReadPageByPageAtTheDefaultLimit() throws Exception {
        String node = "many-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = oneFileCas();
        makeVolumes(cas, 5_000);
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of());
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            List<Result> pages = new ArrayList<>();
            List<VolumeSummary> all = allPages(client, node, 0, pages);
            TreeSet<String> names = new TreeSet<>();
            all.forEach(v -> assertTrue(names.add(v.volume()), "listed once: " + v.volume()));
            assertEquals(5_000, names.size());
            for (Result page : pages) {
                assertEquals(5_000, page.volumesTotal());
                assertFalse(page.truncated(), "a page of the default size fits 1 MB whole");
                assertTrue(page.volumes().size() <= 1000);
                assertTrue(ResultCodec.encode(page).length < 1_048_576);
                assertTrue(page.volumes().stream().allMatch(v -> v.manifestId() != null && v.files() == 1));
            }
            assertNull(pages.get(pages.size() - 1).nextPage());
            System.out.println("5,000 volumes: " + pages.size() + " pages, the largest "
                    + pages.stream().mapToInt(p -> ResultCodec.encode(p).length).max().orElse(0) + " bytes");
        }
    }

    /** Volumes built straight from the store (fast), recorded as a worker records them. */
    private void makeVolumes(Path cas, int count) throws Exception {
        Cas store = Cas.open(cas);
        var manifest = new ManifestStore(store).load("one");
        try (VolumeService volumes = new VolumeService(store, VolumeStore.open(tmp.resolve("volumes")), 2)) {
            for (int i = 0; i < count; i++) {
                volumes.assemble(String.format("vol-%05d", i), manifest, "ref:one", AssemblyOptions.DEFAULTS, Progress.NONE,
                        () -> { });
            }
        }
    }
}
