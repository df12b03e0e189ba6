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

    /** @param assigned counted down at the first assignment (readiness waits for it) */
    RebalanceHandler(Ledger ledger, ResultPublishing publishing, Duration flushBound, CountDownLatch assigned) {
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
        }
        assigned.countDown();
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
