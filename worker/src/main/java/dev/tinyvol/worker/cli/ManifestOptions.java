package dev.tinyvol.worker.cli;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The manifest to use: one stored in the CAS by name, or a file. */
final class ManifestOptions {

    @Option(names = "--ref", paramLabel = "NAME", description = "A manifest stored in the CAS (refs/NAME.json).")
    String ref;

    @Option(names = "--manifest", paramLabel = "FILE", description = "A manifest file (v1 or v2 JSON).")
    Path file;

    Manifest load(Cas cas) {
        return ref != null ? new ManifestStore(cas).load(ref) : ManifestStore.loadFile(file);
    }

    /** Where the manifest came from, as kept in the volume's record. */
    String source() {
        return ref != null ? "ref:" + ref : "file:" + file.toAbsolutePath();
    }
}
