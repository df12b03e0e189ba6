package dev.tinyvol.worker.cli;

import dev.tinyvol.client.FleetOutcome;
import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.client.TinyVolClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** A fan-out with a live progress line on stderr and a per-node table on stdout. */
final class FleetRun {

    private FleetRun() {
    }

    static int run(CommandLine.Model.CommandSpec spec, KafkaOptions kafka, List<String> nodes, RequestTemplate template,
                   Duration timeout, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = System.console() != null;
        FleetOutcome outcome;
        try (TinyVolClient client = TinyVolClient.connect(kafka.clientSettings())) {
            long[] lastPrint = {0};
            outcome = client.fanOut(nodes, template, timeout, p -> {
                synchronized (lastPrint) {
                    long now = System.nanoTime();
                    if (p.pending() == 0 || now - lastPrint[0] > 500_000_000L) {
                        lastPrint[0] = now;
                        err.print((terminal ? "\r" : "") + bar(p) + (terminal ? "" : System.lineSeparator()));
                        err.flush();
                    }
                }
            }).join();
        }
        if (terminal) {
            err.println();
        }
        if (json) {
            Output.json(out, outcome);
        } else {
            out.printf("%s %s on %d nodes (correlationId %s) in %.1f s%n", template.action(), template.volume(), nodes.size(),
                    outcome.correlationId(), outcome.elapsed().toMillis() / 1000.0);
            out.printf("%-24s %-10s %-10s %8s %8s  %s%n", "NODE", "STATE", "OUTCOME", "FILES", "MS", "WHY");
            for (FleetOutcome.NodeOutcome n : outcome.perNode().values()) {
                var r = n.result();
                out.printf("%-24s %-10s %-10s %8s %8s  %s%n", n.node(), n.state(), r == null || r.outcome() == null ? "-" : r.outcome(),
                        r == null ? "-" : String.valueOf(r.filesLinked() + r.filesCopied()), r == null ? "-" : String.valueOf(r.durationMs()),
                        n.reason());
            }
            out.flush();
        }
        for (FleetOutcome.NodeOutcome n : outcome.perNode().values()) {
            if (!n.succeeded()) {
                err.println("tinyvol: " + n.state() + ": node " + n.node() + ": " + n.reason());
            }
        }
        err.flush();
        return outcome.failures() == 0 ? 0 : TinyVolCli.FAILED;
    }

    /** {@code [#########.......] 45/100 done, 2 failed, 53 pending, 12.3/s, ETA 4s}. */
    static String bar(FleetOutcome.Progress p) {
        int width = 30;
        int done = p.succeeded() + p.failed();
        int filled = p.total() == 0 ? width : done * width / p.total();
        double seconds = Math.max(0.001, p.elapsed().toMillis() / 1000.0);
        double rate = done / seconds;
        String eta = rate > 0 && p.pending() > 0 ? String.format(Locale.ROOT, ", ETA %.0fs", p.pending() / rate) : "";
        return String.format(Locale.ROOT, "[%s%s] %d/%d done, %d failed, %d pending, %.1f/s%s", "#".repeat(filled),
                ".".repeat(width - filled), p.succeeded(), p.total(), p.failed(), p.pending(), rate, eta);
    }
}
