package dev.tinyvol.worker.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * The futures of one transaction's sends, read once they have settled: which records Kafka refused
 * for what they are (too large, invalid: sending them again cannot help), and the first failure of
 * any other kind. Reads only futures that are done; never waits.
 */
final class SendOutcomes {

    private final List<Future<RecordMetadata>> sends;

    SendOutcomes(int expected) {
        this.sends = new ArrayList<>(expected);
    }

    void add(Future<RecordMetadata> send) {
        sends.add(send);
    }

    /** The records refused for what they are, by index in the batch. */
    List<ResultPublisher.Refusal> refusals() {
        List<ResultPublisher.Refusal> refused = new ArrayList<>();
        for (int i = 0; i < sends.size(); i++) {
            Exception failure = failureOf(sends.get(i));
            if (failure != null && refusesTheRecord(failure)) {
                refused.add(new ResultPublisher.Refusal(i, failure));
            }
        }
        return refused;
    }

    /** The first send that failed, or null. */
    Exception firstFailure() {
        for (Future<RecordMetadata> send : sends) {
            Exception failure = failureOf(send);
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }

    /** Failures that are about the record itself, not the moment: the same record would fail again. */
    static boolean refusesTheRecord(Throwable failure) {
        return failure instanceof RecordTooLargeException || failure instanceof RecordBatchTooLargeException
                || failure instanceof InvalidRecordException;
    }

    private static Exception failureOf(Future<RecordMetadata> send) {
        if (!send.isDone()) {
            return null;
        }
        try {
            send.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof Exception cause ? cause : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /**
     * An exception and its causes in one line: kafka-clients' "we are in an error state" says nothing
     * by itself; the cause it carries (a record too large, say) is what an operator needs.
     */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (!text.isEmpty()) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return text.toString();
    }
}
