package dev.tinyvol.worker.cli;

import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tinyvol cas refs rm NAME…}. */
@Command(name = "rm", header = "Removes stored manifests; their blobs stay until a gc.",
        mixinStandardHelpOptions = true,
        description = {"Removes the refs named. Volumes built from them keep their own copy of the manifest and "
                + "still verify; blobs no ref or volume uses are left for a gc to reclaim. Every name is checked "
                + "before any is removed."})
final class RefsRemoveCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The refs to remove.")
    List<String> names;

    @Option(names = "--cas", paramLabel = "DIR", required = true, description = "The CAS.")
    Path cas;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ManifestStore store = new ManifestStore(Cas.open(cas));
        List<String> present = store.refs();
        for (String name : names) {
            if (!present.contains(name)) {
                store.remove(name); // says MANIFEST_NOT_FOUND (or INVALID_REF) for this name, before anything is removed
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String name : names) {
            store.remove(name);
            out.println("removed ref " + name);
        }
        out.flush();
        return 0;
    }
}
