package dev.tinyvol.worker.cli;

import dev.tinyvol.client.FleetOutcome;
import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.client.TinyVolClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;

/** A fan-out with a live progress line on stderr and a per-node table on stdout. */
final class FleetRun {

    private FleetRun() {
    }

    static int run(CommandLine.Model.CommandSpec spec, KafkaOptions kafka, List<String> nodes, RequestTemplate template,
                   Duration timeout, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FleetOutcome outcome;
        // The bar ticks on its own, so elapsed time and ETA move while a silent node is waited for.
        try (TinyVolClient client = TinyVolClient.connect(kafka.clientSettings());
             ConsoleProgress progress = new ConsoleProgress(err, true)) {
            progress.update("nodes", 0, nodes.size());
            outcome = client.fanOut(nodes, template, timeout, p -> {
                progress.update("nodes", p.succeeded() + p.failed(), p.total());
                progress.detail(p.succeeded() + " succeeded, " + p.failed() + " failed, " + p.pending() + " pending");
            }).join();
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
}
