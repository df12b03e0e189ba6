package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.StoreStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
                + "they take on disk, and the logical bytes of every ref; their ratio is what sharing saves. With "
                + "--volumes, the logical bytes of the volumes built from the CAS too (as their records say), and "
                + "what sharing saves across refs and volumes."})
final class StatsCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Option(names = "--volumes", paramLabel = "DIR", description = "A volumes directory using this CAS: count its volumes too.")
    Path volumes;

    @Mixin
    JsonOption output;

    /** The CAS's figures and, with --volumes, the volumes'. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Report(long blobs, long instances, long storedBytes, long logicalBytes, double dedupRatio,
                  List<StoreStats.RefStats> refs, Long volumes, Long volumeBytes, Double dedupRatioWithVolumes) {
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        StoreStats.Totals t = StoreStats.of(Cas.open(cas));
        Long count = null;
        Long volumeBytes = null;
        Double withVolumes = null;
        if (volumes != null) {
            NodeOptions.requireExisting(volumes);
            var store = dev.tinyvol.worker.assembly.VolumeStore.open(volumes);
            long n = 0;
            long bytes = 0;
            for (String v : store.volumes()) {
                var record = store.record(v);
                if (record.isPresent()) {
                    n++;
                    bytes += record.get().bytes();
                }
            }
            count = n;
            volumeBytes = bytes;
            withVolumes = t.storedBytes() == 0 ? 0 : (double) (t.logicalBytes() + bytes) / t.storedBytes();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, new Report(t.blobs(), t.instances(), t.storedBytes(), t.logicalBytes(), t.dedupRatio(), t.refs(),
                    count, volumeBytes, withVolumes));
            return 0;
        }
        Output.line(out, "refs", t.refs().size());
        Output.line(out, "blobs", t.blobs());
        Output.line(out, "instances", t.instances());
        Output.line(out, "stored", Output.bytes(t.storedBytes()));
        Output.line(out, "logical", Output.bytes(t.logicalBytes()) + " (all refs)");
        // No content, no ratio (before: "0.00x" for an empty store).
        Output.line(out, "dedup", t.storedBytes() == 0 ? "- (nothing stored)" : String.format(Locale.ROOT, "%.2fx", t.dedupRatio()));
        if (volumes != null) {
            Output.line(out, "volumes", count + " (" + Output.bytes(volumeBytes) + " logical)");
            Output.line(out, "dedup, with volumes", String.format(Locale.ROOT, "%.2fx", withVolumes));
        }
        out.flush();
        return 0;
    }
}
