package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The transaction rules of {@link ResultPublisher}, driven through kafka-clients' MockProducer. */
class ResultPublisherTest {

    private static final TopicPartition REQUESTS = new TopicPartition("tinyvol.requests.n1", 0);
    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("tinyvol-worker-n1", 1, "m", Optional.of("i"));

    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> brokerOffsets = new HashMap<>();
    private final List<String> boundTo = new ArrayList<>();

    private ResultPublisher publisher() {
        ResultPublisher publisher = new ResultPublisher(() -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            producers.add(p);
            return p;
        }, partitions -> {
            Map<TopicPartition, OffsetAndMetadata> known = new HashMap<>();
            partitions.forEach(tp -> known.put(tp, brokerOffsets.get(tp)));
            return known;
        }, p -> boundTo.add("producer-" + producers.size()));
        publisher.start(() -> true);
        return publisher;
    }

    private static ResultPublisher.Batch batch(long nextOffset, String... values) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (String v : values) {
            records.add(new ProducerRecord<>("tinyvol.results", v.getBytes(StandardCharsets.UTF_8)));
        }
        return new ResultPublisher.Batch(records, Map.of(REQUESTS, new OffsetAndMetadata(nextOffset)));
    }

    private MockProducer<byte[], byte[]> current() {
        return producers.get(producers.size() - 1);
    }

    @Test
    void aBatchIsCommittedWithItsOffsets() {
        ResultPublisher publisher = publisher();
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(3, "a", "b", "c"), GROUP));
        assertEquals(1, current().commitCount());
        assertEquals(3, current().history().size());
        assertEquals(Map.of(GROUP.groupId(), Map.of(REQUESTS, new OffsetAndMetadata(3))),
                current().consumerGroupOffsetsHistory().get(0));
        assertEquals(List.of("producer-1"), boundTo);
    }

    @Test
    void aCommitThatTimesOutIsRetriedNeverAbortedAndNothingElseIsPublishedMeanwhile() {
        ResultPublisher publisher = publisher();
        ResultPublisher.Batch first = batch(2, "a", "b");
        current().commitTransactionException = new TimeoutException("Timeout expired after 10000ms while awaiting EndTxn");
        assertEquals(ResultPublisher.Outcome.IN_DOUBT, publisher.publish(first, GROUP));
        assertTrue(publisher.inDoubt());
        assertSame(first, publisher.batchInDoubt());
        assertThrows(IllegalStateException.class, () -> publisher.publish(batch(3, "c"), GROUP),
                "no new transaction while a commit is in doubt");
        assertEquals(ResultPublisher.Outcome.IN_DOUBT, publisher.resume(), "still timing out");

        current().commitTransactionException = null;
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.resume());
        assertFalse(publisher.inDoubt());
        assertNull(publisher.batchInDoubt());
        assertEquals(1, producers.size(), "the same producer, never replaced while in doubt");
        assertFalse(current().transactionAborted(), "never aborted");
        assertEquals(1, current().commitCount());
        assertEquals(2, current().history().size(), "each result sent once");

        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(3, "c"), GROUP));
        assertEquals(3, current().history().size());
    }

    @Test
    void aProducerThatDiesDuringACommitIsSettledByTheCommittedOffsets() {
        // The broker completed the commit: the offsets show it, so the batch is not published again.
        ResultPublisher publisher = publisher();
        current().commitTransactionException = new KafkaException("the producer is in a fatal state");
        brokerOffsets.put(REQUESTS, new OffsetAndMetadata(2));
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(2, "a", "b"), GROUP));
        assertEquals(2, producers.size(), "a new producer's initTransactions settled the old transaction");
        assertTrue(producers.get(0).closed());
        assertTrue(producers.get(1).transactionInitialized());
        assertFalse(publisher.inDoubt());
        assertEquals(List.of("producer-1", "producer-2"), boundTo);
    }

    @Test
    void aProducerThatDiesDuringACommitThatTheBrokerAbortedPublishesTheBatchAgain() {
        ResultPublisher publisher = publisher();
        current().commitTransactionException = new KafkaException("the producer is in a fatal state");
        brokerOffsets.put(REQUESTS, new OffsetAndMetadata(0));
        assertEquals(ResultPublisher.Outcome.RETRY, publisher.publish(batch(2, "a", "b"), GROUP));
        assertFalse(publisher.inDoubt());
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(2, "a", "b"), GROUP));
        assertEquals(1, producers.get(1).commitCount());
    }

    @Test
    void aFailureBeforeTheCommitAbortsAndTheBatchGoesAgain() {
        ResultPublisher publisher = publisher();
        current().sendOffsetsToTransactionException = new KafkaException("coordinator not available");
        assertEquals(ResultPublisher.Outcome.RETRY, publisher.publish(batch(1, "a"), GROUP));
        assertTrue(current().transactionAborted());
        current().sendOffsetsToTransactionException = null;
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(1, "a"), GROUP));
        assertEquals(1, producers.size());
    }

    @Test
    void anAbortThatFailsStartsANewProducerForTheNextBatch() {
        ResultPublisher publisher = publisher();
        current().sendOffsetsToTransactionException = new KafkaException("coordinator not available");
        current().abortTransactionException = new KafkaException("fatal");
        assertEquals(ResultPublisher.Outcome.RETRY, publisher.publish(batch(1, "a"), GROUP));
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(1, "a"), GROUP));
        assertEquals(2, producers.size());
        assertEquals(1, producers.get(1).commitCount());
    }

    @Test
    void fencingIsTheOnlyReasonToGiveABatchUp() {
        ResultPublisher publisher = publisher();
        current().fenceProducer();
        assertEquals(ResultPublisher.Outcome.FENCED, publisher.publish(batch(1, "a"), GROUP));

        ResultPublisher second = publisher();
        current().commitTransactionException = new ProducerFencedException("epoch bumped by another worker");
        assertEquals(ResultPublisher.Outcome.FENCED, second.publish(batch(1, "a"), GROUP));
        assertFalse(second.inDoubt());

        ResultPublisher third = publisher();
        current().commitTransactionException = new TimeoutException("t");
        assertEquals(ResultPublisher.Outcome.IN_DOUBT, third.publish(batch(1, "a"), GROUP));
        current().commitTransactionException = new ProducerFencedException("fenced while in doubt");
        assertEquals(ResultPublisher.Outcome.FENCED, third.resume());
    }

    @Test
    void registeringTheTransactionalIdIsRetriedAfterATimeout() {
        int[] calls = {0};
        ResultPublisher publisher = new ResultPublisher(() -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
                @Override
                public void initTransactions() {
                    if (calls[0]++ < 2) {
                        throw new TimeoutException("Timeout expired while initializing transactional state");
                    }
                    super.initTransactions();
                }
            };
            producers.add(p);
            return p;
        }, partitions -> Map.of(), p -> { });
        publisher.start(() -> true);
        assertEquals(3, calls[0]);
        assertEquals(1, producers.size(), "the same producer's call retried (KIP-588)");
        assertEquals(ResultPublisher.Outcome.COMMITTED, publisher.publish(batch(1, "a"), GROUP));

        ResultPublisher giveUp = new ResultPublisher(() -> new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public void initTransactions() {
                throw new TimeoutException("Kafka is not reachable");
            }
        }, partitions -> Map.of(), p -> { });
        assertThrows(TimeoutException.class, () -> giveUp.start(() -> false), "stops retrying once told to stop");
    }
}
