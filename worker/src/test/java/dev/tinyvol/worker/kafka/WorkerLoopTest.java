package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.AnswerStore;
import dev.tinyvol.worker.node.RequestExecutor;
import dev.tinyvol.worker.node.RequestHandler;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on kafka-clients' MockConsumer and MockProducer (the clients are injected): a commit
 * that times out is retried and each result committed once; a revocation while a commit is in doubt
 * does not break the ledger; fencing stops the loop with FENCED.
 */
class WorkerLoopTest {

    private static final String NODE = "mock-node";
    private static final TopicPartition P0 = new TopicPartition("tinyvol.requests." + NODE, 0);
    private static final TopicPartition P1 = new TopicPartition("tinyvol.requests." + NODE, 1);

    @TempDir
    Path tmp;

    VolumeService volumes;
    WorkerConfig config;
    MockConsumer<byte[], byte[]> consumer;
    final List<MockProducer<byte[], byte[]>> producers = new CopyOnWriteArrayList<>();
    WorkerLoop loop;
    Thread thread;

    @BeforeEach
    void setUp() {
        volumes = new VolumeService(Cas.create(tmp.resolve("cas")), VolumeStore.open(tmp.resolve("volumes")), 2);
        config = WorkerFixture.config("unused:9092", NODE, tmp.resolve("cas"), tmp.resolve("volumes"),
                Map.of("topics.create", "false"));
        consumer = new MockConsumer<>("earliest");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (loop != null) {
            loop.stop();
            loop.awaitFinished(Duration.ofSeconds(30));
        }
        volumes.close();
    }

    private void start(List<TopicPartition> partitions) throws Exception {
        Clock clock = Clock.systemUTC();
        RequestHandler handler = new RequestHandler(NODE, new RequestExecutor(NODE, volumes, 1, Duration.ofMillis(1), clock),
                new AnswerStore(tmp.resolve("volumes/.tinyvol/answers")), clock);
        WorkerClients clients = new WorkerClients() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer() {
                return consumer;
            }

            @Override
            public Producer<byte[], byte[]> producer() {
                MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
                producers.add(p);
                return p;
            }

            @Override
            public void ensureTopics() {
            }
        };
        loop = new WorkerLoop(config, clients, handler, clock, new WorkerMetrics(NODE));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(partitions);
            Map<TopicPartition, Long> beginning = new HashMap<>();
            partitions.forEach(tp -> beginning.put(tp, 0L));
            consumer.updateBeginningOffsets(beginning);
        });
        thread = new Thread(loop, "loop");
        thread.start();
        assertTrue(loop.awaitAssigned(Duration.ofSeconds(10)));
    }

    private long offset0;
    private long offset1;

    private String send(TopicPartition tp, String id) {
        long offset = tp.equals(P0) ? offset0++ : offset1++;
        String json = "{\"requestId\":\"" + id + "\",\"action\":\"LIST\",\"node\":\"" + NODE + "\"}";
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "*".getBytes(),
                json.getBytes(StandardCharsets.UTF_8))));
        return id;
    }

    /** Every result committed by any producer, by requestId. */
    private Map<String, Integer> committedResults() {
        Map<String, Integer> seen = new HashMap<>();
        for (MockProducer<byte[], byte[]> p : producers) {
            for (var record : p.history()) {
                if (record.topic().equals("tinyvol.results")) {
                    Result r = ResultCodec.decode(record.value());
                    seen.merge(r.requestId(), 1, Integer::sum);
                }
            }
        }
        return seen;
    }

    private void awaitCommitted(List<String> ids) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!committedResults().keySet().containsAll(ids) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void aCommitThatTimesOutIsRetriedAndEachResultCommittedOnce() throws Exception {
        start(List.of(P0));
        MockProducer<byte[], byte[]> producer = producers.get(0);
        producer.commitTransactionException = new TimeoutException("Timeout expired after 2000ms while awaiting EndTxn");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(send(P0, "r" + i));
        }
        Thread.sleep(600); // the commit times out, is in doubt, and is retried a few times
        assertEquals(0, producer.commitCount());
        assertTrue(producer.transactionInFlight(), "the same transaction, still open for its commit");
        producer.commitTransactionException = null;
        awaitCommitted(ids);
        Map<String, Integer> committed = committedResults();
        for (String id : ids) {
            assertEquals(1, committed.get(id), id + " committed once: " + committed);
        }
        assertEquals(1, producers.size(), "never a new producer while a commit was in doubt");
        assertFalse(producer.transactionAborted(), "never aborted");
    }

    @Test
    void aRevocationWhileACommitIsInDoubtLeavesTheLedgerWhole() throws Exception {
        start(List.of(P0, P1));
        MockProducer<byte[], byte[]> producer = producers.get(0);
        producer.commitTransactionException = new TimeoutException("Timeout expired while awaiting EndTxn");
        String a = send(P0, "a");
        String b = send(P1, "b");
        Thread.sleep(500); // both answered and in one transaction whose commit is in doubt
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0))); // P1 goes elsewhere
        Thread.sleep(300);
        producer.commitTransactionException = null;
        String c = send(P0, "c");
        awaitCommitted(List.of(a, c));
        Map<String, Integer> committed = committedResults();
        assertEquals(1, committed.get(a));
        assertEquals(1, committed.get(c), "the loop goes on after the revocation: " + committed);
        assertTrue(committed.getOrDefault(b, 0) <= 1, "b is committed at most once (its commit was in doubt)");
        assertTrue(loop.partitionsTakenAway() >= 1);
        assertEquals(null, loop.notLive());
    }

    @Test
    void fencingStopsTheLoopWithFenced() throws Exception {
        start(List.of(P0));
        producers.get(0).fenceProducer();
        send(P0, "x");
        assertTrue(loop.awaitFinished(Duration.ofSeconds(20)));
        assertEquals(WorkerLoop.Exit.FENCED, loop.exit());
        loop = null;
    }
}
