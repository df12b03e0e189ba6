package dev.tinyvol.client;

import dev.tinyvol.messages.event.Topics;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs a fleet needs, exactly as docs/security.md's "Secured Kafka" describes them: a node reads only
 * its own requests and writes only results and its own dead letters, under its own group and
 * transactional id; a scheduler writes any node's requests and reads results. Nothing else (no
 * Create: topics are pre-created where ACLs are on).
 */
public final class Acls {

    private Acls() {
    }

    /** For node {@code node}, authenticated as {@code principal} (e.g. {@code User:node-017}). */
    public static List<AclBinding> forNode(String node, String principal) {
        String member = "tinyvol-worker-" + node; // the worker's group and transactional id
        return List.of(
                allow(ResourceType.TOPIC, Topics.requests(node), PatternType.LITERAL, principal, AclOperation.READ),
                allow(ResourceType.TOPIC, Topics.deadLetters(node), PatternType.LITERAL, principal, AclOperation.WRITE),
                allow(ResourceType.TOPIC, Topics.RESULTS, PatternType.LITERAL, principal, AclOperation.WRITE),
                allow(ResourceType.GROUP, member, PatternType.LITERAL, principal, AclOperation.READ),
                allow(ResourceType.TRANSACTIONAL_ID, member, PatternType.LITERAL, principal, AclOperation.WRITE),
                allow(ResourceType.TRANSACTIONAL_ID, member, PatternType.LITERAL, principal, AclOperation.DESCRIBE));
    }

    /** For a scheduler authenticated as {@code principal}. */
    public static List<AclBinding> forScheduler(String principal) {
        return List.of(
                allow(ResourceType.TOPIC, Topics.REQUESTS_PREFIX, PatternType.PREFIXED, principal, AclOperation.WRITE),
                allow(ResourceType.TOPIC, Topics.RESULTS, PatternType.LITERAL, principal, AclOperation.READ));
    }

    /** {@code User:node-017  ALLOW  READ  TOPIC  tinyvol.requests.node-017} (PREFIXED ones end in '*'). */
    public static String describe(AclBinding acl) {
        ResourcePattern p = acl.pattern();
        AccessControlEntry e = acl.entry();
        String name = p.patternType() == PatternType.PREFIXED ? p.name() + "*" : p.name();
        return String.format(Locale.ROOT, "%-24s %-5s %-9s %-16s %s", e.principal(), e.permissionType(), e.operation(),
                p.resourceType(), name);
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op,
                AclPermissionType.ALLOW));
    }
}
