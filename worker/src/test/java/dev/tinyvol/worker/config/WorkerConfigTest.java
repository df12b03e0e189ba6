package dev.tinyvol.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

    static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("node", "node-1");
        p.setProperty("cas.dir", "/c");
        p.setProperty("volumes.dir", "/v");
        p.setProperty("kafka.bootstrap.servers", "k:9092");
        return p;
    }

    @Test
    void theShippedFileLoadsWithItsDefaults() {
        WorkerConfig c = WorkerConfig.load(Path.of("../config/worker.properties"), Map.of());
        assertEquals("node-001", c.node());
        assertEquals("tinyvol.requests.node-001", c.requestsTopic());
        assertEquals("tinyvol.requests.node-001.dlq", c.deadLetterTopic());
        assertEquals("tinyvol.results", c.resultsTopic());
        assertEquals(Duration.ofMillis(200), c.retryBackoff());
        assertEquals(Duration.ofDays(7), c.answerRetention());
        assertEquals("localhost:9092", c.kafka().get("bootstrap.servers"));
    }

    @Test
    void environmentVariablesOverrideEveryKeyKafkaOnesIncluded() {
        WorkerConfig c = WorkerConfig.from(minimal(), Map.of("TINYVOL_NODE", "node-7", "TINYVOL_CONCURRENCY", "9",
                "TINYVOL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "TINYVOL_KAFKA_BOOTSTRAP_SERVERS", "a:1,b:2", "PATH", "/bin"));
        assertEquals("node-7", c.node());
        assertEquals(9, c.concurrency());
        assertEquals("SASL_SSL", c.kafka().get("security.protocol"));
        assertEquals("a:1,b:2", c.kafka().get("bootstrap.servers"));
        assertEquals("TINYVOL_KAFKA_BOOTSTRAP_SERVERS", WorkerConfig.envOf("kafka.bootstrap.servers"));
    }

    @Test
    void aMissingOrBadKeyIsNamedWithTheFix() {
        Properties noNode = minimal();
        noNode.remove("node");
        ConfigException missing = assertThrows(ConfigException.class, () -> WorkerConfig.from(noNode, Map.of()));
        assertEquals("node", missing.key());
        assertTrue(missing.getMessage().contains("TINYVOL_NODE"), missing.getMessage());

        Properties noKafka = minimal();
        noKafka.remove("kafka.bootstrap.servers");
        assertEquals("kafka.bootstrap.servers", assertThrows(ConfigException.class, () -> WorkerConfig.from(noKafka, Map.of())).key());

        for (String[] bad : new String[][] {{"concurrency", "lots"}, {"concurrency", "0"}, {"http.port", "70000"},
                {"retry.backoff", "soon"}, {"topics.create", "yes"}, {"node", "../x"}, {"node", "a b"}}) {
            Properties p = minimal();
            p.setProperty(bad[0], bad[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.from(p, Map.of()), bad[0]);
            assertEquals(bad[0], e.key());
        }
        assertEquals("--config", assertThrows(ConfigException.class,
                () -> WorkerConfig.load(Path.of("/nonexistent/worker.properties"), Map.of())).key());
    }

    @Test
    void durationsAsPeopleWriteThem() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    }
}
