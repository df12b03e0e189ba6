package dev.tinyvol.worker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compose file, the image build, Prometheus, Grafana and systemd files, checked mechanically:
 * no Docker engine runs here, so they parse and point at things that exist.
 */
class DeploymentFilesTest {

    static final Path ROOT = Path.of("..");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void composeRunsKafkaTwoWorkersPrometheusAndGrafana() throws Exception {
        JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
        for (String name : List.of("kafka", "worker-1", "worker-2", "prometheus", "grafana")) {
            assertTrue(services.has(name), name);
        }
        assertTrue(services.get("kafka").get("image").asText().startsWith("apache/kafka:"));
        assertEquals("broker,controller", services.get("kafka").get("environment").get("KAFKA_PROCESS_ROLES").asText());
        JsonNode w1 = services.get("worker-1");
        JsonNode w2 = services.get("worker-2");
        assertEquals(".", w1.get("build").asText());
        assertNotEquals(w1.get("environment").get("TINYVOL_NODE").asText(), w2.get("environment").get("TINYVOL_NODE").asText());
        assertNotEquals(w1.get("volumes").get(0).asText(), w2.get("volumes").get(0).asText(), "each worker has its own CAS and volumes");
        assertEquals("kafka:9092", w1.get("environment").get("TINYVOL_KAFKA_BOOTSTRAP_SERVERS").asText());
        for (JsonNode service : List.of(services.get("prometheus"), services.get("grafana"))) {
            for (JsonNode mount : service.get("volumes")) {
                Path local = ROOT.resolve(mount.asText().split(":")[0]);
                assertTrue(Files.exists(local), "mounted " + local + " exists");
            }
        }
    }

    @Test
    void prometheusScrapesBothWorkersOnTheirHttpPort() throws Exception {
        JsonNode config = YAML.readTree(ROOT.resolve("config/prometheus.yml").toFile());
        JsonNode job = config.get("scrape_configs").get(0);
        assertEquals("/metrics", job.get("metrics_path").asText());
        assertEquals("[\"worker-1:9400\",\"worker-2:9400\"]", job.get("static_configs").get(0).get("targets").toString());
        JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
        assertEquals("9400", compose.get("worker-1").get("environment").get("TINYVOL_HTTP_PORT").asText());
    }

    @Test
    void grafanaIsProvisionedWithTheDashboard() throws Exception {
        JsonNode datasource = YAML.readTree(ROOT.resolve("config/grafana/provisioning/datasources/prometheus.yml").toFile());
        assertEquals("prometheus", datasource.get("datasources").get(0).get("uid").asText());
        JsonNode provider = YAML.readTree(ROOT.resolve("config/grafana/provisioning/dashboards/tinyvol.yml").toFile());
        assertEquals("/var/lib/grafana/dashboards", provider.get("providers").get(0).get("options").get("path").asText());
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("config/grafana/dashboards/tinyvol.json").toFile());
        assertEquals("TinyVol", dashboard.get("title").asText());
        String all = dashboard.toString();
        for (String needed : List.of("tinyvol_requests_total", "tinyvol_request_duration_seconds_bucket", "tinyvol_files_linked_total",
                "tinyvol_bytes_total", "tinyvol_dead_letters_total", "tinyvol_consumer_lag")) {
            assertTrue(all.contains(needed), "the dashboard shows " + needed);
        }
    }

    @Test
    void theImageAndTheUnitRunTheWorkerJarWithTheShippedConfig() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("/src/worker/target/tinyvol-worker.jar"), dockerfile);
        assertTrue(Files.isExecutable(ROOT.resolve("docker/entrypoint.sh")));
        String unit = Files.readString(ROOT.resolve("config/tinyvol-worker.service"));
        assertTrue(unit.contains("-jar /opt/tinyvol/tinyvol-worker.jar worker --config /etc/tinyvol/worker.properties"), unit);
        assertTrue(unit.contains("Restart=on-failure") && unit.contains("KillSignal=SIGTERM") && unit.contains("RestartPreventExitStatus=4"));
        String logback = Files.readString(ROOT.resolve("config/logback.xml"));
        assertTrue(logback.contains("%mdc"), "text with the MDC");
        assertTrue(Files.readString(ROOT.resolve("config/logback-json.xml")).contains("JsonEncoder"), "and JSON");
        assertTrue(dockerfile.contains("config/logback-json.xml"), dockerfile);
    }
}
