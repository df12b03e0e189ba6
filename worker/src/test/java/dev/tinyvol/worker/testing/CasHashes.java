package dev.tinyvol.worker.testing;

import dev.tinyvol.worker.cas.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What every blob instance of a CAS hashes to now, by instance file name: the before/after of a write-through test. */
public final class CasHashes {

    private CasHashes() {
    }

    /** @param objects the CAS's objects directory; names shortened to their first 12 characters */
    public static Map<String, String> of(Path objects) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(objects)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(p.getFileName().toString().substring(0, 12), Sha256.of(p));
            }
        }
        return out;
    }
}
