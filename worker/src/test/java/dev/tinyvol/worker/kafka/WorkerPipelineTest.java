package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.charset.StandardCharsets;
import dev.tinyvol.worker.testing.Scrape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker against a real broker: requests in as any Kafka client would send them, results out. */
class WorkerPipelineTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    static WorkerFixture worker;
    static WorkerFixture.Client client;
    static String node;
    static int httpPort;

    @BeforeAll
    static void start() throws Exception {
        node = "pipe-" + UUID.randomUUID().toString().substring(0, 8);
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        worker = new WorkerFixture(node, cas, tmp.resolve("volumes"), Map.of("http.port", String.valueOf(httpPort), "cas.gc.min.age", "0s"));
        client = new WorkerFixture.Client();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        worker.close();
    }

    /** Sends raw JSON, as a client in another language would, keyed as DESIGN.md says. */
    static String send(String key, String json) {
        String id = UUID.randomUUID().toString();
        client.sender.sendRaw("tinyvol.requests." + node, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                json.replace("$ID", id).replace("$NODE", node).getBytes(StandardCharsets.UTF_8));
        return id;
    }

    static Result answer(String key, String json) {
        return client.await(send(key, json), WAIT);
    }

    @Test
    void everyActionEndToEnd() {
        Result assembled = answer("web-1", "{\"requestId\":\"$ID\",\"correlationId\":\"c-1\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                + "\"volume\":\"web-1\",\"manifestRef\":\"rootfs\"}");
        assertEquals(Status.SUCCEEDED, assembled.status(), assembled.errors().toString());
        assertEquals("BUILT", assembled.outcome());
        assertEquals(Action.ASSEMBLE, assembled.action());
        assertEquals("c-1", assembled.correlationId());
        assertEquals(node, assembled.node());
        assertEquals(6, assembled.filesLinked());
        assertEquals(2, assembled.symlinks());
        assertTrue(assembled.dirsCreated() > 0);
        assertTrue(assembled.bytes() > 0);
        assertEquals(1, assembled.attempts());
        assertEquals(worker.volumes.resolve("web-1").toString(), assembled.targetDir());
        assertNotNull(assembled.startedAt());
        assertFalse(assembled.finishedAt().isBefore(assembled.startedAt()));
        assertTrue(Files.exists(worker.volumes.resolve("web-1/usr/bin/su")));

        Result verified = answer("web-1", "{\"requestId\":\"$ID\",\"action\":\"VERIFY\",\"node\":\"$NODE\",\"volume\":\"web-1\","
                + "\"options\":{\"verify\":true}}");
        assertEquals(Status.SUCCEEDED, verified.status(), verified.errors().toString());
        assertTrue(verified.verify().deep());
        assertEquals(0, verified.verify().mismatched());
        assertTrue(verified.verify().verified() > 6);

        Result inline = answer("web-2", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"web-2\","
                + "\"manifest\":{\"version\":2,\"entries\":{\"bin/tool\":{\"digest\":\"" + sha("#!/bin/sh\necho tool\n")
                + "\",\"mode\":\"0755\"},\"etc\":{\"dir\":true,\"mode\":\"0700\"}}}}");
        assertEquals(Status.SUCCEEDED, inline.status(), inline.errors().toString());
        assertEquals(1, inline.filesLinked());

        Result list = answer("*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
        assertEquals(Status.SUCCEEDED, list.status());
        List<String> listed = list.volumes().stream().map(v -> v.volume()).toList();
        assertTrue(listed.contains("web-1") && listed.contains("web-2"), listed.toString());
        assertEquals(6, list.volumes().stream().filter(v -> v.volume().equals("web-1")).findFirst().orElseThrow().files());

        Result teardown = answer("web-1", "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\",\"volume\":\"web-1\"}");
        assertEquals(Status.SUCCEEDED, teardown.status());
        assertEquals("REMOVED", teardown.outcome());
        assertFalse(Files.exists(worker.volumes.resolve("web-1")));
        Result again = answer("web-1", "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\",\"volume\":\"web-1\"}");
        assertEquals("ABSENT", again.outcome());

        Result dryRun = answer("*", "{\"requestId\":\"$ID\",\"action\":\"PURGE\",\"node\":\"$NODE\",\"options\":{\"dryRun\":true}}");
        assertEquals("WOULD_REMOVE", dryRun.outcome());
        assertTrue(Files.exists(worker.volumes.resolve("web-2")));
        Result purge = answer("*", "{\"requestId\":\"$ID\",\"action\":\"PURGE\",\"node\":\"$NODE\"}");
        assertEquals(Status.SUCCEEDED, purge.status());
        // Other tests of this class may have left volumes too: PURGE takes every one.
        assertTrue(purge.volumes().stream().map(v -> v.volume()).toList().contains("web-2"), purge.volumes().toString());
        assertFalse(Files.exists(worker.volumes.resolve("web-2")));
        assertEquals(List.of(), answer("*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}").volumes());
    }

    @Test
    void anUnreadableRecordIsDeadLetteredAndTheNextRequestStillServed() {
        client.sender.sendRaw("tinyvol.requests." + node, "web-9".getBytes(StandardCharsets.UTF_8),
                "this is not json".getBytes(StandardCharsets.UTF_8));
        client.sender.sendRaw("tinyvol.requests." + node, null, "{\"action\":\"LIST\"}".getBytes(StandardCharsets.UTF_8));
        Result next = answer("*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
        assertEquals(Status.SUCCEEDED, next.status());

        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", TestKafka.bootstrap(), "isolation.level", "read_committed"));
        try (KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("tinyvol.requests." + node + ".dlq", 0);
            dlq.assign(List.of(tp));
            dlq.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> dead = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (dead.size() < 2 && System.currentTimeMillis() < deadline) {
                dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
            }
            assertEquals(2, dead.size());
            ConsumerRecord<byte[], byte[]> first = dead.get(0);
            assertEquals("this is not json", new String(first.value(), StandardCharsets.UTF_8));
            assertEquals("web-9", new String(first.key(), StandardCharsets.UTF_8));
            assertTrue(header(first, "tinyvol.dlq.reason").startsWith("not JSON"), header(first, "tinyvol.dlq.reason"));
            assertEquals("tinyvol.requests." + node, header(first, "tinyvol.dlq.topic"));
            assertEquals("0", header(first, "tinyvol.dlq.partition"));
            assertTrue(Long.parseLong(header(first, "tinyvol.dlq.offset")) >= 0);
            assertTrue(header(dead.get(1), "tinyvol.dlq.reason").contains("no readable requestId"));
        }
    }

    @Test
    void invalidWrongNodeAndExpiredRequestsAreAnsweredNotExecuted() {
        Result invalid = answer("x", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"../x\",\"manifestRef\":\"rootfs\"}");
        assertEquals(Status.REJECTED, invalid.status());
        assertEquals("INVALID_FIELD", invalid.errors().get(0).code());
        assertEquals("volume", invalid.errors().get(0).path());

        Result hostile = answer("v", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"v\","
                + "\"manifest\":{\"version\":2,\"entries\":{\"etc\":{\"symlink\":\"/etc\"},\"etc/passwd\":{\"digest\":\"" + "a".repeat(64) + "\"}}}}");
        assertEquals(Status.REJECTED, hostile.status());
        assertEquals("manifest.entries[\"etc/passwd\"]", hostile.errors().get(0).path());

        Result wrongNode = answer("v", "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"someone-else\",\"volume\":\"v\"}");
        assertEquals(Status.REJECTED, wrongNode.status());
        assertEquals("WRONG_NODE", wrongNode.errors().get(0).code());

        Result expired = answer("late", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"late\","
                + "\"manifestRef\":\"rootfs\",\"deadline\":\"" + Instant.now().minusSeconds(5) + "\"}");
        assertEquals(Status.EXPIRED, expired.status());
        assertEquals("DEADLINE_PASSED", expired.errors().get(0).code());
        assertFalse(Files.exists(worker.volumes.resolve("late")), "an expired request is not executed");

        Result missing = answer("m", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"m\",\"manifestRef\":\"nope\"}");
        assertEquals(Status.FAILED, missing.status());
        assertEquals("MANIFEST_NOT_FOUND", missing.errors().get(0).code());
        assertEquals(1, missing.attempts(), "permanent failures are not retried");
    }

    @Test
    void aRepeatedRequestIdGetsTheSameResultWithoutTheWorkBeingRedone() {
        String json = "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"once\",\"manifestRef\":\"rootfs\"}";
        String id = send("once", json);
        Result first = client.await(id, WAIT);
        assertEquals("BUILT", first.outcome());
        Result removed = answer("once", "{\"requestId\":\"$ID\",\"action\":\"TEARDOWN\",\"node\":\"$NODE\",\"volume\":\"once\"}");
        assertEquals("REMOVED", removed.outcome());

        client.sender.sendRaw("tinyvol.requests." + node, "once".getBytes(StandardCharsets.UTF_8),
                json.replace("$ID", id).replace("$NODE", node).getBytes(StandardCharsets.UTF_8));
        Result marker = answer("once", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
        assertEquals(Status.SUCCEEDED, marker.status());
        List<Result> both = client.all(Duration.ofMillis(500)).get(id);
        assertEquals(2, both.size());
        assertEquals(first, both.get(1), "the same result, repeated");
        assertFalse(Files.exists(worker.volumes.resolve("once")), "and the volume was not built again");
    }

    @Test
    void gcIsANodeWideRequestThatKeepsWhatVolumesUse() throws Exception {
        Result built = answer("gc-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"gc-1\",\"manifestRef\":\"rootfs\"}");
        assertEquals(Status.SUCCEEDED, built.status());
        // Content no ref or volume uses: what a GC is for.
        Path orphan = worker.cas.resolve("objects/ab/ab" + "0".repeat(62));
        Files.createDirectories(orphan.getParent());
        Files.writeString(orphan, "nobody's\n");
        Result dry = answer("*", "{\"requestId\":\"$ID\",\"action\":\"GC\",\"node\":\"$NODE\",\"options\":{\"dryRun\":true}}");
        assertEquals("WOULD_REMOVE", dry.outcome());
        assertTrue(Files.exists(orphan));
        Result gc = answer("*", "{\"requestId\":\"$ID\",\"action\":\"GC\",\"node\":\"$NODE\"}");
        assertEquals(Status.SUCCEEDED, gc.status(), gc.errors().toString());
        assertEquals("COLLECTED", gc.outcome());
        assertTrue(gc.gc().blobsRemoved() >= 1 && gc.gc().bytesReclaimed() >= "nobody's\n".length(), gc.gc().toString());
        assertFalse(Files.exists(orphan));
        Result verified = answer("gc-1", "{\"requestId\":\"$ID\",\"action\":\"VERIFY\",\"node\":\"$NODE\",\"volume\":\"gc-1\",\"options\":{\"verify\":true}}");
        assertEquals(0, verified.verify().mismatched() + verified.verify().missing(), "the volume's blobs were all kept");
        assertEquals(Status.SUCCEEDED, verified.status());
        Scrape metrics = Scrape.of(httpPort);
        assertTrue(metrics.sum("tinyvol_cas_reclaimed_bytes_total") >= gc.gc().bytesReclaimed(), "reclaimed bytes as a metric");
        assertTrue(metrics.sum("tinyvol_cas_gc_duration_seconds_count") >= 1, "gc duration as a metric");
    }

    @Test
    void anotherManifestOnAnExistingVolumeFailsUnlessReplace() {
        answer("dup", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"dup\",\"manifestRef\":\"rootfs\"}");
        String other = "{\"version\":2,\"entries\":{\"only\":{\"digest\":\"" + sha("mine\n") + "\",\"mode\":\"0600\",\"uid\":1000,\"gid\":1000}}}";
        Result same = answer("dup", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"dup\",\"manifestRef\":\"rootfs\"}");
        assertEquals("UNCHANGED", same.outcome());
        Result exists = answer("dup", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"dup\",\"manifest\":" + other + "}");
        assertEquals(Status.FAILED, exists.status());
        assertEquals("VOLUME_EXISTS", exists.errors().get(0).code());
        Result replaced = answer("dup", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"dup\",\"manifest\":" + other
                + ",\"options\":{\"replace\":true}}");
        assertEquals("REPLACED", replaced.outcome());
    }

    @Test
    void listIsABarrierAfterEverythingReadBeforeItAndBeforeEverythingAfter() {
        String build = "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\",\"volume\":\"$V\",\"manifestRef\":\"rootfs\"}";
        List<String> before = List.of("bar-a", "bar-b", "bar-c");
        List<String> ids = new java.util.ArrayList<>();
        for (String v : before) {
            ids.add(send(v, build.replace("$V", v)));
        }
        String list = send("*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
        String after = send("bar-d", build.replace("$V", "bar-d"));
        List<String> listed = client.await(list, WAIT).volumes().stream().map(v -> v.volume()).filter(v -> v.startsWith("bar-")).toList();
        assertEquals(before, listed, "everything read before LIST is in it, nothing read after");
        for (String id : ids) {
            assertEquals(Status.SUCCEEDED, client.await(id, WAIT).status());
        }
        assertEquals(Status.SUCCEEDED, client.await(after, WAIT).status());
        assertTrue(client.await(after, WAIT).startedAt().compareTo(client.await(list, WAIT).finishedAt()) >= 0,
                "the request after LIST started only once LIST was done");
    }

    @Test
    void healthEndpointsAnswerOnHttpPort() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String path : List.of("/health/live", "/health/ready")) {
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + httpPort + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), path);
            assertTrue(response.body().startsWith("ok\n"), path + ": " + response.body());
            if (path.equals("/health/ready")) {
                assertTrue(response.body().matches("ok\nvolumes: \\d+ \\(read-only \\d+, clone \\d+, copy \\d+, detect \\d+\\); "
                        + "import.method auto\n"), "the ready body says what protects the volumes: " + response.body());
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String sha(String content) {
        try {
            return Trees.sha256(content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
