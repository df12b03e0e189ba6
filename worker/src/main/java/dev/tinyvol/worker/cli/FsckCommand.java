package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Fsck;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.registry.LayerRefetch;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol cas fsck}. */
@Command(name = "fsck", header = "Re-hashes every blob and repairs the damaged ones.",
        mixinStandardHelpOptions = true,
        description = {"Hashes every blob instance again on all cores (the fixed mtime is not trusted here) and "
                + "checks that it is a regular file with the mode, owner and mtime its name says. Each damaged "
                + "instance is listed with the refs and volumes that use it.",
                "With --repair, damaged content is moved aside into <cas>/quarantine/ (a hard link: nothing is "
                        + "deleted) and the instance is made again from an intact instance of the same content, or "
                        + "downloaded again from the registry a pulled layer came from; a wrong mode, owner or mtime "
                        + "on good content is set right. Volumes linked to a damaged instance keep it until they are "
                        + "assembled again ('tinyvol verify --deep' finds them). Exits 3 if damage remains."})
final class FsckCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Option(names = "--volumes", paramLabel = "DIR",
            description = "The volumes directory using this CAS, to name the volumes that use a damaged blob.")
    Path volumes;

    @Option(names = "--repair", description = "Repair what can be repaired (see above).")
    boolean repair;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.PositiveCount.class,
            description = "Instances hashed at once. Default: the number of CPUs.")
    Integer threads;

    @Mixin
    RegistryOptions registry;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (volumes != null) {
            NodeOptions.requireExisting(volumes);
        }
        Cas store = Cas.open(cas);
        VolumeStore volumeStore = volumes == null ? null : VolumeStore.open(volumes);
        Fsck fsck = new Fsck(store, volumeStore == null ? Map::of : volumeStore::manifestsByVolume,
                repair ? new LayerRefetch(store, registry.client()) : null,
                threads == null ? WorkerPool.defaultThreads() : threads);
        Fsck.Report r;
        try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), !output.json)) {
            r = fsck.run(repair, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, r);
        } else {
            out.println(r.clean() ? "clean" : r.unrepaired() == 0 ? "repaired" : "DAMAGED");
            Output.line(out, "instances", r.instances() + " (" + Output.bytes(r.bytesHashed()) + " hashed)");
            Output.line(out, "damaged", r.damagedInstances());
            if (repair) {
                Output.line(out, "repaired", r.repaired());
            }
            Output.line(out, "unrepaired", r.unrepaired());
            Output.line(out, "time", Output.millis(r.durationMs()));
            for (Fsck.Finding f : r.findings()) {
                out.println("  " + f.kind() + " " + f.instance() + ": " + f.detail());
                if (!f.refs().isEmpty()) {
                    out.println("    refs: " + String.join(", ", f.refs()));
                }
                if (!f.volumes().isEmpty()) {
                    out.println("    volumes: " + String.join(", ", f.volumes()));
                }
                if (f.repair() != null) {
                    out.println("    " + f.repair());
                }
            }
            if (!repair && r.unrepaired() > 0) {
                out.println("run 'tinyvol cas fsck --cas " + cas + (volumes == null ? "" : " --volumes " + volumes)
                        + " --repair' to repair what can be");
            }
            out.flush();
        }
        return r.unrepaired() == 0 ? 0 : TinyVolCli.DIFFERENCES;
    }
}
