package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's rate is of results finished in the last ten seconds, by the workers' clocks: an
 * hour of results replayed with --from-beginning is history, not load (issue 21, first hour item 12:
 * before, every result read counted, whenever it was made).
 */
class ResultsDashboardTest {

    private static Result result(String node, Instant finished) {
        String json = "{\"schemaVersion\":1,\"requestId\":\"r-" + finished.toEpochMilli() + "\",\"action\":\"LIST\",\"node\":\""
                + node + "\",\"status\":\"SUCCEEDED\",\"filesLinked\":0,\"filesCopied\":0,\"dirsCreated\":0,\"bytes\":0,"
                + "\"durationMs\":1,\"attempts\":1,\"errors\":[],\"warnings\":[],\"startedAt\":\"" + finished + "\","
                + "\"finishedAt\":\"" + finished + "\",\"workerVersion\":\"dev\"}";
        return ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void replayedResultsAreCountedButAreNoCurrentRate() {
        ResultsDashboard dashboard = new ResultsDashboard();
        Instant hourAgo = Instant.now().minusSeconds(3600);
        for (int i = 0; i < 50; i++) {
            dashboard.add(result("old-node", hourAgo.plusMillis(i)));
        }
        dashboard.add(result("new-node", Instant.now()));
        StringWriter text = new StringWriter();
        dashboard.render(new PrintWriter(text), false);
        String old = text.toString().lines().filter(l -> l.startsWith("old-node")).findFirst().orElseThrow();
        String fresh = text.toString().lines().filter(l -> l.startsWith("new-node")).findFirst().orElseThrow();
        assertTrue(old.matches("old-node\\s+50\\s+0\\s+0\\s+0\\s+0\\.0 .*"), old);
        assertTrue(fresh.matches("new-node\\s+1\\s+0\\s+0\\s+0\\s+0\\.1 .*"), fresh);
    }
}
