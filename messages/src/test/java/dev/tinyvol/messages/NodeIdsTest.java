package dev.tinyvol.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** No node id produces a topic name another node id produces, even as Kafka compares names ('.' = '_'). */
class NodeIdsTest {

    /** Kafka's rule (org.apache.kafka.common.internals.Topic.hasCollision): '.' and '_' are the same. */
    private static String asKafkaCompares(String topic) {
        return topic.replace('.', '_');
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.dlq", "node-1.dlq", "a_b", "node_001", "", "-a", ".a", "a b", "a/b", "ü"})
    void refusesIdsWhoseTopicsCouldBeAnotherNodesOrAreNotTopicNames(String node) {
        assertFalse(NodeIds.isValid(node), node);
        assertThrows(IllegalArgumentException.class, () -> Topics.requests(node));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "node-017", "host-3.rack-7.example.com", "a.dlqx", "dlq", "a.dl", "0"})
    void acceptsHostNamesAndIdsThatOnlyLookLikeASuffix(String node) {
        assertNull(NodeIds.problemWith(node), node);
        assertEquals("tinyvol.requests." + node + ".dlq", Topics.deadLetters(node));
    }

    @Test
    void saysWhyANodeEndingInTheDeadLetterSuffixIsRefused() {
        String problem = NodeIds.problemWith("a.dlq");
        assertTrue(problem.contains("node \"a\"'s dead-letter topic"), problem);
        assertTrue(NodeIds.problemWith("a_b").contains("'.' and '_'"), NodeIds.problemWith("a_b"));
    }

    /**
     * Over many generated ids, built to collide (suffixes, '.' for '_', prefixes of each other), every
     * topic name as Kafka compares it belongs to exactly one valid node id.
     */
    @Test
    void theTopicNamesOfValidNodeIdsNeverCollide() {
        Random random = new Random(20);
        String alphabet = "ad.-_lq0";
        Set<String> candidates = new LinkedHashSet<>();
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = 1 + random.nextInt(9);
            for (int k = 0; k < length; k++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String id = b.toString();
            candidates.add(id);
            candidates.add(id + Topics.DLQ_SUFFIX);
            candidates.add(id.replace('.', '_'));
            candidates.add(id.replace('_', '.'));
        }
        Map<String, String> owner = new HashMap<>();
        List<String> collisions = new ArrayList<>();
        int valid = 0;
        for (String node : candidates) {
            if (!NodeIds.isValid(node)) {
                continue;
            }
            valid++;
            for (String topic : List.of(Topics.requests(node), Topics.deadLetters(node))) {
                String previous = owner.putIfAbsent(asKafkaCompares(topic), node);
                if (previous != null && !previous.equals(node)) {
                    collisions.add(topic + " of " + node + " is " + previous + "'s");
                }
            }
        }
        assertTrue(valid > 5_000, "enough valid ids generated: " + valid);
        assertEquals(List.of(), collisions);
    }
}
