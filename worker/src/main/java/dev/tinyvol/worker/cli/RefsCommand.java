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
        mixinStandardHelpOptions = true, subcommands = RefsRemoveCommand.class,
        description = {"Lists the refs with their entries, files and logical bytes (with --json, each as an object); "
                + "'cas refs rm NAME...' removes some."})
final class RefsCommand implements Callable<Integer> {

    // Not "required": picocli would then ask for it before 'refs rm', which takes its own.
    @Option(names = "--cas", paramLabel = "DIR", description = "The CAS (required).")
    Path cas;

    @Mixin
    JsonOption output;

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
        List<dev.tinyvol.worker.cas.StoreStats.RefStats> refs = manifests.refs().stream()
                .map(r -> dev.tinyvol.worker.cas.StoreStats.of(store, r, manifests.load(r), sizes)).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, refs);
        } else {
            out.printf("%-40s %9s %9s %12s%n", "REF", "ENTRIES", "FILES", "SIZE");
            refs.forEach(r -> out.printf("%-40s %9d %9d %12s%n", r.ref(), r.entries(), r.files(), Output.bytes(r.bytes())));
            out.flush();
        }
        return 0;
    }
}
