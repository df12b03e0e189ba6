package dev.tinyvol.worker.kafka;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.worker.node.Outcome;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One record read and its outcome, pending until published in a committed transaction. */
final class Slot {

    final ConsumerRecord<byte[], byte[]> record;
    /** The request as read, for a record that was one; null for records decided at once. */
    final Request request;
    final CompletableFuture<Outcome> outcome;
    /** The W3C traceparent of the request's span, sent on its result; null without tracing. */
    final String traceparent;
    /**
     * Its result is in a committed transaction (set by the polling thread after the commit), or it was
     * answered before this worker read it (the committed offset's metadata said so).
     */
    boolean published;

    /**
     * Why Kafka refused this slot's record (too large, invalid), once it has: from then on the slot
     * is published in its small form. Null until then. Polling thread only.
     */
    private String refusedBecause;

    Slot(ConsumerRecord<byte[], byte[]> record, Request request, CompletableFuture<Outcome> outcome) {
        this(record, request, outcome, null);
    }

    Slot(ConsumerRecord<byte[], byte[]> record, Request request, CompletableFuture<Outcome> outcome, String traceparent) {
        this.record = record;
        this.request = request;
        this.outcome = outcome;
        this.traceparent = traceparent;
    }

    /** Kafka refused this slot's record for what it is: publish its small form from now on. */
    void refuse(String why) {
        refusedBecause = why;
    }

    /** Why Kafka refused this slot's record, or null if it has not. */
    String refusedBecause() {
        return refusedBecause;
    }
}
