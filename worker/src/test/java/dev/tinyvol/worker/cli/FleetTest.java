package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.TestKafka;
import dev.tinyvol.worker.testing.Trees;
import dev.tinyvol.worker.testing.WorkerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollouts to several real workers through the fleet command line and the client library. */
class FleetTest {

    @TempDir
    static Path tmp;

    static String prefix;
    static WorkerFixture a;
    static WorkerFixture b;
    static WorkerFixture bare;

    @BeforeAll
    static void start() throws Exception {
        prefix = "fleet-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        Path src = Trees.rootfs(tmp.resolve("src"));
        a = node("a", src, true);
        b = node("b", src, true);
        bare = node("bare", src, false); // its CAS lacks the manifest
    }

    static WorkerFixture node(String name, Path src, boolean withManifest) throws Exception {
        Path cas = tmp.resolve(name + "/cas");
        Cas store = Cas.create(cas);
        if (withManifest) {
            new Ingester(store, 2).ingest(src, "rootfs", 2, Progress.NONE);
        }
        return new WorkerFixture(prefix + name, cas, tmp.resolve(name + "/volumes"), Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        for (WorkerFixture w : List.of(a, b, bare)) {
            w.close();
        }
    }

    @Test
    void aRolloutToEveryNodeSucceedsAndOneWithoutTheManifestExitsNonZeroNamingTheNode() throws Exception {
        CliTest.Run good = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + "," + b.node, "--ref", "rootfs", "--volume", "web-1", "--timeout", "60s");
        assertEquals(0, good.exit(), good.out() + good.err());
        assertTrue(good.out().contains("ASSEMBLE web-1 on 2 nodes"), good.out());
        assertTrue(good.out().lines().filter(l -> l.contains("SUCCEEDED") && l.contains("BUILT")).count() == 2, good.out());
        // A rollout done within the first progress period shows no bar (ConsoleProgressTest covers the bar).
        assertEquals("", good.err(), "nothing on stderr when every node succeeded quickly");
        assertTrue(Files.exists(a.volumes.resolve("web-1/usr/bin/su")) && Files.exists(b.volumes.resolve("web-1/usr/bin/su")));

        Path nodesFile = tmp.resolve("nodes.txt");
        Files.writeString(nodesFile, "# the fleet\n" + a.node + "\n" + b.node + "\n" + bare.node + "\n");
        CliTest.Run partial = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes-file", nodesFile,
                "--ref", "rootfs", "--volume", "web-2", "--timeout", "60s");
        assertEquals(1, partial.exit(), partial.out() + partial.err());
        assertTrue(partial.err().contains("tinyvol: FAILED: node " + bare.node + ": MANIFEST_NOT_FOUND"), partial.err());
        assertFalse(partial.err().contains("node " + a.node + ":"), partial.err());
        assertTrue(partial.out().contains(bare.node), partial.out());
    }

    @Test
    void aNodeThatNeverAnswersIsReportedAsTimedOut() {
        CliTest.Run run = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + ",nobody-" + UUID.randomUUID().toString().substring(0, 6), "--ref", "rootfs", "--volume", "web-3", "--timeout", "15s");
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.err().contains(": node nobody-"), run.err());
        assertTrue(run.err().contains("NOT_SENT") || run.err().contains("TIMED_OUT"), run.err());
    }

    /**
     * Issue 21, first hour item 2: a node id with no topic (misspelt, or no worker ever started) is
     * said as such once the producer gives up on the topic (max.block.ms), not after the whole wait
     * as a time-out asking whether a worker runs.
     */
    @Test
    void aNodeWithoutATopicIsSaidToBeOneEverywhere() {
        String ghost = "ghost-" + UUID.randomUUID().toString().substring(0, 6);
        long t0 = System.nanoTime();
        CliTest.Run submit = CliTest.tinyvol("submit", "--bootstrap", TestKafka.bootstrap(), "--node", ghost, "--action",
                "LIST", "--wait", "--timeout", "120s");
        long submitMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("submit --wait to " + ghost + " (" + submitMs + " ms): " + submit.err().strip());
        assertEquals(1, submit.exit(), submit.out() + submit.err());
        assertTrue(submit.err().startsWith("tinyvol: NODE_TOPIC_NOT_FOUND: topic tinyvol.requests." + ghost + " does not exist"),
                submit.err());

        t0 = System.nanoTime();
        CliTest.Run fleet = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + "," + ghost, "--ref", "rootfs", "--volume", "web-4", "--timeout", "120s");
        long fleetMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("fleet assemble to " + a.node + "," + ghost + " (" + fleetMs + " ms): " + fleet.err().strip());
        assertEquals(1, fleet.exit(), fleet.out() + fleet.err());
        assertTrue(fleet.err().contains("node " + ghost + ": NODE_TOPIC_NOT_FOUND"), fleet.err());
    }

    @Test
    void aFireAndForgetTeardownIsCarriedOutWithNobodyWaiting() throws Exception {
        CliTest.Run build = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + "," + b.node, "--ref", "rootfs", "--volume", "gone", "--timeout", "60s");
        assertEquals(0, build.exit(), build.err());
        CliTest.Run teardown = CliTest.tinyvol("fleet", "teardown", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + "," + b.node, "--volume", "gone");
        assertEquals(0, teardown.exit(), teardown.err());
        assertTrue(teardown.out().contains("not waiting for results"), teardown.out());
        long deadline = System.currentTimeMillis() + 60_000;
        while ((Files.exists(a.volumes.resolve("gone")) || Files.exists(b.volumes.resolve("gone"))) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(a.volumes.resolve("gone")), "torn down on " + a.node);
        assertFalse(Files.exists(b.volumes.resolve("gone")), "torn down on " + b.node);
    }

    @Test
    void theResultsDashboardShowsEachNodesLatestStatusCountsAndRate() {
        CliTest.Run rollout = CliTest.tinyvol("fleet", "assemble", "--bootstrap", TestKafka.bootstrap(), "--nodes",
                a.node + "," + b.node, "--ref", "rootfs", "--volume", "dash", "--timeout", "60s");
        assertEquals(0, rollout.exit(), rollout.err());
        CliTest.Run view = CliTest.tinyvol("results", "--bootstrap", TestKafka.bootstrap(), "--from-beginning", "--for", "3s", "--dashboard");
        assertEquals(0, view.exit(), view.err());
        assertTrue(view.out().contains("NODE") && view.out().contains("SUCCEEDED") && view.out().contains("/s(10s)"), view.out());
        String rowA = view.out().lines().filter(l -> l.startsWith(a.node)).reduce((x, y) -> y).orElseThrow();
        assertTrue(rowA.contains("ASSEMBLE") || rowA.contains("TEARDOWN") || rowA.contains("LIST"), rowA);
    }

    @Test
    void theClientCorrelatesResultsAndTimesOut() throws Exception {
        try (TinyVolClient client = TinyVolClient.connect(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            Request list = new Request(1, UUID.randomUUID().toString(), "c", Action.LIST, a.node, null, null, null, RequestOptions.DEFAULTS, null);
            Result r = client.submit(list, Duration.ofSeconds(60)).join();
            assertEquals(Status.SUCCEEDED, r.status());
            assertEquals(list.requestId(), r.requestId());

            // Stop node b's worker: a request to it is never answered within the timeout.
            b.close();
            Request late = new Request(1, UUID.randomUUID().toString(), "c", Action.LIST, b.node, null, null, null, RequestOptions.DEFAULTS, null);
            CompletionException e = assertThrows(CompletionException.class, () -> client.submit(late, Duration.ofSeconds(2)).join());
            assertInstanceOf(TimeoutException.class, e.getCause());
            b = new WorkerFixture(b.node, b.cas, b.volumes, Map.of());
        }
    }
}
