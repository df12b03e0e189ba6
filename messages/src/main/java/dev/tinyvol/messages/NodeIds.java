package dev.tinyvol.messages;

import dev.tinyvol.messages.event.Topics;
import java.util.regex.Pattern;

/**
 * Node ids: {@code [A-Za-z0-9][A-Za-z0-9.-]{0,199}}, not ending in a topic suffix TinyVol reserves.
 *
 * <p>A node id names Kafka topics ({@link Topics#requests}, {@link Topics#deadLetters}), a consumer
 * group and a transactional id, and ACLs are granted on those names. So no node id may produce a
 * name another node id also produces, or one Kafka treats as the same:
 * <ul>
 *   <li>a node id ending in {@code .dlq} would have, as its request topic, the dead-letter topic of
 *       the node without the suffix ({@code a.dlq}'s requests are {@code a}'s dead letters, which node
 *       {@code a} may write); so a node id never ends in a reserved suffix;</li>
 *   <li>Kafka holds topic names that differ only in {@code '.'} against {@code '_'} to collide (their
 *       metric names are equal, and the second is refused at creation), so {@code a.b} and {@code a_b}
 *       could not both have topics; so a node id has no {@code '_'}, and {@code '.'} stays allowed
 *       because host names, the usual node ids, have dots.</li>
 * </ul>
 * With both rules, the map from node id to its topic names is injective, even as Kafka compares them
 * ({@code NodeIdsTest} checks it over generated ids).
 */
public final class NodeIds {

    public static final int MAX_LENGTH = 200;
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0," + (MAX_LENGTH - 1) + "}");

    private NodeIds() {
    }

    public static boolean isValid(String node) {
        return problemWith(node) == null;
    }

    /** Why {@code node} cannot be a node id, or null if it can. */
    public static String problemWith(String node) {
        if (node == null || node.isEmpty()) {
            return "is empty";
        }
        if (node.length() > MAX_LENGTH) {
            return "is " + node.length() + " characters long; at most " + MAX_LENGTH + " are allowed (it names Kafka topics)";
        }
        String shown = node.length() > 40 ? node.substring(0, 40) + "…" : node;
        if (node.indexOf('_') >= 0 && NODE.matcher(node.replace('_', '-')).matches()) {
            return "\"" + shown + "\" has a '_': Kafka holds topic names that differ only in '.' and '_' to be the same "
                    + "topic, so a node id uses '.' or '-' instead";
        }
        if (!NODE.matcher(node).matches()) {
            return "\"" + shown.replace("\0", "\\0") + "\" must start with a letter or digit and hold only letters, "
                    + "digits, '.' and '-' (it names Kafka topics)";
        }
        for (String suffix : Topics.RESERVED_SUFFIXES) {
            if (node.endsWith(suffix)) {
                return "\"" + shown + "\" ends in '" + suffix + "': its request topic would be the topic "
                        + Topics.REQUESTS_PREFIX + node + ", which is node \"" + node.substring(0, node.length() - suffix.length())
                        + "\"'s dead-letter topic";
            }
        }
        return null;
    }
}
