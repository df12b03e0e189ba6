package dev.tinyvol.worker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.devbroker.LocalKafka;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.Worker;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Scrape;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real requests through a real broker; the meters a scraper sees move by the right amounts. */
class MetricsAndHealthTest {

    @TempDir
    Path tmp;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Path ingest() {
        Path cas = tmp.resolve("cas");
        try {
            new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return cas;
    }

    @Test
    void metersMoveByTheRightAmountsAndTheDashboardQueriesOnlyWhatIsExported() throws Exception {
        String node = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        int port = freePort();
        // A default repository (never reached here: every ref asked for is stored) gives the pull meters at 0.
        try (WorkerFixture worker = new WorkerFixture(node, ingest(), tmp.resolve("volumes"), Map.of("http.port", String.valueOf(port),
                "registry.default.repository", "registry.example.com:5000/fleet/base"));
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            Scrape before = Scrape.of(port);
            // Before any pull or clone: at 0, not absent (issue 21, first hour item 16).
            assertEquals(0, before.sum("tinyvol_pull_bytes_total", "registry=\"registry.example.com:5000\""), before.text());
            assertTrue(before.text().contains("tinyvol_pull_bytes_total{"), "pull meters exported before a pull");
            assertTrue(before.text().contains("tinyvol_files_cloned_total{"), "cloned files counted");
            String ok = client.send(node, "web-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"web-1\",\"manifestRef\":\"rootfs\"}");
            String rejected = client.send(node, "x", "{\"requestId\":\"$ID\",\"action\":\"EXPLODE\",\"node\":\"$NODE\"}");
            client.sender.sendRaw("tinyvol.requests." + node, null, "garbage".getBytes(StandardCharsets.UTF_8));
            String last = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
            assertEquals(Status.SUCCEEDED, client.await(ok, Duration.ofSeconds(60)).status());
            assertEquals(Status.REJECTED, client.await(rejected, Duration.ofSeconds(60)).status());
            client.await(last, Duration.ofSeconds(60));

            String n = "node=\"" + node + "\"";
            Scrape after = Scrape.of(port);
            long deadline = System.currentTimeMillis() + 5000;
            while (after.sum("tinyvol_requests_total", n, "action=\"LIST\"") < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
                after = Scrape.of(port);
            }
            assertEquals(1, delta(before, after, "tinyvol_requests_total", n, "action=\"ASSEMBLE\"", "status=\"SUCCEEDED\""));
            assertEquals(1, delta(before, after, "tinyvol_requests_total", n, "action=\"UNKNOWN\"", "status=\"REJECTED\""));
            assertEquals(1, delta(before, after, "tinyvol_requests_total", n, "action=\"LIST\"", "status=\"SUCCEEDED\""));
            assertEquals(1, delta(before, after, "tinyvol_dead_letters_total", n));
            assertEquals(6, delta(before, after, "tinyvol_files_linked_total", n));
            assertEquals(0, delta(before, after, "tinyvol_files_copied_total", n));
            String tinyvolLines = after.text().lines().filter(l -> l.startsWith("tinyvol_") && !l.contains("_bucket"))
                    .reduce("", (a, b) -> a + b + "\n");
            assertTrue(delta(before, after, "tinyvol_dirs_assembled_total", n) > 0, tinyvolLines);
            assertTrue(delta(before, after, "tinyvol_bytes_total", n) > 0);
            assertEquals(1, delta(before, after, "tinyvol_request_duration_seconds_count", n, "action=\"ASSEMBLE\""));
            assertTrue(after.sum("tinyvol_request_duration_seconds_bucket", n, "action=\"ASSEMBLE\"", "le=\"+Inf\"") >= 1);
            assertTrue(after.sum("tinyvol_fs_free_bytes", n, "fs=\"cas\"") > 0);
            assertTrue(after.sum("tinyvol_fs_free_bytes", n, "fs=\"volumes\"") > 0);
            assertTrue(after.sum("tinyvol_cas_blobs", n) > 0, "the CAS's size, measured at start");
            // web-1 is hard-linked here (the test's temporary directory cannot clone): protection "detect".
            // (counted from the records at most every 5 s: a scrape may show the count of a moment before)
            Scrape counted = after;
            for (long until = System.currentTimeMillis() + 15_000; counted.sum("tinyvol_volumes", n, "protection=\"detect\"") < 1
                    && System.currentTimeMillis() < until; counted = Scrape.of(port)) {
                Thread.sleep(250);
            }
            assertEquals(1, counted.sum("tinyvol_volumes", n, "protection=\"detect\""), counted.text());
            assertTrue(after.text().contains("tinyvol_volumes{node=\"" + node + "\",protection=\"read-only\"}"), "every kind, 0 too");
            String ready = Scrape.body(port, "/health/ready");
            assertTrue(ready.startsWith("ok\nvolumes: 1 (read-only 0, clone 0, copy 0, detect 1); import.method auto"), ready);
            assertTrue(after.sum("tinyvol_cas_bytes", n) > 0);
            // The last fsck's outcome: a blob damaged through web-1's link, found and not repaired.
            java.nio.file.Files.writeString(worker.volumes.resolve("web-1/etc/app.conf"), "written through a link\n");
            new dev.tinyvol.worker.cas.Fsck(Cas.open(worker.cas), Map::of, null, 2).run(false, Progress.NONE);
            Scrape checked = Scrape.of(port);
            assertEquals(1, checked.sum("tinyvol_cas_damaged_blobs", n), checked.text());
            assertTrue(checked.sum("tinyvol_cas_fsck_last_run_seconds", n) > 1.7e9);
            assertTrue(after.text().contains("tinyvol_consumer_lag{"), "lag per partition");
            assertTrue(after.text().contains("tinyvol_requests_in_flight{"));
            assertTrue(after.names().stream().anyMatch(m -> m.startsWith("kafka_consumer_")), "Kafka client metrics");
            assertTrue(after.names().stream().anyMatch(m -> m.startsWith("kafka_producer_")), "Kafka client metrics");
            assertTrue(after.names().contains("jvm_memory_used_bytes"));
            assertTrue(after.names().contains("process_cpu_usage"));

            // Every metric a dashboard panel queries is one this worker exports.
            JsonNode dashboard = new ObjectMapper().readTree(Path.of("../config/grafana/dashboards/tinyvol.json").toFile());
            Set<String> queried = new TreeSet<>();
            Pattern metric = Pattern.compile("\\b((?:tinyvol|kafka|jvm|process)_[a-z_]+)\\b");
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.get("targets")) {
                    Matcher m = metric.matcher(target.get("expr").asText());
                    while (m.find()) {
                        queried.add(m.group(1));
                    }
                }
            }
            assertTrue(queried.size() >= 8, queried.toString());
            Set<String> exported = after.names();
            for (String name : queried) {
                assertTrue(exported.contains(name), "the dashboard queries " + name + ", which the worker does not export");
            }
            System.out.println("scrape after 4 requests:\n" + after.text().lines().filter(l -> l.startsWith("tinyvol_") && !l.contains("_bucket"))
                    .reduce("", (a, b) -> a + b + "\n"));
        }
    }

    @Test
    void readyOnlyAfterAssignmentAndNotWhileTheBrokerIsUnreachable() throws Exception {
        String node = "ready-" + UUID.randomUUID().toString().substring(0, 8);
        int port = freePort();
        try (LocalKafka broker = TestKafka.startLocal()) {
            var config = WorkerFixture.config(broker.bootstrap(), node, ingest(), tmp.resolve("volumes"), Map.of("http.port", String.valueOf(port)));
            try (Worker worker = new Worker(config)) {
                assertEquals(200, Scrape.status(port, "/health/live"));
                assertEquals(503, Scrape.status(port, "/health/ready"), "not ready before the consumer has its partitions");
                assertTrue(Scrape.body(port, "/health/ready").contains("waiting for the consumer's partitions"));
                Thread loop = new Thread(worker::run);
                loop.start();
                assertTrue(worker.awaitAssigned(Duration.ofSeconds(60)));
                assertEquals(200, awaitStatus(port, 200));

                broker.stop();
                assertEquals(503, awaitStatus(port, 503), "not ready while the broker is unreachable");
                assertTrue(Scrape.body(port, "/health/ready").contains("does not answer"));
                broker.restart();
                assertEquals(200, awaitStatus(port, 200));

                worker.stop();
                loop.join(60_000);
                assertEquals(503, Scrape.status(port, "/health/live"), "not live once the loop has stopped");
            }
        }
    }

    private static int awaitStatus(int port, int wanted) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        int status;
        do {
            status = Scrape.status(port, "/health/ready");
            if (status == wanted) {
                return status;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        return status;
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
