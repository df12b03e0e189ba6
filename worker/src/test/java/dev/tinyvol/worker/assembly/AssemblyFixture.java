package dev.tinyvol.worker.assembly;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A CAS, a volumes directory and the service over them, on real directories. */
final class AssemblyFixture implements AutoCloseable {

    final Cas cas;
    final VolumeService service;

    AssemblyFixture(Path casDir, Path volumesDir) {
        this.cas = Cas.create(casDir);
        this.service = new VolumeService(cas, VolumeStore.open(volumesDir), 2);
    }

    Manifest ingest(Path tree, String ref) {
        new Ingester(cas, 2).ingest(tree, ref, 2, Progress.NONE);
        return new ManifestStore(cas).load(ref);
    }

    AssemblyReport assemble(String volume, Manifest manifest) {
        return assemble(volume, manifest, AssemblyOptions.DEFAULTS);
    }

    AssemblyReport assemble(String volume, Manifest manifest, AssemblyOptions options) {
        return service.assemble(volume, manifest, "test", options, Progress.NONE, () -> { });
    }

    static Manifest manifest(String json) {
        return ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    Path volumes() {
        return service.volumes().root();
    }

    /** What is left in staging and trash: must be empty after every operation. */
    long leftovers() throws IOException {
        long n = 0;
        for (String dir : new String[] {".tinyvol/staging", ".tinyvol/trash"}) {
            try (Stream<Path> s = Files.list(volumes().resolve(dir))) {
                n += s.count();
            }
        }
        return n;
    }

    @Override
    public void close() {
        service.close();
    }
}
