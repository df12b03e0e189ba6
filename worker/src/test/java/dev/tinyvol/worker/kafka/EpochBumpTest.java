package dev.tinyvol.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.config.WorkerConfig;
import dev.tinyvol.worker.metrics.WorkerMetrics;
import dev.tinyvol.worker.node.AnswerStore;
import dev.tinyvol.worker.node.RequestExecutor;
import dev.tinyvol.worker.node.RequestHandler;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 7: a transaction left open past {@code transaction.timeout.ms} is aborted by the
 * broker with an epoch bump. That is not a takeover: the worker aborts, publishes again and goes on,
 * and a read_committed reader sees each answer once. (A second worker with the node id is a takeover:
 * {@link FencingTest}.)
 */
class EpochBumpTest {

    /** The worker's transaction.timeout.ms here: the broker aborts a transaction open longer. */
    static final int TRANSACTION_TIMEOUT_MS = 2_000;
    /**
     * How long the first commit is held back: past the timeout and the broker's sweep for timed-out
     * transactions (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default).
     */
    static final long FROZEN_MS = 16_000;

    @TempDir
    Path tmp;

    /** Where the worker is frozen with its transaction open: before its commit, its offsets, or its second send. */
    enum FreezePoint { COMMIT, OFFSETS, SECOND_SEND }

    @ParameterizedTest
    @EnumSource(FreezePoint.class)
    void aTransactionTheBrokerAbortedOnItsTimeoutIsPublishedAgainAndTheWorkerGoesOn(FreezePoint at) throws Exception {
        String node = "epoch-" + UUID.randomUUID().toString().substring(0, 8);
        Path casDir = tmp.resolve("cas");
        Cas cas = Cas.create(casDir);
        new Ingester(cas, 2).ingest(Trees.rootfs(tmp.resolve("src")), "rootfs", 2, Progress.NONE);
        WorkerConfig config = WorkerFixture.config(TestKafka.bootstrap(), node, casDir, tmp.resolve("volumes"),
                Map.of("kafka.transaction.timeout.ms", String.valueOf(TRANSACTION_TIMEOUT_MS)));
        AtomicBoolean freezeNextCommit = new AtomicBoolean(false);
        CountDownLatch frozen = new CountDownLatch(1);
        WorkerClients real = KafkaClients.of(config);
        WorkerClients clients = new WorkerClients() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer() {
                return real.consumer();
            }

            @Override
            public Producer<byte[], byte[]> producer() {
                return freezing(real.producer(), at, freezeNextCommit, frozen);
            }

            @Override
            public void ensureTopics() {
                real.ensureTopics();
            }
        };
        Clock clock = Clock.systemUTC();
        try (VolumeService volumes = new VolumeService(cas, VolumeStore.open(tmp.resolve("volumes")), 2)) {
            RequestHandler handler = new RequestHandler(node, new RequestExecutor(node, volumes, 1, Duration.ofMillis(1), clock),
                    new AnswerStore(tmp.resolve("volumes/.tinyvol/answers")), clock);
            WorkerLoop loop = new WorkerLoop(config, clients, handler, clock, new WorkerMetrics(node));
            Thread thread = new Thread(loop, "loop-" + node);
            WorkerFixture.Client client = null;
            thread.start();
            try {
                assertTrue(loop.awaitAssigned(Duration.ofSeconds(60)), "the worker got its partition");
                // Connected once the worker has made the topics; reads only what is committed from now on.
                client = new WorkerFixture.Client();
                freezeNextCommit.set(true);
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    ids.add(client.send(node, "v" + i, "{\"requestId\":\"$ID\",\"action\":\"ASSEMBLE\",\"node\":\"$NODE\","
                            + "\"volume\":\"v" + i + "\",\"manifestRef\":\"rootfs\"}"));
                }
                assertTrue(frozen.await(60, TimeUnit.SECONDS), "a commit was held back");
                for (String id : ids) {
                    assertEquals(Status.SUCCEEDED, client.await(id, Duration.ofSeconds(120)).status(), id);
                }
                String after = client.send(node, "*", "{\"requestId\":\"$ID\",\"action\":\"LIST\",\"node\":\"$NODE\"}");
                Result list = client.await(after, Duration.ofSeconds(60));
                assertEquals(20, list.volumesTotal(), "the worker goes on after the broker's abort");
                assertNull(loop.notLive(), "the worker still runs (it was not taken for fenced)");
                Map<String, List<Result>> seen = client.all(Duration.ofSeconds(3));
                for (String id : ids) {
                    assertEquals(1, seen.get(id).size(), "answered exactly once for a read_committed reader: " + id);
                }
            } finally {
                if (client != null) {
                    client.close();
                }
                loop.stop();
                loop.awaitFinished(Duration.ofSeconds(60));
                thread.join(10_000);
            }
            assertEquals(WorkerLoop.Exit.STOPPED, loop.exit());
        }
    }

    /**
     * The real producer, except that once {@code armed} is set, the first call at {@code at} waits
     * {@link #FROZEN_MS} first: the transaction stays open on the broker as if the worker's JVM were
     * stopped (SIGSTOP) there, and the broker aborts it on its timeout, bumping the epoch.
     */
    @SuppressWarnings("unchecked")
    static Producer<byte[], byte[]> freezing(Producer<byte[], byte[]> producer, FreezePoint at, AtomicBoolean armed,
                                             CountDownLatch frozen) {
        java.util.concurrent.atomic.AtomicInteger sendsInTransaction = new java.util.concurrent.atomic.AtomicInteger();
        return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
                new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.equals("beginTransaction")) {
                        sendsInTransaction.set(0);
                    }
                    boolean here = switch (at) {
                        case COMMIT -> name.equals("commitTransaction");
                        case OFFSETS -> name.equals("sendOffsetsToTransaction");
                        case SECOND_SEND -> name.equals("send") && sendsInTransaction.incrementAndGet() == 2;
                    };
                    if (here && armed.compareAndSet(true, false)) {
                        frozen.countDown();
                        Thread.sleep(FROZEN_MS);
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
