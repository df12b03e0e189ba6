package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --kafka-config FILE}: Kafka client properties from a file, as {@code kcat -F} and Kafka's
 * {@code --command-config} take them, against the test broker: the file alone says where the broker
 * is; a bad property in it is one clear line; no file and no --bootstrap is a usage error.
 */
class KafkaConfigFileTest {

    @TempDir
    Path tmp;

    @Test
    void aClientPropertiesFileReachesTheBrokerAndItsMistakesAreOneLine() throws Exception {
        // Run alone, the shared test broker may not have the results topic yet (a worker makes it).
        try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(
                    dev.tinyvol.messages.event.Topics.RESULTS, 3, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        Path good = tmp.resolve("client.properties");
        Files.writeString(good, "bootstrap.servers=" + TestKafka.bootstrap() + "\nclient.id=tinyvol-cli-test\n");
        CliTest.Run read = tinyvol("results", "--kafka-config", good, "--for", "1s");
        assertEquals(0, read.exit(), read.err());

        Path bad = tmp.resolve("bad.properties");
        Files.writeString(bad, "bootstrap.servers=" + TestKafka.bootstrap() + "\nsecurity.protocol=NOPE\n");
        CliTest.Run refused = tinyvol("results", "--kafka-config", bad, "--for", "1s");
        System.out.println("a bad property: exit " + refused.exit() + ": " + refused.err().strip());
        assertEquals(1, refused.exit(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().startsWith("tinyvol: KAFKA_CONFIG: Invalid value NOPE for configuration security.protocol"),
                refused.err());

        CliTest.Run none = tinyvol("results", "--for", "1s");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--bootstrap") && none.err().contains("--kafka-config"), none.err());
        CliTest.Run missing = tinyvol("results", "--kafka-config", tmp.resolve("nosuch.properties"));
        assertEquals(2, missing.exit());
        assertTrue(missing.err().startsWith("tinyvol: --kafka-config: cannot read "), missing.err());
    }
}
