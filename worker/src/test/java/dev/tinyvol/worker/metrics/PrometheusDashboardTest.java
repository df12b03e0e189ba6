package dev.tinyvol.worker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Fsck;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped dashboard and alerts, checked by a real Prometheus (Debian's package): promtool checks
 * config/prometheus.yml and runs config/prometheus-rules.test.yml; then a Prometheus scrapes a
 * running worker that served real requests (assemblies, an image pull, a rejected request, a dead
 * letter, a GC, an fsck) and every PromQL expression of every panel of
 * config/grafana/dashboards/tinyvol.json must return data through its HTTP API.
 */
class PrometheusDashboardTest {

    static final Path CONFIG = Path.of("../config").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void promtoolAcceptsTheShippedConfigAndTheAlertsPassTheirTests() throws Exception {
        String check = Mount.run("promtool", "check", "config", CONFIG.resolve("prometheus.yml").toString());
        assertTrue(check.contains("SUCCESS"), check);
        Process rules = new ProcessBuilder("promtool", "test", "rules", "prometheus-rules.test.yml")
                .directory(CONFIG.toFile()).redirectErrorStream(true).start();
        String out = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, rules.waitFor(), out);
        System.out.println("promtool test rules:\n" + out);
    }

    @Test
    void everyPanelOfTheDashboardReturnsDataFromARealPrometheus() throws Exception {
        String node = "prom-" + UUID.randomUUID().toString().substring(0, 8);
        int workerPort = freePort();
        int promPort = freePort();
        Path cas = tmp.resolve("cas");
        new Ingester(Cas.create(cas), 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        LocalRegistry registry = LocalRegistry.shared();
        TestImages.Layer layer = TestImages.layer(TestImages.Compression.GZIP, tar -> tar.file("srv/index.html", "<h1>scraped</h1>\n", 0644));
        String image = registry.host() + "/prom/site:1";
        TestImages.push(new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS), ImageReference.parse(image),
                List.of(layer), "amd64");

        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, Files.readString(CONFIG.resolve("prometheus.yml"))
                .replace("scrape_interval: 5s", "scrape_interval: 1s")
                .replace("- prometheus-rules.yml", "- " + CONFIG.resolve("prometheus-rules.yml"))
                .replace("[\"worker-1:9400\", \"worker-2:9400\"]", "[\"127.0.0.1:" + workerPort + "\"]"));
        Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
        try (WorkerFixture worker = new WorkerFixture(node, cas, tmp.resolve("volumes"),
                Map.of("http.port", String.valueOf(workerPort)));
             WorkerFixture.Client client = new WorkerFixture.Client()) {
            List<String> ids = new ArrayList<>();
            ids.add(client.send(node, "web-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"web-1\",\"manifestRef\":\"rootfs\"}"));
            ids.add(client.send(node, "site-1", "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                    + "\"volume\":\"site-1\",\"image\":\"" + image + "\"}"));
            ids.add(client.send(node, "x", "{\"requestId\":\"$ID\",\"action\":\"EXPLODE\",\"node\":\"$NODE\"}"));
            client.sender.sendRaw("tinyvol.requests." + node, null, "not json".getBytes(StandardCharsets.UTF_8));
            ids.add(client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"GC\",\"node\":\"$NODE\"}"));
            for (String id : ids) {
                Status status = client.await(id, Duration.ofSeconds(90)).status();
                assertTrue(status == Status.SUCCEEDED || status == Status.REJECTED, id + ": " + status);
            }
            // The last fsck's outcome, as a node's timer would leave it.
            new Fsck(Cas.open(cas), Map::of, null, 2).run(false, Progress.NONE);

            awaitReady(promPort);
            JsonNode dashboard = JSON.readTree(CONFIG.resolve("grafana/dashboards/tinyvol.json").toFile());
            Map<String, Integer> returned = new LinkedHashMap<>();
            List<String> empty = new ArrayList<>();
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.get("targets")) {
                    String expr = target.get("expr").asText();
                    int series = awaitData(promPort, expr, Duration.ofSeconds(60));
                    returned.put(panel.get("title").asText() + " | " + expr, series);
                    if (series == 0) {
                        empty.add(panel.get("title").asText() + ": " + expr);
                    }
                }
            }
            StringBuilder table = new StringBuilder("dashboard panels through Prometheus " + version() + ":\n");
            returned.forEach((q, n) -> table.append(n > 0 ? "  data  " : "  EMPTY ").append(n).append(" series  ").append(q).append('\n'));
            System.out.println(table);
            assertTrue(empty.isEmpty(), "panels whose query returned nothing: " + empty + "\n" + table);
            JsonNode rules = get(promPort, "/api/v1/rules");
            assertEquals(6, rules.at("/data/groups/0/rules").size(), "the shipped alerting rules are loaded: " + rules);
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }

    private static String version() throws Exception {
        String v = Mount.run("prometheus", "--version");
        return v.lines().findFirst().orElse("").replace("prometheus, version ", "").split(" ")[0];
    }

    private static void awaitReady(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Prometheus did not become ready within 60 s");
    }

    /** Series the query returns, asked again until some come (rates need two scrapes) or time runs out. */
    private static int awaitData(int port, String expr, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        int series;
        do {
            JsonNode answer = get(port, "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
            assertEquals("success", answer.path("status").asText(), expr + ": " + answer);
            series = answer.at("/data/result").size();
            if (series > 0) {
                return series;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < until);
        return 0;
    }

    private static JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
