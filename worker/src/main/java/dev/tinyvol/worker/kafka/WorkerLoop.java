package dev.tinyvol.worker.kafka;

import dev.tinyvol.messages.event.Request;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.Outcome;
import dev.tinyvol.worker.node.RequestHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's consume → execute → publish loop. One thread owns the consumer and the producer: it
 * polls, hands each request to the {@link KeyedScheduler} (concurrent across volumes, in order within
 * one), and every pass publishes the results that have completed at the head of each partition,
 * together with the offsets they cover, in one short transaction. A slow request holds back only the
 * results behind it in its partition; the thread never waits for work, so the consumer stays in its
 * group however long an assembly takes, and when too much is buffered it pauses the partitions and
 * goes on polling.
 */
public final class WorkerLoop implements Runnable {

    /** Exit codes of {@link #run()}'s outcome, for the command line. */
    public enum Exit { STOPPED, FENCED, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private final WorkerConfig config;
    private final RequestHandler handler;
    private final Clock clock;
    private final KeyedScheduler scheduler;
    private final Ledger ledger = new Ledger();
    private final OutgoingRecords outgoing;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final AtomicInteger partitionsTakenAway = new AtomicInteger();
    private volatile boolean running = true;
    private volatile Exit exit = Exit.STOPPED;
    private final WorkerMetrics metrics;
    private KafkaConsumer<byte[], byte[]> consumer;
    private ResultPublisher publisher;
    private AutoCloseable consumerMetrics;
    private AutoCloseable producerMetrics;
    private boolean paused;
    private long commitBackoffUntil;

    public WorkerLoop(WorkerConfig config, RequestHandler handler, Clock clock, WorkerMetrics metrics) {
        this.config = config;
        this.handler = handler;
        this.clock = clock;
        this.metrics = metrics;
        this.outgoing = new OutgoingRecords(config, handler, clock);
        metrics.inFlight(ledger::size);
        this.scheduler = new KeyedScheduler(config.concurrency());
    }

    /** Asks the loop to stop: it stops polling, finishes or abandons running work, commits, and returns. */
    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Waits until {@link #run()} has returned. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until the consumer first has its partitions (tests and readiness). */
    public boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Exit exit() {
        return exit;
    }

    /** How often partitions were revoked or lost: a worker that stays in its group keeps this at 0. */
    public int partitionsTakenAway() {
        return partitionsTakenAway.get();
    }

    /** Null while the loop runs; otherwise why it is not live. */
    public String notLive() {
        return finished.getCount() == 0 ? "the worker loop has stopped (" + exit + ")" : null;
    }

    /** Null once partitions are assigned and the loop is not stopping; otherwise why it is not ready. */
    public String notReady() {
        String dead = notLive();
        if (dead != null) {
            return dead;
        }
        if (!running) {
            return "stopping";
        }
        return assigned.getCount() > 0 ? "waiting for the consumer's partitions of " + config.requestsTopic() : null;
    }

    @Override
    public void run() {
        org.slf4j.MDC.put("node", config.node());
        try {
            if (config.createTopics()) {
                TopicSetup.ensure(config);
            }
            consumer = KafkaClients.consumer(config);
            publisher = new ResultPublisher(() -> KafkaClients.producer(config),
                    partitions -> consumer.committed(partitions, Duration.ofSeconds(10)), this::bindProducerMetrics);
            publisher.start(() -> running);
            consumerMetrics = metrics.bind(consumer);
            consumer.subscribe(List.of(config.requestsTopic()), new Rebalance());
            LOG.info("node {} consuming {} → {}", config.node(), config.requestsTopic(), config.resultsTopic());
            while (running) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        dispatch(record);
                    }
                } catch (WakeupException e) {
                    // Work finished (publish it now rather than after the poll times out), or stop() was called.
                }
                publishCompleted();
                applyBackpressure();
                recordLag();
            }
            drain();
        } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException e) {
            exit = Exit.FENCED;
            LOG.error("stopping: another worker started with node id {} and took over ({}); this one is fenced and "
                    + "publishes nothing more", config.node(), e.getClass().getSimpleName());
        } catch (RuntimeException e) {
            exit = Exit.FAILED;
            LOG.error("stopping: {}", e.getMessage(), e);
        } finally {
            scheduler.close();
            closeQuietly();
            finished.countDown();
        }
    }

    /** Gives every record read exactly one slot, whatever happens while deciding what it is. */
    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        RequestHandler.Parsed parsed;
        try {
            parsed = handler.parse(record.value(), clock.instant());
        } catch (RuntimeException e) {
            LOG.error("reading {}-{}@{} failed inside the worker", record.topic(), record.partition(), record.offset(), e);
            parsed = new RequestHandler.Parsed.Done(new Outcome.DeadLetter("the worker failed reading this record: "
                    + e.getMessage()));
        }
        Request request = null;
        CompletableFuture<Outcome> outcome;
        if (parsed instanceof RequestHandler.Parsed.Ready ready) {
            request = ready.request();
            Request r = request;
            outcome = scheduler.submit(r.key(), !r.action().perVolume(), () -> handler.execute(r));
            outcome.whenComplete((done, failed) -> consumer.wakeup());
        } else {
            outcome = CompletableFuture.completedFuture(((RequestHandler.Parsed.Done) parsed).outcome());
        }
        ledger.add(tp, new Slot(record, request, outcome));
    }

    /**
     * Publishes, in one transaction with the offsets they cover, every result at the head of a
     * partition whose work is done. Nothing is taken off the ledger until the commit succeeds, so an
     * aborted transaction is simply tried again; while a commit is in doubt, only that commit is
     * retried (ResultPublisher).
     */
    private void publishCompleted() {
        if (System.currentTimeMillis() < commitBackoffUntil) {
            return;
        }
        if (publisher.inDoubt()) {
            settle(publisher.resume(), inFlight);
            return;
        }
        Map<TopicPartition, List<Slot>> ready = ledger.completedHeads();
        if (ready.isEmpty()) {
            return;
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
            List<Slot> done = e.getValue();
            offsets.put(e.getKey(), new OffsetAndMetadata(done.get(done.size() - 1).record.offset() + 1));
        }
        InFlight batch = new InFlight(ready, sent);
        settle(publisher.publish(new ResultPublisher.Batch(records, offsets), consumer.groupMetadata()), batch);
    }

    /** The slots and records of the batch being published. */
    private record InFlight(Map<TopicPartition, List<Slot>> slots, List<OutgoingRecords.Outgoing> sent) {
    }

    private InFlight inFlight;

    private void settle(ResultPublisher.Outcome outcome, InFlight batch) {
        switch (outcome) {
            case COMMITTED -> {
                inFlight = null;
                ledger.release(batch.slots());
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
            case RETRY -> {
                inFlight = null;
                commitBackoffUntil = System.currentTimeMillis() + 500;
            }
            case IN_DOUBT -> {
                inFlight = batch;
                commitBackoffUntil = System.currentTimeMillis() + 100;
            }
            case FENCED -> throw new ProducerFencedException("another worker took over this node's transactional id");
        }
    }

    private void bindProducerMetrics(org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
        closeQuietly(producerMetrics);
        producerMetrics = producer instanceof KafkaProducer<byte[], byte[]> kafka ? metrics.bind(kafka) : null;
    }

    private void recordLag() {
        for (TopicPartition tp : consumer.assignment()) {
            consumer.currentLag(tp).ifPresent(lag -> metrics.lag(tp.topic(), tp.partition(), lag));
        }
    }

    private void applyBackpressure() {
        int n = ledger.size();
        if (!paused && n >= config.maxBuffered()) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.info("{} requests buffered: pausing consumption", n);
        } else if (paused && n <= config.maxBuffered() / 2) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    /** On stop: no more polling; wait for running work up to the grace period, publish it, abandon the rest. */
    private void drain() {
        long deadline = System.currentTimeMillis() + config.shutdownGrace().toMillis();
        while (ledger.size() > 0 && System.currentTimeMillis() < deadline) {
            publishCompleted();
            if (ledger.size() > 0) {
                sleep(10);
            }
        }
        if (ledger.size() > 0) {
            LOG.warn("stopping with {} requests unfinished after {}: they were not committed and will be read again",
                    ledger.size(), config.shutdownGrace());
        }
        LOG.info("stopped cleanly");
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                partitionsTakenAway.incrementAndGet();
            }
            long deadline = System.currentTimeMillis() + Math.min(10_000, config.shutdownGrace().toMillis());
            while (ledger.holdsAny(partitions) && System.currentTimeMillis() < deadline) {
                commitBackoffUntil = 0;
                publishCompleted();
                sleep(10);
            }
            drop(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitionsTakenAway.incrementAndGet();
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
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (Exception e) {
            LOG.debug("closing {}: {}", closeable, e.getMessage());
        }
    }

    private void closeQuietly() {
        closeQuietly(consumerMetrics);
        closeQuietly(producerMetrics);
        try {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            LOG.debug("closing the consumer: {}", e.getMessage());
        }
        if (publisher != null) {
            publisher.close();
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
