package dev.tinyvol.worker.kafka;

import dev.tinyvol.client.ClientFailure;
import dev.tinyvol.client.KafkaFailures;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.Outcome;
import dev.tinyvol.worker.node.RequestHandler;
import dev.tinyvol.worker.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's consume → execute → publish loop. One thread owns the consumer and the producer: it
 * polls, hands each request to the {@link KeyedScheduler} (concurrent across volumes, in order within
 * one), and every pass publishes the results that have completed, with each partition's commit
 * point (its first unanswered offset and the answered ones past it, {@link Ledger}), in one short
 * transaction ({@link ResultPublishing}, {@link ResultPublisher}). A slow request holds back no
 * other result; the thread never waits for work, so the consumer stays in its group however long an assembly takes,
 * and when too much is buffered it pauses the partitions and goes on polling ({@link Backpressure}).
 * Rebalances: {@link RebalanceHandler}. The clients come from {@link WorkerClients}, so tests can drive
 * the loop with kafka-clients' mocks.
 */
public final class WorkerLoop implements Runnable {

    /** Exit codes of {@link #run()}'s outcome, for the command line. */
    public enum Exit { STOPPED, FENCED, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
    /**
     * How long a poll waits while results are pending: short, so a publish that must be tried again
     * (a retry, a commit in doubt) is, soon. Finished work ends the wait early anyway (wakeup).
     */
    private static final Duration POLL = Duration.ofMillis(20);
    /**
     * How long it waits when nothing is pending. A new record, finished work or {@link #stop()} ends
     * the wait at once, so this costs no latency; it only keeps an idle worker from waking 50 times a
     * second (measured with 20 idle workers: 1.37% of a core each at 20 ms, 0.37% at 1 s; docs/operations.md,
     * "Running 10,000 nodes").
     */
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);

    private final WorkerConfig config;
    private final WorkerClients clients;
    private final RequestHandler handler;
    private final Clock clock;
    private final KeyedScheduler scheduler;
    private final Ledger ledger = new Ledger();
    private final OutgoingRecords outgoing;
    private final Backpressure backpressure;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Exit exit = Exit.STOPPED;
    private final WorkerMetrics metrics;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile RebalanceHandler rebalance;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private ResultPublisher publisher;
    private AutoCloseable consumerMetrics;
    private AutoCloseable producerMetrics;

    private final Tracing tracing;

    public WorkerLoop(WorkerConfig config, RequestHandler handler, Clock clock, WorkerMetrics metrics, Tracing tracing) {
        this(config, KafkaClients.of(config), handler, clock, metrics, tracing);
    }

    public WorkerLoop(WorkerConfig config, WorkerClients clients, RequestHandler handler, Clock clock, WorkerMetrics metrics) {
        this(config, clients, handler, clock, metrics, Tracing.none());
    }

    public WorkerLoop(WorkerConfig config, WorkerClients clients, RequestHandler handler, Clock clock, WorkerMetrics metrics,
                      Tracing tracing) {
        this.tracing = tracing;
        this.config = config;
        this.clients = clients;
        this.handler = handler;
        this.clock = clock;
        this.metrics = metrics;
        this.outgoing = new OutgoingRecords(config, clock);
        this.backpressure = new Backpressure(config.maxBuffered(), config.maxBufferedBytes());
        metrics.inFlight(ledger::size);
        this.scheduler = new KeyedScheduler(config.concurrency());
    }

    /** Asks the loop to stop: it stops polling, finishes or abandons running work, commits, and returns. */
    public void stop() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
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
        RebalanceHandler r = rebalance;
        return r == null ? 0 : r.takenAway();
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
            if (!reachKafka()) {
                return;
            }
            Consumer<byte[], byte[]> c = clients.consumer();
            consumer = c;
            publisher = new ResultPublisher(clients::producer,
                    partitions -> c.committed(partitions, Duration.ofSeconds(10)), this::bindProducerMetrics,
                    KafkaClients.transactionTimeout(config));
            publisher.start(() -> running);
            if (c instanceof KafkaConsumer<byte[], byte[]> kafka) {
                consumerMetrics = metrics.bind(kafka);
            }
            ResultPublishing publishing = new ResultPublishing(ledger, outgoing, publisher, metrics, c::groupMetadata);
            rebalance = new RebalanceHandler(ledger, publishing, Duration.ofMillis(Math.min(10_000,
                    config.shutdownGrace().toMillis())), assigned,
                    partitions -> c.committed(partitions, Duration.ofSeconds(10)));
            c.subscribe(List.of(config.requestsTopic()), rebalance);
            LOG.info("node {} consuming {} → {}", config.node(), config.requestsTopic(), config.resultsTopic());
            while (running) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(ledger.unanswered() == 0 ? IDLE_POLL : POLL)) {
                        dispatch(record);
                    }
                } catch (WakeupException e) {
                    // Work finished (publish it now rather than after the poll times out), or stop() was called.
                }
                publishing.publishCompleted();
                backpressure.apply(c, ledger.size(), ledger.bytes());
                recordLag(c);
            }
            drain(publishing);
        } catch (ProducerFencedException | FencedInstanceIdException e) {
            // Only a takeover: an epoch the broker bumped (InvalidProducerEpochException) is handled
            // by ResultPublisher as abortable and never reaches here as fencing.
            exit = Exit.FENCED;
            LOG.error("stopping: another worker started with node id {} and took over ({}); this one is fenced and "
                    + "publishes nothing more", config.node(), e.getClass().getSimpleName());
        } catch (RuntimeException e) {
            exit = Exit.FAILED;
            ClientFailure permanent = KafkaFailures.classify(e);
            if (permanent != null) {
                // Settings, TLS, credentials or ACLs: no retry can mend them, so one line and stop.
                LOG.error("stopping: {}: {}", permanent.code(), permanent.getMessage());
                LOG.debug("stopping", e);
            } else if (e instanceof IllegalStateException) {
                // Written for people (a topic that cannot be created, Kafka refusing a call): one line.
                LOG.error("stopping: {}", e.getMessage());
                LOG.debug("stopping", e);
            } else {
                LOG.error("stopping: {}", e.getMessage(), e);
            }
        } finally {
            scheduler.close();
            closeQuietly();
            finished.countDown();
        }
    }

    /**
     * Checks the topics, waiting for Kafka as long as it takes: a worker started before its brokers
     * (or during an outage) says so every few seconds, in one line, and begins when they answer.
     * False if it was stopped meanwhile.
     */
    private boolean reachKafka() {
        for (int attempt = 1; running; attempt++) {
            try {
                clients.ensureTopics();
                if (attempt > 1) {
                    LOG.info("Kafka answers now, after {} attempts", attempt);
                }
                return true;
            } catch (TopicSetup.KafkaUnreachable e) {
                LOG.warn("{}; trying again in 5 s (attempt {})", e.getMessage(), attempt);
                for (int i = 0; i < 50 && running; i++) {
                    sleep(100);
                }
            }
        }
        LOG.info("stopped before Kafka answered");
        return false;
    }

    /**
     * Gives every record read exactly one slot, whatever happens while deciding what it is. Each
     * record is a span continuing the trace of its {@code traceparent} header; it is current while
     * the record is parsed (so a pull started for it is its child) and while its work runs.
     */
    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (ledger.answeredBefore(tp, record.offset())) {
            // Its result was published out of order before a restart or rebalance: a slot, so the
            // committed offset can move past it, but nothing is done or published again.
            LOG.debug("{}-{}@{} was answered before (the committed offset's metadata lists it)", record.topic(),
                    record.partition(), record.offset());
            Slot answered = new Slot(record, null, CompletableFuture.completedFuture(null));
            answered.published = true;
            ledger.add(tp, answered);
            return;
        }
        io.micrometer.tracing.Span span = tracing.startRequest(name -> header(record, name));
        RequestHandler.Parsed parsed;
        try (Tracing.Scope scope = tracing.open(span)) {
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
            span.name("tinyvol " + r.action().name().toLowerCase(java.util.Locale.ROOT))
                    .tag("tinyvol.request_id", r.requestId())
                    .tag("tinyvol.node", r.node())
                    .tag("tinyvol.volume", r.volume() == null ? "*" : r.volume());
            // A request whose image is being pulled waits for the pull without taking a request thread.
            outcome = scheduler.submit(r.key(), !r.action().perVolume(), ready.prerequisite(), () -> {
                try (Tracing.Scope scope = tracing.open(span)) {
                    return handler.execute(r, ready.pull());
                }
            });
            outcome.whenComplete((done, failed) -> consumer.wakeup());
        } else {
            outcome = CompletableFuture.completedFuture(((RequestHandler.Parsed.Done) parsed).outcome());
        }
        outcome.whenComplete((done, failed) -> {
            if (done instanceof Outcome.Answer answer) {
                span.tag("tinyvol.status", answer.result().status().name());
                if (!answer.result().errors().isEmpty()) {
                    span.tag("tinyvol.error", answer.result().errors().get(0).code());
                }
            } else if (done instanceof Outcome.DeadLetter) {
                span.tag("tinyvol.status", "DEAD_LETTER");
            }
            span.end();
        });
        ledger.add(tp, new Slot(record, request, outcome, tracing.traceparent(span)));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        org.apache.kafka.common.header.Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII);
    }

    private void bindProducerMetrics(Producer<byte[], byte[]> producer) {
        closeQuietly(producerMetrics);
        producerMetrics = producer instanceof KafkaProducer<byte[], byte[]> kafka ? metrics.bind(kafka) : null;
    }

    private void recordLag(Consumer<byte[], byte[]> c) {
        for (TopicPartition tp : c.assignment()) {
            c.currentLag(tp).ifPresent(lag -> metrics.lag(tp.topic(), tp.partition(), lag));
        }
    }

    /** On stop: no more polling; wait for running work up to the grace period, publish it, abandon the rest. */
    private void drain(ResultPublishing publishing) {
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (ledger.unanswered() > 0 && System.nanoTime() - deadline < 0) {
            publishing.publishCompleted();
            if (ledger.unanswered() > 0) {
                sleep(10);
            }
        }
        if (ledger.unanswered() > 0) {
            LOG.warn("stopping with {} requests unfinished after {}: they were not committed and will be read again",
                    ledger.unanswered(), config.shutdownGrace());
        }
        LOG.info("stopped cleanly");
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
                // Nothing to wait for: offsets are committed by the producer and a static member does not
                // leave its group. A longer close would only wait out the fetch the broker is holding
                // (fetch.max.wait.ms: 5 s by default), making every stop that much slower.
                consumer.close(Duration.ofMillis(500));
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
