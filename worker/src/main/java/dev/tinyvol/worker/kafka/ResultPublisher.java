package dev.tinyvol.worker.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes results and the consumer offsets that cover them in one Kafka transaction, and owns the
 * rules that keep that exactly once:
 *
 * <ul>
 *   <li><b>A commit that timed out is in doubt, never abandoned.</b> The broker may still complete
 *       it, so the same {@code commitTransaction} is called again (KIP-588) until it answers; no
 *       other transaction begins meanwhile, and its batch stays the one in flight.</li>
 *   <li><b>A producer that cannot go on while a commit is in doubt</b> is replaced; the new one's
 *       {@code initTransactions} makes the coordinator finish the old transaction one way or the
 *       other, and the committed consumer offsets (read with {@code requireStable}) then say which:
 *       a batch whose offsets were committed was published.</li>
 *   <li><b>Anything else that fails before the commit</b> is aborted and tried again later; the
 *       caller keeps the batch.</li>
 *   <li><b>Every send's outcome is checked</b> (its future, after a flush, before the commit): a record
 *       the producer or the broker refuses for what it is (too large, invalid) is named in
 *       {@link #refused()}, the transaction is aborted and the batch comes back {@link Outcome#REFUSED},
 *       so the caller can replace that record and publish the rest; a send that failed for any other
 *       reason aborts and retries the batch, and the log names the cause.</li>
 *   <li><b>A producer epoch bumped by the broker</b> (the coordinator aborted a transaction left
 *       open past {@code transaction.timeout.ms}) is not a takeover: {@link InvalidProducerEpochException}
 *       is abortable, as kafka-clients documents it (abort, publish the batch again); a
 *       {@link ProducerFencedException} for a transaction open longer than the timeout is the
 *       coordinator refusing the old epoch (a new producer publishes the batch again; measured in
 *       EpochBumpTest, docs/decisions.md).</li>
 *   <li><b>Fencing</b> (another worker with this node's transactional id: {@link ProducerFencedException}
 *       on a transaction younger than the timeout, {@link FencedInstanceIdException}) is the only reason
 *       to give a batch up: {@link Outcome#FENCED}.</li>
 * </ul>
 *
 * Called from the polling thread only.
 */
final class ResultPublisher implements AutoCloseable {

    /** What became of a batch. */
    enum Outcome {
        /** Committed: its results are visible to read_committed consumers, its offsets stored. */
        COMMITTED,
        /** Not committed and never will be: keep the batch and publish it again. */
        RETRY,
        /** The commit's outcome is not known yet: keep the batch, publish nothing else, call {@link #resume}. */
        IN_DOUBT,
        /** Not committed: the records named in {@link #refused()} can never be published as they are. */
        REFUSED,
        /** Another worker took over this node's transactional id: stop. */
        FENCED
    }

    /** A record of the batch that Kafka refused for what it is, and why. */
    record Refusal(int index, Exception cause) {
    }

    /** A batch: the records and the offsets after the last request each partition's results answer. */
    record Batch(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ResultPublisher.class);

    private final Supplier<Producer<byte[], byte[]>> newProducer;
    private final Function<java.util.Set<TopicPartition>, Map<TopicPartition, OffsetAndMetadata>> committedOffsets;
    private final java.util.function.Consumer<Producer<byte[], byte[]>> onNewProducer;
    private Producer<byte[], byte[]> producer;
    private Batch inDoubt;
    private ConsumerGroupMetadata inDoubtGroup;
    private boolean needsNewProducer;
    private List<Refusal> refused = List.of();
    private final long transactionTimeoutNanos;
    /** System.nanoTime() when the current transaction began. */
    private long transactionBegan;
    /** A new producer has settled the transaction in doubt; its committed offsets are still to be read. */
    private boolean awaitingOffsets;

    /**
     * @param newProducer      a transactional producer with this node's transactional id
     * @param committedOffsets the group's committed offsets for partitions (the consumer's {@code committed})
     * @param onNewProducer    told of each producer once it is ready (metrics bind to it)
     */
    ResultPublisher(Supplier<Producer<byte[], byte[]>> newProducer,
                    Function<java.util.Set<TopicPartition>, Map<TopicPartition, OffsetAndMetadata>> committedOffsets,
                    java.util.function.Consumer<Producer<byte[], byte[]>> onNewProducer) {
        this(newProducer, committedOffsets, onNewProducer, Duration.ofMinutes(1));
    }

    /**
     * @param transactionTimeout the producer's transaction.timeout.ms: a transaction open longer may
     *                           have been aborted by the broker, with an epoch bump
     */
    ResultPublisher(Supplier<Producer<byte[], byte[]>> newProducer,
                    Function<java.util.Set<TopicPartition>, Map<TopicPartition, OffsetAndMetadata>> committedOffsets,
                    java.util.function.Consumer<Producer<byte[], byte[]>> onNewProducer, Duration transactionTimeout) {
        this.transactionTimeoutNanos = transactionTimeout.toNanos();
        this.newProducer = newProducer;
        this.committedOffsets = committedOffsets;
        this.onNewProducer = onNewProducer;
    }

    /**
     * Creates the producer and registers its transactional id (fencing any older worker), retrying
     * the same call after a time-out (KIP-588) while {@code keepTrying} says so.
     */
    void start(java.util.function.BooleanSupplier keepTrying) {
        producer = newProducer.get();
        while (true) {
            try {
                producer.initTransactions();
                onNewProducer.accept(producer);
                return;
            } catch (TimeoutException e) {
                if (!keepTrying.getAsBoolean()) {
                    throw e;
                }
                LOG.warn("registering the transactional id timed out ({}); trying again", e.getMessage());
            }
        }
    }

    /** True while a commit's outcome is unknown: nothing new may be published. */
    boolean inDoubt() {
        return inDoubt != null;
    }

    /** The batch whose commit is in doubt, or null. */
    Batch batchInDoubt() {
        return inDoubt;
    }

    /** The records the last {@link Outcome#REFUSED} publish named (indexes into its batch). */
    List<Refusal> refused() {
        return refused;
    }

    /** Publishes one batch in one transaction. Must not be called while {@link #inDoubt()}. */
    Outcome publish(Batch batch, ConsumerGroupMetadata group) {
        if (inDoubt != null) {
            throw new IllegalStateException("a commit is in doubt; call resume()");
        }
        refused = List.of();
        if (needsNewProducer) {
            Outcome notStarted = startNewProducer("to start a new producer", Outcome.RETRY);
            if (notStarted != null) {
                return notStarted;
            }
        }
        SendOutcomes sends = new SendOutcomes(batch.records().size());
        try {
            transactionBegan = System.nanoTime();
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> record : batch.records()) {
                sends.add(producer.send(record));
            }
            producer.sendOffsetsToTransaction(batch.offsets(), group);
            // Every send settled before the commit is asked for, so a refused record is known and named
            // here, not lost in a commit that fails as a whole.
            producer.flush();
        } catch (ProducerFencedException e) {
            if (!openPastTimeout()) {
                return fenced(e);
            }
            // The coordinator answers a request of an epoch it bumped on its timeout with PRODUCER_FENCED
            // too: not a takeover. This producer is done for; a new one starts the next transaction.
            LOG.warn("the broker aborted this worker's transaction after {} ms open (transaction.timeout.ms {} ms) "
                    + "and fenced its epoch ({}); a new producer publishes {} results again", openMillis(),
                    transactionTimeoutNanos / 1_000_000, e.getMessage(), batch.records().size());
            needsNewProducer = true;
            return Outcome.RETRY;
        } catch (FencedInstanceIdException e) {
            return fenced(e);
        } catch (InvalidProducerEpochException e) {
            LOG.warn("the broker bumped this producer's epoch ({}): it aborted a transaction left open past "
                    + "transaction.timeout.ms; aborting and publishing {} results again", e.getMessage(),
                    batch.records().size());
            return abort();
        } catch (KafkaException | IllegalStateException e) {
            if (!sends.refusals().isEmpty()) {
                return refuse(sends.refusals());
            }
            throwIfPermanent(e);
            // Nothing was asked to commit: aborting is safe, and the batch goes again.
            LOG.warn("publishing {} results failed before the commit ({}); will try again", batch.records().size(),
                    SendOutcomes.describe(sends.firstFailure() != null ? sends.firstFailure() : e));
            return abort();
        }
        if (!sends.refusals().isEmpty()) {
            return refuse(sends.refusals());
        }
        Exception failed = sends.firstFailure();
        if (failed != null) {
            if (failed instanceof RuntimeException r) {
                throwIfPermanent(r);
            }
            LOG.warn("publishing {} results failed before the commit ({}); will try again", batch.records().size(),
                    SendOutcomes.describe(failed));
            return abort();
        }
        return commit(batch, group);
    }

    /** Records Kafka will never take as they are: abort, and let the caller replace them. */
    private Outcome refuse(List<Refusal> refusals) {
        for (Refusal r : refusals) {
            LOG.warn("Kafka refused record {} of the batch ({}); aborting the transaction so it can be replaced",
                    r.index(), SendOutcomes.describe(r.cause()));
        }
        Outcome aborted = abort();
        if (aborted == Outcome.FENCED) {
            return aborted;
        }
        refused = List.copyOf(refusals);
        return Outcome.REFUSED;
    }

    /** Tries again to settle the commit in doubt; returns its outcome (IN_DOUBT while still unknown). */
    Outcome resume() {
        if (inDoubt == null) {
            throw new IllegalStateException("no commit is in doubt");
        }
        Batch batch = inDoubt;
        if (needsNewProducer || awaitingOffsets) {
            return settleWithNewProducer(batch);
        }
        return commit(batch, inDoubtGroup);
    }

    private Outcome commit(Batch batch, ConsumerGroupMetadata group) {
        try {
            producer.commitTransaction();
            clearDoubt();
            return Outcome.COMMITTED;
        } catch (TimeoutException e) {
            // KIP-588: the broker may still commit it; the same call must be retried, never an abort.
            if (inDoubt == null) {
                LOG.warn("committing {} results timed out ({}); the commit is in doubt and will be retried, nothing "
                        + "else is published until it settles", batch.records().size(), e.getMessage());
            }
            inDoubt = batch;
            inDoubtGroup = group;
            return Outcome.IN_DOUBT;
        } catch (ProducerFencedException e) {
            if (!openPastTimeout()) {
                return fenced(e);
            }
            LOG.warn("the broker fenced this producer's epoch after its transaction was {} ms open (transaction.timeout.ms "
                    + "{} ms): it aborted it on its timeout; settling with a new producer", openMillis(),
                    transactionTimeoutNanos / 1_000_000);
            inDoubt = batch;
            inDoubtGroup = group;
            needsNewProducer = true;
            return settleWithNewProducer(batch);
        } catch (FencedInstanceIdException e) {
            return fenced(e);
        } catch (KafkaException | IllegalStateException e) {
            throwIfPermanent(e);
            // The producer cannot retry (a fatal state, or an abortable error after the commit request,
            // such as an epoch the broker bumped when it aborted the transaction on its timeout).
            // Only a new producer's initTransactions settles the old transaction, so find out then.
            LOG.warn("committing {} results failed ({}); settling the transaction with a new producer",
                    batch.records().size(), SendOutcomes.describe(e));
            inDoubt = batch;
            inDoubtGroup = group;
            needsNewProducer = true;
            return settleWithNewProducer(batch);
        }
    }

    /** After initTransactions the coordinator has finished the old transaction; the offsets tell how. */
    private Outcome settleWithNewProducer(Batch batch) {
        if (!awaitingOffsets) {
            Outcome notStarted = startNewProducer("to settle the transaction in doubt", Outcome.IN_DOUBT);
            if (notStarted != null) {
                return notStarted;
            }
            // The old transaction is finished now; until its offsets are read, only the reading is retried
            // (a commit on the new producer would have no transaction to commit).
            awaitingOffsets = true;
            needsNewProducer = false;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = committedOffsets.apply(batch.offsets().keySet());
        } catch (KafkaException e) {
            // A WakeupException too: finished work wakes the consumer up, whatever it is doing.
            LOG.warn("reading the committed offsets to settle the transaction in doubt failed ({}); trying again",
                    SendOutcomes.describe(e));
            return Outcome.IN_DOUBT;
        }
        awaitingOffsets = false;
        clearDoubt();
        boolean published = batch.offsets().entrySet().stream().allMatch(e -> {
            OffsetAndMetadata c = committed.get(e.getKey());
            // Each batch answers at least one more record, so its commit point differs from the one before:
            // the offset moved on, or the same offset lists more answered records past it.
            return c != null && (c.offset() > e.getValue().offset() || (c.offset() == e.getValue().offset()
                    && java.util.Objects.equals(c.metadata(), e.getValue().metadata())));
        });
        LOG.info("the transaction in doubt was {}", published ? "committed" : "aborted; its results go again");
        return published ? Outcome.COMMITTED : Outcome.RETRY;
    }

    private Outcome abort() {
        try {
            producer.abortTransaction();
        } catch (ProducerFencedException | FencedInstanceIdException e) {
            return fenced(e);
        } catch (KafkaException | IllegalStateException e) {
            // A new producer's initTransactions aborts what this one left open (no commit was asked for).
            LOG.warn("could not abort the transaction ({}); the next publish starts a new producer", e.getMessage());
            needsNewProducer = true;
        }
        return Outcome.RETRY;
    }

    /** A new producer whose initTransactions finishes whatever the old one left open; one attempt. */
    /**
     * A new producer in place of the old (its initTransactions finishes the old one's transaction);
     * null once it is, else what the caller answers: fenced, or {@code unreachable} to try again.
     */
    private Outcome startNewProducer(String why, Outcome unreachable) {
        try {
            replaceProducer();
            return null;
        } catch (ProducerFencedException | FencedInstanceIdException e) {
            return fenced(e);
        } catch (KafkaException e) {
            throwIfPermanent(e);
            LOG.warn("Kafka is not reachable {} ({}); trying again", why, SendOutcomes.describe(e));
            return unreachable;
        }
    }

    private void replaceProducer() {
        closeProducer(Duration.ZERO);
        producer = null;
        Producer<byte[], byte[]> fresh = newProducer.get();
        try {
            fresh.initTransactions();
        } catch (RuntimeException e) {
            try {
                fresh.close(Duration.ZERO);
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        producer = fresh;
        needsNewProducer = false;
        onNewProducer.accept(producer);
    }

    /**
     * Credentials or ACLs that no longer let this node publish (or a setting Kafka refuses) are not
     * mended by trying again: the batch stays unpublished and uncommitted, so its requests are read
     * again when the worker restarts with access, and the worker stops with one line saying why.
     */
    private static void throwIfPermanent(RuntimeException e) {
        dev.tinyvol.client.ClientFailure permanent = dev.tinyvol.client.KafkaFailures.classify(e);
        if (permanent != null) {
            throw permanent;
        }
    }

    private Outcome fenced(KafkaException e) {
        LOG.error("fenced: another worker with this node id took over ({})", e.getClass().getSimpleName());
        awaitingOffsets = false;
        clearDoubt();
        return Outcome.FENCED;
    }

    /**
     * True when the current transaction has been open longer than transaction.timeout.ms: the broker
     * may have aborted it and bumped the epoch, and then answers PRODUCER_FENCED to the old one. A
     * takeover by another worker meets a transaction of a few milliseconds, so it stays fencing.
     */
    private boolean openPastTimeout() {
        return System.nanoTime() - transactionBegan >= transactionTimeoutNanos;
    }

    private long openMillis() {
        return (System.nanoTime() - transactionBegan) / 1_000_000;
    }

    private void clearDoubt() {
        inDoubt = null;
        inDoubtGroup = null;
    }

    private void closeProducer(Duration timeout) {
        if (producer != null) {
            try {
                producer.close(timeout);
            } catch (RuntimeException e) {
                LOG.debug("closing the producer: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closeProducer(Duration.ofSeconds(5));
    }
}
