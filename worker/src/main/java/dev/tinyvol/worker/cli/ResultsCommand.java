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
@Command(name = "results", header = "Prints results as they are committed to the results topic.",
        mixinStandardHelpOptions = true,
        description = {
                "Prints results as they are committed to tinyvol.results, one line each (or JSON with --json). "
                + "With --dashboard (the default for --follow on a terminal): a table per node of the latest "
                + "result, counts by status and the rate over the last ten seconds, redrawn every second."})
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
                if (fromBeginning) {
                    watcher.readToEnd(Duration.ofMinutes(1)).forEach(view::add);
                }
                long deadline = System.nanoTime() + limit.toNanos();
                while (System.nanoTime() < deadline) {
                    watcher.read(Duration.ofSeconds(1), view::add, r -> false);
                    view.render(out, terminal);
                }
                return 0;
            }
            long[] printed = {0};
            java.util.function.Consumer<Result> print = r -> {
                out.println(output.json ? new String(dev.tinyvol.messages.event.ResultCodec.encode(r),
                        java.nio.charset.StandardCharsets.UTF_8) : line(r));
                out.flush();
                printed[0]++;
            };
            if (fromBeginning) {
                // What is retained, in the order it finished (partitions interleave nodes), then what is new.
                watcher.readToEnd(Duration.ofMinutes(1)).forEach(print);
            }
            watcher.read(limit, print, r -> false);
            if (printed[0] == 0) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("tinyvol: no " + (fromBeginning ? "" : "new ") + "results on " + topic + " in "
                        + Durations.format(limit) + (fromBeginning ? "" : "; --from-beginning shows the retained ones, "
                        + "--follow keeps waiting"));
                err.flush();
            }
        }
        return 0;
    }

    static String line(Result r) {
        return line(r, true);
    }

    /** @param withError whether the first error follows the line (submit prints errors on stderr instead) */
    static String line(Result r, boolean withError) {
        String what = (r.action() == null ? "?" : r.action().name()) + (r.volume() == null ? "" : " " + r.volume());
        String counts = r.filesLinked() + r.filesCopied() > 0 || r.dirsCreated() > 0
                ? String.format(" %d linked %d copied %d dirs %s", r.filesLinked(), r.filesCopied(), r.dirsCreated(), Output.bytes(r.bytes()))
                : "";
        String why = r.errors().isEmpty() || !withError ? "" : " — " + r.errors().get(0).code() + ": " + r.errors().get(0).message();
        return String.format("%s %-10s %-9s %-26s%s%s %d ms (attempts %d) [%s]%s", r.finishedAt(), r.node(), r.status(), what,
                r.outcome() == null ? "" : " " + r.outcome(), counts, r.durationMs(), r.attempts(), r.requestId(), why);
    }
}
