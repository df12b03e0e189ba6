package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Per node: the latest result, counts by status and the rate of results finished in the last ten seconds. */
final class ResultsDashboard {

    private static final long WINDOW_MS = 10_000;

    private static final class NodeView {
        Result latest;
        final Map<Status, Long> counts = new EnumMap<>(Status.class);
        /** When the results finished, by the workers' clocks, so replayed old results are no current rate. */
        final java.util.PriorityQueue<Long> recent = new java.util.PriorityQueue<>();
    }

    private final Map<String, NodeView> nodes = new TreeMap<>();
    private long total;

    synchronized void add(Result r) {
        NodeView view = nodes.computeIfAbsent(r.node() == null ? "?" : r.node(), k -> new NodeView());
        view.latest = r;
        view.counts.merge(r.status(), 1L, Long::sum);
        long finished = r.finishedAt() == null ? System.currentTimeMillis() : r.finishedAt().toEpochMilli();
        if (System.currentTimeMillis() - finished <= WINDOW_MS) {
            view.recent.add(finished); // (before: the time it was read, so --from-beginning showed a replay as load)
        }
        total++;
    }

    synchronized void render(PrintWriter out, boolean terminal) {
        long now = System.currentTimeMillis();
        if (terminal) {
            out.print("\033[H\033[2J");
        }
        out.printf(Locale.ROOT, "TinyVol results at %s — %d nodes, %d results%n", Instant.now(), nodes.size(), total);
        out.printf(Locale.ROOT, "%-22s %9s %7s %8s %7s %7s  %s%n", "NODE", "SUCCEEDED", "FAILED", "REJECTED", "EXPIRED", "/s(10s)", "LATEST");
        for (Map.Entry<String, NodeView> e : nodes.entrySet()) {
            NodeView v = e.getValue();
            while (!v.recent.isEmpty() && now - v.recent.peek() > WINDOW_MS) {
                v.recent.poll();
            }
            Result r = v.latest;
            String latest = r.finishedAt() + " " + (r.action() == null ? "?" : r.action()) + (r.volume() == null ? "" : " " + r.volume())
                    + " " + r.status() + (r.errors().isEmpty() ? "" : " " + r.errors().get(0).code());
            out.printf(Locale.ROOT, "%-22s %9d %7d %8d %7d %7.1f  %s%n", e.getKey(), v.counts.getOrDefault(Status.SUCCEEDED, 0L),
                    v.counts.getOrDefault(Status.FAILED, 0L), v.counts.getOrDefault(Status.REJECTED, 0L),
                    v.counts.getOrDefault(Status.EXPIRED, 0L), v.recent.size() / (WINDOW_MS / 1000.0), latest);
        }
        out.flush();
    }
}
