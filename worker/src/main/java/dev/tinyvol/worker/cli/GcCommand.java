package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.GarbageCollector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol cas gc}. */
@Command(name = "gc", header = "Removes blobs no ref and no volume uses.",
        mixinStandardHelpOptions = true,
        description = {"Keeps every instance a ref names, every instance a volume's manifest names, and every "
                + "instance some volume still links; removes the rest, leftovers in tmp/, and the records of pulled "
                + "layers whose blobs it removed. Instances made or linked within --min-age, and tmp/ entries changed "
                + "within it, stay (a pull names its blobs only at its end). It holds the CAS lock exclusive while "
                + "it runs, so it never removes a blob an ingest, pull or assembly is about to name or link; while "
                + "another process holds the lock it only tries again (for --lock-wait), never holding up the "
                + "worker's assemblies, and then ends with STORE_BUSY having removed nothing."})
final class GcCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Option(names = "--volumes", paramLabel = "DIR", required = true,
            description = "The volumes directory using this CAS: the manifests of its volumes are live.")
    Path volumes;

    @Option(names = "--dry-run", description = "Say what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "15m", converter = Converters.DurationConverter.class,
            description = "Keep instances made or linked, and tmp/ entries changed, more recently than this (default: ${DEFAULT-VALUE}).")
    java.time.Duration minAge;

    @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "How long to keep trying while another process holds the CAS, before STORE_BUSY (default: ${DEFAULT-VALUE}).")
    java.time.Duration lockWait;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        NodeOptions.requireExisting(volumes);
        var store = dev.tinyvol.worker.assembly.VolumeStore.open(volumes);
        GarbageCollector.Report r = new GarbageCollector(Cas.open(cas), store::manifestsInUse, minAge, lockWait).collect(dryRun);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, r);
            return 0;
        }
        out.println(dryRun ? "would remove" : "removed");
        Output.line(out, "blobs", r.blobsRemoved() + " (contents no ref or volume uses)");
        Output.line(out, "instances", r.instancesRemoved() + " (" + r.liveInstances() + " live kept)");
        Output.line(out, "reclaimed", Output.bytes(r.bytesReclaimed()));
        if (!dryRun) {
            Output.line(out, "tmp/", r.tmpRemoved() + " leftovers");
            Output.line(out, "pull records", r.layerRecordsRemoved());
        }
        if (r.youngKept() > 0) {
            Output.line(out, "kept as young", r.youngKept() + " instances made or linked within " + minAge.toMinutes() + " min");
        }
        r.warnings().forEach(w -> Output.line(out, "warning", w));
        Output.line(out, "time", Output.millis(r.durationMs()));
        out.flush();
        return 0;
    }
}
