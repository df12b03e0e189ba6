package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Topics;
import dev.tinyvol.worker.config.Durations;
import dev.tinyvol.client.ResultWatcher;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol results}: a readable view of the results topic. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = {
                "Prints results as they are committed to tinyvol.results, one line each (or JSON with --json).",
                "With --dashboard (the default for --follow on a terminal): a table per node of the latest result,",
                "counts by status and the rate over the last ten seconds, redrawn every second."})
final class ResultsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--follow", description = "Keep printing new results until Ctrl-C.")
    boolean follow;

    @Option(names = "--from-beginning", description = "Start with the oldest retained result (default: only new ones).")
    boolean fromBeginning;

    @Option(names = "--for", paramLabel = "DURATION", defaultValue = "5s", description = "Without --follow, how long to read (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Results topic (default: ${DEFAULT-VALUE}).")
    String topic = Topics.RESULTS;

    @Option(names = "--dashboard", negatable = true, description = "A live table per node instead of one line per result.")
    Boolean dashboard;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null;
        boolean table = dashboard != null ? dashboard : follow && terminal && !output.json;
        try (ResultWatcher watcher = new ResultWatcher(kafka.clientSettings(), topic, fromBeginning)) {
            Duration limit = follow ? Duration.ofDays(3650) : duration;
            if (table) {
                ResultsDashboard view = new ResultsDashboard();
                long deadline = System.nanoTime() + limit.toNanos();
                while (System.nanoTime() < deadline) {
                    watcher.read(Duration.ofSeconds(1), view::add, r -> false);
                    view.render(out, terminal);
                }
                return 0;
            }
            watcher.read(limit, r -> {
                if (output.json) {
                    out.println(new String(dev.tinyvol.messages.event.ResultCodec.encode(r), java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    out.println(line(r));
                }
                out.flush();
            }, r -> false);
        }
        return 0;
    }

    static String line(Result r) {
        String what = (r.action() == null ? "?" : r.action().name()) + (r.volume() == null ? "" : " " + r.volume());
        String counts = r.filesLinked() + r.filesCopied() > 0 || r.dirsCreated() > 0
                ? String.format(" %d linked %d copied %d dirs %s", r.filesLinked(), r.filesCopied(), r.dirsCreated(), Output.bytes(r.bytes()))
                : "";
        String why = r.errors().isEmpty() ? "" : " — " + r.errors().get(0).code() + ": " + r.errors().get(0).message();
        return String.format("%s %-10s %-9s %-26s%s%s %d ms (attempts %d) [%s]%s", r.finishedAt(), r.node(), r.status(), what,
                r.outcome() == null ? "" : " " + r.outcome(), counts, r.durationMs(), r.attempts(), r.requestId(), why);
    }
}
