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
        mixinStandardHelpOptions = true)
final class RefsCommand implements Callable<Integer> {

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @Mixin
    JsonOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> refs = new ManifestStore(Cas.open(cas)).refs();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Output.json(out, refs);
        } else {
            refs.forEach(out::println);
            out.flush();
        }
        return 0;
    }
}
