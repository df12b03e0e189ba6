package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.TestKafka;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tinyvol acls}: the ACLs README describes, for a node and for a scheduler; --apply against
 * the test broker, which runs without an authorizer, is refused in one clear line. (The ACLs enforced
 * by a broker with StandardAuthorizer and SASL is issue 14's matrix, not built yet.)
 */
class AclsCommandTest {

    @Test
    void aNodesAndASchedulersAclsAreExactlyWhatReadmeSays() {
        CliTest.Run node = tinyvol("acls", "--node", "node-017");
        assertEquals(0, node.exit(), node.err());
        List<String> lines = node.out().lines().map(l -> l.replaceAll(" +", " ").strip()).toList();
        assertEquals(List.of(
                "User:node-017 ALLOW READ TOPIC tinyvol.requests.node-017",
                "User:node-017 ALLOW WRITE TOPIC tinyvol.requests.node-017.dlq",
                "User:node-017 ALLOW WRITE TOPIC tinyvol.results",
                "User:node-017 ALLOW READ GROUP tinyvol-worker-node-017",
                "User:node-017 ALLOW WRITE TRANSACTIONAL_ID tinyvol-worker-node-017",
                "User:node-017 ALLOW DESCRIBE TRANSACTIONAL_ID tinyvol-worker-node-017"), lines);

        CliTest.Run scheduler = tinyvol("acls", "--scheduler", "--principal", "User:fleet-a");
        assertEquals(List.of(
                "User:fleet-a ALLOW WRITE TOPIC tinyvol.requests.*",
                "User:fleet-a ALLOW READ TOPIC tinyvol.results"),
                scheduler.out().lines().map(l -> l.replaceAll(" +", " ").strip()).toList());

        assertEquals(2, tinyvol("acls").exit(), "--node or --scheduler");
        assertEquals(2, tinyvol("acls", "--node", "node-1", "--principal", "node-1").exit(), "TYPE:NAME");
    }

    @Test
    void applyingToABrokerWithoutAnAuthorizerIsOneClearLine() {
        CliTest.Run applied = tinyvol("acls", "--node", "node-017", "--apply", "--bootstrap", TestKafka.bootstrap(),
                "--connect-timeout", "20s");
        assertEquals(1, applied.exit(), applied.err());
        assertEquals(1, applied.err().strip().lines().count(), applied.err());
        assertTrue(applied.err().startsWith("tinyvol: KAFKA_NO_AUTHORIZER: the cluster has no authorizer"), applied.err());
    }
}
