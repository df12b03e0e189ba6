package dev.tinyvol.client;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import java.time.Duration;
import java.util.Map;

/**
 * What every node of a fan-out answered.
 *
 * @param perNode each node's outcome, in the order the nodes were given
 */
public record FleetOutcome(String correlationId, Map<String, NodeOutcome> perNode, Duration elapsed) {

    /** One node: its result, or why there is none (timed out, could not be sent). */
    public record NodeOutcome(String node, Result result, String problem) {

        public boolean succeeded() {
            return result != null && result.status() == Status.SUCCEEDED;
        }

        /** SUCCEEDED, FAILED, REJECTED, EXPIRED, TIMED_OUT or NOT_SENT. */
        public String state() {
            if (result != null) {
                return result.status().name();
            }
            return problem != null && problem.startsWith("no result") ? "TIMED_OUT" : "NOT_SENT";
        }

        /** Why it did not succeed, in one line; empty if it did. */
        public String reason() {
            if (succeeded()) {
                return "";
            }
            if (result != null) {
                return result.errors().isEmpty() ? result.status().name()
                        : result.errors().get(0).code() + ": " + result.errors().get(0).message();
            }
            return problem;
        }
    }

    /** Counts while a fan-out runs. */
    public record Progress(int total, int succeeded, int failed, Duration elapsed) {
        public int pending() {
            return total - succeeded - failed;
        }
    }

    public long failures() {
        return perNode.values().stream().filter(n -> !n.succeeded()).count();
    }
}
