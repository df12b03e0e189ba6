package dev.tinyvol.worker.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the loop does when partitions come and go: before giving partitions up it publishes what
 * has finished for them (for a bounded time); whatever is still unanswered is dropped from the
 * ledger and left to the partitions' next owner, which reads it again from the committed offset.
 */
final class RebalanceHandler implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(RebalanceHandler.class);

    private final Ledger ledger;
    private final ResultPublishing publishing;
    private final Duration flushBound;
    private final CountDownLatch assigned;
    private final AtomicInteger takenAway = new AtomicInteger();

    private final java.util.function.Function<java.util.Set<TopicPartition>,
            java.util.Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata>> committed;

    /**
     * @param assigned  counted down at the first assignment (readiness waits for it)
     * @param committed the group's committed offsets (the consumer's {@code committed}), whose metadata
     *                  lists the records past the offset that were answered already
     */
    RebalanceHandler(Ledger ledger, ResultPublishing publishing, Duration flushBound, CountDownLatch assigned,
                     java.util.function.Function<java.util.Set<TopicPartition>,
                             java.util.Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata>> committed) {
        this.committed = committed;
        this.ledger = ledger;
        this.publishing = publishing;
        this.flushBound = flushBound;
        this.assigned = assigned;
    }

    int takenAway() {
        return takenAway.get();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            takenAway.incrementAndGet();
        }
        long deadline = System.nanoTime() + flushBound.toNanos();
        while (ledger.holdsAny(partitions) && System.nanoTime() - deadline < 0 && publishing.canPublish()) {
            publishing.publishNow();
            sleep(10);
        }
        drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        takenAway.incrementAndGet();
        drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            LOG.info("assigned {}", partitions);
            // Records past the committed offset may have been answered out of order: read which, before
            // the first of them is read again.
            var offsets = committedOffsets(partitions);
            for (TopicPartition tp : partitions) {
                ledger.assigned(tp, offsets.get(tp));
            }
        }
        assigned.countDown();
    }

    /**
     * The committed offsets, tried a few times (a broker restarting); failing for good fails the poll,
     * and the loop stops naming the cause rather than answering anything twice.
     */
    private java.util.Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committedOffsets(
            Collection<TopicPartition> partitions) {
        for (int attempt = 1; ; attempt++) {
            try {
                return committed.apply(new java.util.HashSet<>(partitions));
            } catch (org.apache.kafka.common.errors.RetriableException e) {
                if (attempt == 6) {
                    throw e;
                }
                LOG.warn("reading the committed offsets of {} failed ({}); trying again", partitions, e.getMessage());
            }
        }
    }

    private void drop(Collection<TopicPartition> partitions) {
        int dropped = ledger.drop(partitions);
        if (dropped > 0) {
            LOG.info("{}: {} unanswered requests left to the partitions' next owner", partitions, dropped);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
