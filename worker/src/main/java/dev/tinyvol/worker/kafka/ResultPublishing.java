package dev.tinyvol.worker.kafka;

import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what has finished in each partition into one batch (results, and per partition the offset
 * of its first record still unanswered with the answered ones past it: {@link Ledger#commitPoint}),
 * hands it to the {@link ResultPublisher}, and settles the outcome: committed slots are marked
 * answered in the ledger and counted; a batch to retry waits a moment; a batch in doubt is the only one
 * retried until it settles. Knows nothing of polling. Called from the polling thread only.
 */
final class ResultPublishing {

    private static final Logger LOG = LoggerFactory.getLogger(ResultPublishing.class);
    private static final long RETRY_BACKOFF_MS = 500;
    private static final long IN_DOUBT_BACKOFF_MS = 100;

    /** The slots and records of the batch being published. */
    private record InFlight(Map<TopicPartition, List<Slot>> slots, List<OutgoingRecords.Outgoing> sent) {
    }

    private final Ledger ledger;
    private final OutgoingRecords outgoing;
    private final ResultPublisher publisher;
    private final WorkerMetrics metrics;
    private final Supplier<ConsumerGroupMetadata> group;
    private InFlight inFlight;
    /** System.nanoTime() before which no new attempt is made (elapsed time, not the wall clock). */
    private long backoffUntil = System.nanoTime();

    ResultPublishing(Ledger ledger, OutgoingRecords outgoing, ResultPublisher publisher, WorkerMetrics metrics,
                     Supplier<ConsumerGroupMetadata> group) {
        this.ledger = ledger;
        this.outgoing = outgoing;
        this.publisher = publisher;
        this.metrics = metrics;
        this.group = group;
    }

    /** False once fenced: nothing more may be published. */
    boolean canPublish() {
        return !fenced;
    }

    private boolean fenced;
    /** Transactions still to publish one record each, after a refusal that named several records. */
    private int isolate;

    /** Publishes what has finished, unless a recent failure asks to wait. */
    void publishCompleted() {
        if (System.nanoTime() - backoffUntil >= 0) {
            publishNow();
        }
    }

    /** Publishes what has finished now, whatever the backoff (a rebalance is waiting for it). */
    void publishNow() {
        if (publisher.inDoubt()) {
            settle(publisher.resume(), inFlight);
            return;
        }
        Map<TopicPartition, List<Slot>> ready = ledger.publishable();
        if (ready.isEmpty()) {
            return;
        }
        if (isolate > 0) {
            // One record per transaction until the refused ones have each gone alone: see REFUSED.
            Map.Entry<TopicPartition, List<Slot>> first = ready.entrySet().iterator().next();
            ready = Map.of(first.getKey(), List.of(first.getValue().get(0)));
        }
        List<OutgoingRecords.Outgoing> sent = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, List<Slot>> e : ready.entrySet()) {
            for (Slot slot : e.getValue()) {
                OutgoingRecords.Outgoing out = outgoing.of(slot);
                records.add(out.record());
                sent.add(out);
            }
            offsets.put(e.getKey(), ledger.commitPoint(e.getKey(), e.getValue()));
        }
        settle(publisher.publish(new ResultPublisher.Batch(records, offsets), group.get()), new InFlight(ready, sent));
    }

    private void settle(ResultPublisher.Outcome outcome, InFlight batch) {
        switch (outcome) {
            case COMMITTED -> {
                inFlight = null;
                ledger.release(batch.slots());
                count(batch);
                isolate = Math.max(0, isolate - 1);
            }
            case RETRY -> {
                inFlight = null;
                backoffUntil = System.nanoTime() + RETRY_BACKOFF_MS * 1_000_000;
            }
            case IN_DOUBT -> {
                inFlight = batch;
                backoffUntil = System.nanoTime() + IN_DOUBT_BACKOFF_MS * 1_000_000;
            }
            case REFUSED -> {
                // Those records become their small forms (a FAILED RESULT_TOO_LARGE answer, or a
                // dead letter without its value) and the batch goes again at once, the others unchanged.
                inFlight = null;
                List<ResultPublisher.Refusal> refusals = publisher.refused();
                if (refusals.size() > 1) {
                    // The broker refuses a partition's whole record batch when the batch is too large, so
                    // every record in it is "refused" and none is named: each goes again alone, and one
                    // refused alone is the one too large (seen: a small ASSEMBLE answered RESULT_TOO_LARGE
                    // because it shared a batch with a large LIST).
                    isolate = Math.max(isolate, refusals.size());
                    backoffUntil = System.nanoTime();
                    return;
                }
                isolate = Math.max(0, isolate - 1);
                boolean smallFormRefused = false;
                for (ResultPublisher.Refusal r : refusals) {
                    Slot slot = batch.sent().get(r.index()).slot();
                    smallFormRefused |= slot.refusedBecause() != null;
                    slot.refuse(SendOutcomes.describe(r.cause()));
                }
                if (smallFormRefused) {
                    // Even the small form was refused (a limit of a few hundred bytes): nothing smaller
                    // exists, so try again at the pace of other failures rather than at once, for good.
                    LOG.error("Kafka refused even the small form of a result; check the results topic's "
                            + "max.message.bytes and the worker's kafka.max.request.size");
                    backoffUntil = System.nanoTime() + RETRY_BACKOFF_MS * 1_000_000;
                } else {
                    backoffUntil = System.nanoTime();
                }
            }
            case FENCED -> {
                fenced = true;
                throw new ProducerFencedException("another worker took over this node's transactional id");
            }
        }
    }

    private void count(InFlight batch) {
        try {
            for (OutgoingRecords.Outgoing out : batch.sent()) {
                if (out.outcome() instanceof Outcome.Answer answer) {
                    metrics.committed(answer.result());
                } else {
                    metrics.deadLettered();
                }
            }
        } catch (RuntimeException e) {
            LOG.error("counting {} published results failed; the results are out, the meters are behind",
                    batch.sent().size(), e);
        }
    }
}
