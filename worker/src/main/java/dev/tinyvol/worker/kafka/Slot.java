package dev.tinyvol.worker.kafka;

import dev.tinyvol.worker.node.Outcome;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One record read and its outcome, pending until published in a committed transaction. */
final class Slot {

    final ConsumerRecord<byte[], byte[]> record;
    final CompletableFuture<Outcome> outcome;

    Slot(ConsumerRecord<byte[], byte[]> record, CompletableFuture<Outcome> outcome) {
        this.record = record;
        this.outcome = outcome;
    }
}
