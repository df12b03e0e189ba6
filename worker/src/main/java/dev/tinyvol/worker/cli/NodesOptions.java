package dev.tinyvol.worker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --nodes n1,n2,…} or {@code --nodes-file F} (one node id a line; # comments). */
final class NodesOptions {

    @Option(names = "--nodes", paramLabel = "N1,N2,…", split = ",", hideParamSyntax = true, description = "Node ids.")
    List<String> nodes;

    @Option(names = "--nodes-file", paramLabel = "FILE", description = "A file of node ids, one a line.")
    Path file;

    /** The nodes, each once, in the order given; a usage error if there are none or the file is unreadable. */
    List<String> resolve(picocli.CommandLine commandLine) {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        if (nodes != null) {
            nodes.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(all::add);
        }
        if (file != null) {
            try {
                Files.readAllLines(file).stream().map(l -> l.replaceAll("#.*", "").strip()).filter(s -> !s.isEmpty()).forEach(all::add);
            } catch (IOException e) {
                throw new picocli.CommandLine.ParameterException(commandLine, "cannot read --nodes-file " + file + ": " + dev.tinyvol.worker.errors.IoErrors.reasonOf(e));
            }
        }
        for (String node : all) {
            // From the file too: a bad id is refused before anything is sent to any node.
            String problem = dev.tinyvol.worker.config.WorkerSettings.NODE.validator().problemWith(node);
            if (problem != null) {
                throw new picocli.CommandLine.ParameterException(commandLine, "node id " + problem
                        + (file != null ? " (in --nodes or --nodes-file " + file + ")" : " (in --nodes)"));
            }
        }
        if (all.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(commandLine, "no nodes: give --nodes n1,n2,… or --nodes-file FILE");
        }
        return new ArrayList<>(all);
    }
}
