package dev.tinyvol.worker.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * The records read and not yet answered, per partition, in the order read. Only the completed
 * records at the head of a partition can be published (with the offset after the last of them), and
 * they leave the ledger only once their transaction has committed. Used by the polling thread;
 * {@link #size()} may be read from any thread.
 */
final class Ledger {

    private final Map<TopicPartition, ArrayDeque<Slot>> pending = new HashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

    void add(TopicPartition tp, Slot slot) {
        pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).add(slot);
        size.incrementAndGet();
        bytes.addAndGet(weight(slot));
    }

    /** What a slot's record weighs: its key and value as read (the parsed request is in proportion). */
    private static long weight(Slot slot) {
        return Math.max(0, slot.record.serializedKeySize()) + Math.max(0, slot.record.serializedValueSize());
    }

    /** Per partition, the completed slots at its head (in order); partitions with none are left out. */
    Map<TopicPartition, List<Slot>> completedHeads() {
        Map<TopicPartition, List<Slot>> ready = new HashMap<>();
        for (Map.Entry<TopicPartition, ArrayDeque<Slot>> e : pending.entrySet()) {
            List<Slot> done = new ArrayList<>();
            for (Slot slot : e.getValue()) {
                if (!slot.outcome.isDone()) {
                    break;
                }
                done.add(slot);
            }
            if (!done.isEmpty()) {
                ready.put(e.getKey(), done);
            }
        }
        return ready;
    }

    /**
     * Takes slots off the ledger once their results are committed. A slot no longer at its
     * partition's head (the partition was revoked while its commit was in doubt) is left alone.
     */
    void release(Map<TopicPartition, List<Slot>> committed) {
        committed.forEach((tp, slots) -> {
            ArrayDeque<Slot> queue = pending.get(tp);
            for (Slot slot : slots) {
                if (queue == null || queue.peek() != slot) {
                    return;
                }
                queue.poll();
                size.decrementAndGet();
                bytes.addAndGet(-weight(slot));
            }
        });
    }

    /** Forgets the partitions' slots (they were revoked or lost); returns how many. */
    int drop(Collection<TopicPartition> partitions) {
        int dropped = 0;
        for (TopicPartition tp : partitions) {
            ArrayDeque<Slot> queue = pending.remove(tp);
            if (queue != null) {
                dropped += queue.size();
                size.addAndGet(-queue.size());
                queue.forEach(slot -> bytes.addAndGet(-weight(slot)));
            }
        }
        return dropped;
    }

    boolean holdsAny(Collection<TopicPartition> partitions) {
        return partitions.stream().anyMatch(tp -> !pending.getOrDefault(tp, new ArrayDeque<>()).isEmpty());
    }

    int size() {
        return size.get();
    }

    /** The bytes of the records on the ledger (see {@link #weight}). */
    long bytes() {
        return bytes.get();
    }
}
