package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.client.Acls;
import dev.tinyvol.messages.NodeIds;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.worker.testing.TestKafka;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.resource.ResourceType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tinyvol acls}: the ACLs docs/security.md describes, for a node and for a scheduler; --apply against
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

    /**
     * Issue 20, item 6: {@code acls --node a} granted WRITE on {@code tinyvol.requests.a.dlq}, the request
     * topic of a node named {@code a.dlq}. Such an id is refused now, and no topic a node's ACLs name is
     * another valid node's topic as Kafka itself compares names ({@code Topic.hasCollision}: '.' = '_').
     */
    @Test
    void noNodesAclsNameAnotherNodesTopic() {
        CliTest.Run suffixed = tinyvol("acls", "--node", "a.dlq");
        assertEquals(2, suffixed.exit(), suffixed.err());
        assertTrue(suffixed.err().contains("node \"a\"'s dead-letter topic"), suffixed.err());
        CliTest.Run underscore = tinyvol("acls", "--node", "a_b");
        assertEquals(2, underscore.exit(), underscore.err());
        assertTrue(underscore.err().contains("'.' and '_'"), underscore.err());

        List<String> nodes = List.of("a", "a.b", "a-b", "a.dlqx", "dlq", "a.d", "a.dl", "b.a", "a.b.dlq-x");
        for (String node : nodes) {
            for (AclBinding acl : Acls.forNode(node, "User:" + node)) {
                if (acl.pattern().resourceType() != ResourceType.TOPIC
                        || !acl.pattern().name().startsWith(Topics.REQUESTS_PREFIX)) {
                    continue;
                }
                for (String other : nodes) {
                    if (other.equals(node)) {
                        continue;
                    }
                    for (String theirs : List.of(Topics.requests(other), Topics.deadLetters(other))) {
                        assertFalse(Topic.hasCollision(acl.pattern().name(), theirs),
                                "node " + node + "'s ACL on " + acl.pattern().name() + " reaches node " + other + "'s " + theirs);
                    }
                }
                // And the topic is not the request topic of any id the worker would accept.
                String rest = acl.pattern().name().substring(Topics.REQUESTS_PREFIX.length());
                assertTrue(rest.equals(node) || !NodeIds.isValid(rest), rest + " would be a node whose requests " + node + " may write");
            }
        }
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
