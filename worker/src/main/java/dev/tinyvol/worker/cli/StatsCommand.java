package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.StoreStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol cas stats}. */
@Command(name = "stats", header = "Shows what the CAS holds and how much it saves.",
        mixinStandardHelpOptions = true,
        description = {"Counts blobs (distinct contents), instances (a content with a mode and owner), the bytes "
                + "they take on disk, and the logical bytes of every ref; their ratio is what sharing saves."})
final class StatsCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        StoreStats.Totals t = StoreStats.of(Cas.open(cas));
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, t);
            return 0;
        }
        Output.line(out, "refs", t.refs().size());
        Output.line(out, "blobs", t.blobs());
        Output.line(out, "instances", t.instances());
        Output.line(out, "stored", Output.bytes(t.storedBytes()));
        Output.line(out, "logical", Output.bytes(t.logicalBytes()) + " (all refs)");
        Output.line(out, "dedup", String.format(Locale.ROOT, "%.2fx", t.dedupRatio()));
        out.flush();
        return 0;
    }
}
