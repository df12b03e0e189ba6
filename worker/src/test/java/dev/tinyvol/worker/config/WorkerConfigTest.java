package dev.tinyvol.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
                {"retry.backoff", "soon"}, {"topics.create", "yes"}, {"node", "../x"}, {"node", "a b"}, {"node", "a.dlq"}, {"node", "a_b"},
                {"tracing.otlp.endpoint", "collector:4318"}, {"tracing.otlp.endpoint", "http://[bad"},
                {"tracing.otlp.endpoint", "ftp://collector/v1/traces"}}) {
            Properties p = minimal();
            p.setProperty(bad[0], bad[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.from(p, Map.of()), bad[0]);
            assertEquals(bad[0], e.key());
        }
        assertEquals("--config", assertThrows(ConfigException.class,
                () -> WorkerConfig.load(Path.of("/nonexistent/worker.properties"), Map.of())).key());
    }

    /**
     * Issue 21, first hour item 10: a missing required setting hid the "did you mean" warning about a
     * mistyped one, and only the first problem was said. Now all of them, with the warnings.
     */
    @Test
    void everyProblemIsReportedAtOnceWithTheWarnings() {
        Properties p = minimal();
        p.remove("node");
        p.setProperty("nod", "node-1");
        p.setProperty("concurrency", "lots");
        p.setProperty("http.port", "70000");
        ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.from(p, Map.of()));
        assertEquals("node", e.key());
        assertEquals(List.of("node", "http.port", "concurrency"),
                e.lines().stream().map(l -> l.substring(0, l.indexOf(':'))).toList(), e.lines().toString());
        assertEquals(1, e.warnings().size(), e.warnings().toString());
        assertTrue(e.warnings().get(0).contains("did you mean \"node\""), e.warnings().toString());
    }

    @Test
    void theShippedFileIsTheSettingsTable() throws Exception {
        String shipped = java.nio.file.Files.readString(Path.of("../config/worker.properties"));
        assertEquals(WorkerSettings.propertiesTemplate(), shipped,
                "config/worker.properties is generated: bin/tinyvol worker --help-config > config/worker.properties");
        for (Setting<?> s : WorkerSettings.ALL) {
            assertTrue(shipped.contains(s.key() + "="), s.key());
        }
    }

    @Test
    void unknownKeysAndVariablesAreWarningsNamingTheClosestSetting() {
        Properties p = minimal();
        p.setProperty("concurency", "8");
        p.setProperty("kafka.linger.ms", "5");
        WorkerConfig c = WorkerConfig.from(p, Map.of("TINYVOL_RETRY_BACKOF", "1s", "TINYVOL_JAR", "/x.jar",
                "TINYVOL_TEST_BOOTSTRAP", "k:1"));
        assertEquals(4, c.concurrency(), "the misspelt key changed nothing");
        assertEquals("5", c.kafka().get("linger.ms"), "kafka.* keys are known");
        assertEquals(List.of("unknown setting \"concurency\" is ignored; did you mean \"concurrency\"?",
                "environment variable TINYVOL_RETRY_BACKOF names no setting and is ignored; did you mean "
                        + "TINYVOL_RETRY_BACKOFF (retry.backoff)?"), c.warnings());
    }

    @Test
    void theEffectiveSettingsAreDescribedWithSecretsMasked() {
        Properties p = minimal();
        p.setProperty("kafka.sasl.jaas.config", "ScramLoginModule required username=\"n\" password=\"hunter2\";");
        p.setProperty("kafka.ssl.truststore.password", "hunter2");
        List<String> lines = WorkerConfig.from(p, Map.of()).describe();
        assertTrue(lines.contains("concurrency = 4"), lines.toString());
        assertTrue(lines.contains("retry.backoff = 200ms"), lines.toString());
        assertTrue(lines.contains("http.host = 0.0.0.0"), lines.toString());
        assertTrue(lines.contains("kafka.sasl.jaas.config = ********"), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("hunter2")), lines.toString());
        assertEquals(WorkerSettings.ALL.size() + 3, lines.size(), "every setting and each kafka key: " + lines);
    }

    @Test
    void durationsAsPeopleWriteThem() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
        for (String d : new String[] {"250ms", "90s", "5m", "2h", "7d", "1500ms"}) {
            assertEquals(d, Durations.format(Durations.parse(d)));
        }
    }
}
