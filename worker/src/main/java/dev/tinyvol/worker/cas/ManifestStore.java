package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.Names;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestException;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Manifests stored by name under {@code <cas>/refs/<name>.json} (with a compact form beside it,
 * {@code <name>.tvm}, a cache for fast loading), and manifests read from files.
 */
public final class ManifestStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ManifestStore.class);

    private final Cas cas;

    public ManifestStore(Cas cas) {
        this.cas = cas;
    }

    /**
     * The manifest stored under {@code ref}: from its compact form when that was made from the JSON
     * as it is now (see {@link CompactManifest}), else parsed from the JSON, and the compact form
     * written for next time.
     */
    public Manifest load(String ref) {
        requireRefName(ref);
        Path file = refPath(ref);
        Stat stat;
        try {
            stat = PosixFiles.lstat(file);
        } catch (NoSuchFileException e) {
            throw new TinyVolException(ErrorCode.MANIFEST_NOT_FOUND, ref,
                    "no manifest named '" + ref + "' in " + cas.refsDir() + "; ingest one with 'tinyvol cas ingest DIR --cas "
                            + cas.root() + " --ref " + ref + "'");
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading manifest '" + ref + "'");
        }
        CompactManifest.Decoded compact = readCompact(ref, stat);
        if (compact != null) {
            ManifestIdentity.remember(compact.manifest(), compact.identity());
            return compact.manifest();
        }
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TinyVolException(ErrorCode.MANIFEST_NOT_FOUND, ref, "manifest '" + ref + "' was removed while it was read");
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading manifest '" + ref + "'");
        }
        Manifest manifest = parse(json, "manifest '" + ref + "'");
        writeCompact(ref, manifest, stat);
        return manifest;
    }

    private CompactManifest.Decoded readCompact(String ref, Stat json) {
        try {
            return CompactManifest.decode(Files.readAllBytes(compactPath(ref)), json);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.debug("compact form of {} unusable ({}); reading the JSON", ref, e.getMessage());
            return null;
        }
    }

    /**
     * Best effort: a cache that cannot be written (read-only CAS, full disk) only costs the next load
     * time. Not fsync'd: a compact form lost or cut short by a power loss fails to decode and the JSON
     * is read instead.
     */
    private void writeCompact(String ref, Manifest manifest, Stat json) {
        try {
            String identity = ManifestIdentity.of(manifest); // once: 0.3 s for 100,000 entries in a cold JVM
            ManifestIdentity.remember(manifest, identity);
            AtomicFile.replace(compactPath(ref), CompactManifest.encode(manifest, identity, json),
                    AtomicFile.Durability.ATOMIC_ONLY, cas.tmpDir(), "writing the compact form of '" + ref + "'");
        } catch (RuntimeException e) {
            LOG.debug("could not write the compact form of {}: {}", ref, e.getMessage());
        }
    }

    /** Reads a manifest file (v1 or v2) from anywhere. */
    public static Manifest loadFile(Path file) {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TinyVolException(ErrorCode.MANIFEST_NOT_FOUND, file.toString(), "manifest file " + file + " does not exist");
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading manifest file");
        }
        return parse(json, "manifest file " + file);
    }

    private static Manifest parse(byte[] json, String what) {
        try {
            return ManifestCodec.parse(json);
        } catch (ManifestException e) {
            throw new TinyVolException(ErrorCode.valueOf(e.problem().name()), e.field(), what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the manifest under {@code ref} atomically and durably, replacing any earlier one. Each
     * save writes a temporary file of its own (a pull, an ingest and the command line may save one
     * ref at once): the ref is always one whole manifest, the last one renamed into place.
     */
    public void save(String ref, Manifest manifest) {
        requireRefName(ref);
        Path file = refPath(ref);
        AtomicFile.replace(file, ManifestCodec.toJson(manifest), AtomicFile.Durability.DURABLE, cas.tmpDir(),
                "writing manifest '" + ref + "'");
        try {
            writeCompact(ref, manifest, PosixFiles.lstat(file));
        } catch (IOException e) {
            LOG.debug("could not stat {}: {}", file, e.getMessage());
        }
    }

    /**
     * Removes a ref (its JSON and compact form). Its blobs stay until a gc finds nothing uses them;
     * volumes built from it keep their own copy of the manifest and still verify.
     */
    public void remove(String ref) {
        requireRefName(ref);
        Path file = refPath(ref);
        try {
            if (!Files.deleteIfExists(file)) {
                throw new TinyVolException(ErrorCode.MANIFEST_NOT_FOUND, ref, "no manifest named '" + ref + "' in "
                        + cas.refsDir() + "; 'tinyvol cas refs --cas " + cas.root() + "' lists those there are");
            }
            Files.deleteIfExists(compactPath(ref));
            PosixFiles.fsyncDirectory(cas.refsDir());
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "removing manifest '" + ref + "'");
        }
    }

    /** Whether a ref of this name is stored (one stat, no listing). */
    public boolean contains(String ref) {
        requireRefName(ref);
        return Files.exists(refPath(ref), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    public List<String> refs() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(cas.refsDir())) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length()))
                    .sorted()
                    .forEach(names::add);
        } catch (IOException e) {
            throw IoErrors.classify(e, cas.refsDir().toString(), "listing manifests");
        }
        return names;
    }

    private Path refPath(String ref) {
        return cas.refsDir().resolve(ref + ".json");
    }

    private Path compactPath(String ref) {
        return cas.refsDir().resolve(ref + ".tvm");
    }

    private static void requireRefName(String ref) {
        String problem = Names.problemWith(ref);
        if (problem != null) {
            throw new TinyVolException(ErrorCode.INVALID_REF, ref, "manifest name " + problem);
        }
    }
}
