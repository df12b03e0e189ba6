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
                + "layers whose blobs it removed. It waits for running ingests, pulls and assemblies (the CAS lock, "
                + "shared by them, exclusive for a gc) and they wait for it, so it never removes a blob one of "
                + "them is about to name or link."})
final class GcCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Option(names = "--volumes", paramLabel = "DIR", required = true,
            description = "The volumes directory using this CAS: the manifests of its volumes are live.")
    Path volumes;

    @Option(names = "--dry-run", description = "Say what would be removed; remove nothing.")
    boolean dryRun;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        NodeOptions.requireExisting(volumes);
        var store = dev.tinyvol.worker.assembly.VolumeStore.open(volumes);
        GarbageCollector.Report r = new GarbageCollector(Cas.open(cas), store::manifestsInUse).collect(dryRun);
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
        Output.line(out, "time", Output.millis(r.durationMs()));
        out.flush();
        return 0;
    }
}
