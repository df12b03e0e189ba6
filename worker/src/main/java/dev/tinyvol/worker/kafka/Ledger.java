package dev.tinyvol.worker.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records read and not yet answered, per partition, in the order read. Any completed record
 * can be published, not only those at the head: a batch commits, with its results, the offset of
 * the partition's first record still unanswered and the list of answered records past it
 * ({@link AnsweredOffsets}), so a request that waits holds back no other result. A slot leaves the
 * ledger once it and every slot before it are answered in committed transactions. Used by the
 * polling thread; {@link #size()} may be read from any thread.
 */
final class Ledger {

    private final Map<TopicPartition, ArrayDeque<Slot>> pending = new HashMap<>();
    /** Per partition, offsets the committed metadata lists as answered, not read yet: skipped when read. */
    private final Map<TopicPartition, NavigableSet<Long>> answeredBefore = new HashMap<>();
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

    /**
     * Records the offsets a partition's committed metadata lists as answered (at assignment), so
     * that {@link #answeredBefore} skips them when they are read again.
     */
    void assigned(TopicPartition tp, OffsetAndMetadata committed) {
        NavigableSet<Long> answered = AnsweredOffsets.decode(committed);
        if (answered.isEmpty()) {
            answeredBefore.remove(tp);
        } else {
            answeredBefore.put(tp, answered);
        }
    }

    /** Whether the record at {@code offset} was answered by a committed transaction before it was read now. */
    boolean answeredBefore(TopicPartition tp, long offset) {
        NavigableSet<Long> answered = answeredBefore.get(tp);
        return answered != null && answered.contains(offset);
    }

    /**
     * Per partition, the completed slots not yet published, in read order, as many as the
     * partition's commit metadata can list; partitions with none are left out.
     */
    Map<TopicPartition, List<Slot>> publishable() {
        Map<TopicPartition, List<Slot>> ready = new HashMap<>();
        for (Map.Entry<TopicPartition, ArrayDeque<Slot>> e : pending.entrySet()) {
            List<Slot> done = new ArrayList<>();
            for (Slot slot : e.getValue()) {
                if (!slot.published && slot.outcome.isDone()) {
                    done.add(slot);
                }
            }
            // Past the first unanswered record, each result published costs room in the metadata.
            while (!done.isEmpty() && commitPoint(e.getKey(), done).metadata().length() > AnsweredOffsets.MAX_LENGTH) {
                done.remove(done.size() - 1);
            }
            if (!done.isEmpty()) {
                ready.put(e.getKey(), done);
            }
        }
        return ready;
    }

    /**
     * What a transaction publishing {@code batch} (slots of {@code tp}) commits for the partition:
     * the offset of its first record then still unanswered, and the answered ones past it.
     */
    OffsetAndMetadata commitPoint(TopicPartition tp, List<Slot> batch) {
        java.util.Set<Slot> inBatch = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        inBatch.addAll(batch);
        Long firstUnanswered = null;
        long next = 0;
        List<Long> answeredPast = new ArrayList<>();
        for (Slot slot : pending.getOrDefault(tp, new ArrayDeque<>())) {
            boolean answered = slot.published || inBatch.contains(slot);
            if (!answered && firstUnanswered == null) {
                firstUnanswered = slot.record.offset();
            } else if (answered && firstUnanswered != null) {
                answeredPast.add(slot.record.offset());
            }
            next = slot.record.offset() + 1;
        }
        return new OffsetAndMetadata(firstUnanswered != null ? firstUnanswered : next, AnsweredOffsets.encode(answeredPast));
    }

    /**
     * Marks slots answered once their transaction has committed, and takes off each partition's
     * head while it is answered. A partition revoked meanwhile (its commit was in doubt) is left alone.
     */
    void release(Map<TopicPartition, List<Slot>> committed) {
        committed.forEach((tp, slots) -> {
            ArrayDeque<Slot> queue = pending.get(tp);
            if (queue == null) {
                return;
            }
            slots.forEach(slot -> slot.published = true);
            while (!queue.isEmpty() && queue.peek().published) {
                Slot gone = queue.poll();
                size.decrementAndGet();
                bytes.addAndGet(-weight(gone));
            }
            NavigableSet<Long> answered = answeredBefore.get(tp);
            if (answered != null && !queue.isEmpty()) {
                answered.headSet(queue.peek().record.offset(), false).clear();
            }
        });
    }

    /** Forgets the partitions' slots (they were revoked or lost); returns how many were unanswered. */
    int drop(Collection<TopicPartition> partitions) {
        int dropped = 0;
        for (TopicPartition tp : partitions) {
            answeredBefore.remove(tp);
            ArrayDeque<Slot> queue = pending.remove(tp);
            if (queue != null) {
                dropped += (int) queue.stream().filter(s -> !s.published).count();
                size.addAndGet(-queue.size());
                queue.forEach(slot -> bytes.addAndGet(-weight(slot)));
            }
        }
        return dropped;
    }

    /** Whether any of the partitions has a record not yet answered. */
    boolean holdsAny(Collection<TopicPartition> partitions) {
        return partitions.stream().anyMatch(tp -> pending.getOrDefault(tp, new ArrayDeque<>()).stream().anyMatch(s -> !s.published));
    }

    /** Records held: unanswered ones and answered ones waiting behind an unanswered record. */
    int size() {
        return size.get();
    }

    /** Records read and not yet answered in a committed transaction. */
    int unanswered() {
        int n = 0;
        for (ArrayDeque<Slot> queue : pending.values()) {
            for (Slot slot : queue) {
                if (!slot.published) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The bytes of the records on the ledger (see {@link #weight}). */
    long bytes() {
        return bytes.get();
    }
}
