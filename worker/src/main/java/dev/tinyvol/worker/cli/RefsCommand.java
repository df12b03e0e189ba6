package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol cas refs --cas C}. */
@Command(name = "refs", header = "Lists the manifests stored in the CAS.",
        // --cas is required, but not declared so (picocli would then ask for it before 'refs rm', which takes its own).
        customSynopsis = "tinyvol cas refs --cas=DIR [--volumes=DIR] [--json] [-hV] [COMMAND]",
        mixinStandardHelpOptions = true, subcommands = RefsRemoveCommand.class,
        description = {"Lists the refs with their entries, files and logical bytes (with --json, each as an object) "
                + "and, with --volumes, the volumes built from each (the same manifest); 'cas refs rm NAME...' removes some."})
final class RefsCommand implements Callable<Integer> {

    // Not "required": picocli would then ask for it before 'refs rm', which takes its own.
    @Option(names = "--cas", paramLabel = "DIR", description = "The CAS (required).")
    Path cas;

    @Option(names = "--volumes", paramLabel = "DIR", description = "A volumes directory using this CAS: name the volumes built from each ref.")
    Path volumes;

    @Mixin
    JsonOption output;

    /** A ref as listed: its figures and the volumes built from it (null without --volumes). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Listed(String ref, int entries, long files, long bytes, List<String> volumes) {
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (cas == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--cas=DIR'");
        }
        Cas store = Cas.open(cas);
        ManifestStore manifests = new ManifestStore(store);
        java.util.Map<dev.tinyvol.worker.cas.BlobKey, Long> sizes = new java.util.HashMap<>();
        java.util.Map<String, List<String>> byManifest = new java.util.HashMap<>();
        if (volumes != null) {
            NodeOptions.requireExisting(volumes);
            var store2 = dev.tinyvol.worker.assembly.VolumeStore.open(volumes);
            for (String v : store2.volumes()) {
                store2.record(v).ifPresent(r -> byManifest.computeIfAbsent(r.manifestId(), k -> new java.util.ArrayList<>()).add(v));
            }
        }
        List<Listed> refs = manifests.refs().stream().map(r -> {
            var manifest = manifests.load(r);
            var stats = dev.tinyvol.worker.cas.StoreStats.of(store, r, manifest, sizes);
            List<String> built = volumes == null ? null
                    : byManifest.getOrDefault(dev.tinyvol.worker.cas.ManifestIdentity.of(manifest), List.of());
            return new Listed(r, stats.entries(), stats.files(), stats.bytes(), built);
        }).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, refs);
        } else {
            out.printf("%-40s %9s %9s %12s%s%n", "REF", "ENTRIES", "FILES", "SIZE", volumes == null ? "" : "  VOLUMES");
            refs.forEach(r -> out.printf("%-40s %9d %9d %12s%s%n", r.ref(), r.entries(), r.files(), Output.bytes(r.bytes()),
                    r.volumes() == null ? "" : "  " + (r.volumes().isEmpty() ? "-" : String.join(",", r.volumes()))));
            out.flush();
        }
        return 0;
    }
}
