package dev.tinyvol.worker.cli;

import picocli.CommandLine.Option;

/** {@code --json}: print the report as JSON for machines instead of text for people. */
final class JsonOption {

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;
}
