package dev.tinyvol.worker.cli;

import dev.tinyvol.client.RequestTemplate;
import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.worker.config.Durations;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol fleet teardown}. */
@Command(name = "teardown", header = "Tears a volume down on many nodes.",
        mixinStandardHelpOptions = true,
        description = {
                "Publishes one TEARDOWN request per node and returns once Kafka has them all: nobody waits for "
                + "the nodes, which carry them out and publish results anyway. --wait waits for every node's "
                + "result and exits 1 if any failed."})
final class FleetTeardownCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    NodesOptions nodes;

    @Option(names = "--volume", paramLabel = "NAME", required = true, description = "The volume to remove on every node.")
    String volume;

    @Option(names = "--wait", description = "Wait for every node's result.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "With --wait, how long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> targets = nodes.resolve(spec.commandLine());
        RequestTemplate template = RequestTemplate.teardown(volume);
        if (await) {
            return FleetRun.run(spec, kafka, targets, template, timeout, output.json);
        }
        PrintWriter out = spec.commandLine().getOut();
        String correlationId = "teardown-" + UUID.randomUUID();
        try (TinyVolClient client = TinyVolClient.connect(kafka.clientSettings())) {
            List<CompletableFuture<Void>> sent = targets.stream()
                    .map(node -> client.fireAndForget(template.forNode(node, correlationId, null))).toList();
            int failed = 0;
            for (int i = 0; i < targets.size(); i++) {
                try {
                    sent.get(i).join();
                } catch (RuntimeException e) {
                    failed++;
                    spec.commandLine().getErr().println("tinyvol: NOT_SENT: " + targets.get(i) + ": "
                            + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
                }
            }
            out.printf("sent TEARDOWN %s to %d nodes (correlationId %s); not waiting for results%n", volume,
                    targets.size() - failed, correlationId);
            out.flush();
            return failed == 0 ? 0 : TinyVolCli.FAILED;
        }
    }

}
