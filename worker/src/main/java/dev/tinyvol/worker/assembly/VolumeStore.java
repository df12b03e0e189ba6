package dev.tinyvol.worker.assembly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tinyvol.messages.Names;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.worker.cas.AtomicFile;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The volumes directory: the trees, and TinyVol's own bookkeeping beside them under
 * {@code .tinyvol/}, which no volume name can reach (names never start with a dot):
 * <pre>
 * &lt;volumes&gt;/&lt;name&gt;                        assembled trees
 * &lt;volumes&gt;/.tinyvol/staging/&lt;name&gt;.&lt;n&gt;    trees being built (renamed into place when whole)
 * &lt;volumes&gt;/.tinyvol/trash/&lt;name&gt;.&lt;n&gt;      trees being removed
 * &lt;volumes&gt;/.tinyvol/records/&lt;name&gt;.json    what each volume was built from
 * &lt;volumes&gt;/.tinyvol/manifests/&lt;id&gt;.json    the manifests volumes were built from, by identity
 * &lt;volumes&gt;/.tinyvol/locks/&lt;name&gt;.lock      per-volume locks
 * </pre>
 * Staging and trash live on the volumes filesystem, so moving a tree in or out is one rename.
 */
public final class VolumeStore {

    /** How long an operation waits for a volume another process is working on. */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VolumeStore.class);

    private final Path root;
    private final Path staging;
    private final Path trash;
    private final Path records;
    private final Path manifests;
    private final VolumeLocks locks;

    private VolumeStore(Path root) {
        this.root = root;
        Path meta = root.resolve(".tinyvol");
        this.staging = meta.resolve("staging");
        this.trash = meta.resolve("trash");
        this.records = meta.resolve("records");
        this.manifests = meta.resolve("manifests");
        this.locks = new VolumeLocks(meta.resolve("locks"));
    }

    /**
     * Opens (creating if needed) the volumes directory. Its real path is used from here on, so a
     * symlinked volumes directory is followed once, by the operator's choice, and never again.
     */
    public static VolumeStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            VolumeStore store = new VolumeStore(dir.toRealPath());
            for (Path p : List.of(store.staging, store.trash, store.records, store.manifests, store.root.resolve(".tinyvol/locks"))) {
                Files.createDirectories(p);
            }
            return store;
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "opening the volumes directory");
        }
    }

    public Path root() {
        return root;
    }

    public Path volumePath(String volume) {
        requireName(volume);
        return root.resolve(volume);
    }

    public static void requireName(String volume) {
        String problem = Names.problemWith(volume);
        if (problem != null) {
            throw new TinyVolException(ErrorCode.INVALID_VOLUME_NAME, volume, "volume name " + problem);
        }
    }

    public VolumeLocks.Held lock(String volume, Runnable onWait) {
        return lock(volume, DEFAULT_LOCK_WAIT, onWait);
    }

    public VolumeLocks.Held lock(String volume, Duration wait, Runnable onWait) {
        requireName(volume);
        return locks.lock(volume, wait, onWait);
    }

    /** A fresh, empty staging directory for {@code volume}, on the volumes filesystem. */
    public Path newStagingDir(String volume) {
        Path dir = staging.resolve(volume + "." + UUID.randomUUID());
        try {
            Files.createDirectory(dir);
            PosixFiles.chmod(dir, 0755);
            return dir;
        } catch (IOException e) {
            throw IoErrors.classify(e, dir.toString(), "creating a staging directory");
        }
    }

    /** A path in the trash to rename a tree to before deleting it. */
    public Path trashPathFor(String volume) {
        return trash.resolve(volume + "." + UUID.randomUUID());
    }

    /**
     * What the volume was built from. A record that cannot be read (zero-length or garbled, as a
     * power loss can leave one) means "this volume is not whole": it is set aside and the volume
     * counts as unrecorded, so it is rebuilt, never answered UNCHANGED, and a LIST still answers.
     */
    public Optional<VolumeRecord> record(String volume) {
        Path file = records.resolve(volume + ".json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading the record of volume " + volume);
        }
        try {
            VolumeRecord record = JSON.readValue(bytes, VolumeRecord.class);
            if (record == null || record.manifestId() == null || !volume.equals(record.volume())) {
                throw new IOException("the record holds no volume and manifest identity");
            }
            return Optional.of(record);
        } catch (IOException | RuntimeException e) {
            LOG.warn("the record of volume {} cannot be read ({} bytes: {}); setting it aside: the volume counts as "
                    + "not whole until it is replaced or torn down", volume, bytes.length,
                    e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage());
            markDamaged(volume);
            return Optional.empty();
        }
    }

    /** Durable once it returns: the record is what says a volume is whole. */
    public void writeRecord(VolumeRecord record) {
        Path file = records.resolve(record.volume() + ".json");
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(record);
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "writing the record of volume " + record.volume());
        }
        AtomicFile.replace(file, bytes, AtomicFile.Durability.DURABLE, "writing the record of volume " + record.volume());
    }

    /**
     * Sets a volume's record aside as {@code <name>.json.damaged}: the volume then counts as built from
     * an unrecorded manifest, so assembling it again is refused (VOLUME_EXISTS) until it is replaced
     * or torn down, instead of being answered UNCHANGED.
     */
    public void markDamaged(String volume) {
        Path file = records.resolve(volume + ".json");
        try {
            Files.move(file, records.resolve(volume + ".json.damaged"), StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            // No record: nothing claims the volume is whole.
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "setting aside the record of volume " + volume);
        }
    }

    /** The marker a running worker keeps; present at start-up means the last run did not stop cleanly. */
    public Path runningMarker() {
        return root.resolve(".tinyvol/worker.running");
    }

    /** Present while the check after an unclean stop is unfinished; lists the volumes already checked. */
    public Path checkPendingMarker() {
        return root.resolve(".tinyvol/check.pending");
    }

    public void deleteRecord(String volume) {
        Path file = records.resolve(volume + ".json");
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "removing the record of volume " + volume);
        }
    }

    /** Keeps the manifest a volume was built from, once per identity. */
    public void keepManifest(String id, Manifest manifest) {
        Path file = manifests.resolve(id + ".json");
        if (Files.exists(file)) {
            return;
        }
        // Durable: a volume record names it. Linked, never renamed: one identity, one content.
        AtomicFile.createOnce(file, ManifestCodec.toJson(manifest), AtomicFile.Durability.DURABLE,
                "keeping the manifest of a volume");
    }

    /** A kept manifest; one that cannot be parsed (cut short by a power loss) counts as not kept. */
    public Optional<Manifest> keptManifest(String id) {
        Path file = manifests.resolve(id + ".json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw IoErrors.classify(e, file.toString(), "reading a kept manifest");
        }
        try {
            return Optional.of(ManifestCodec.parse(bytes));
        } catch (RuntimeException e) {
            LOG.warn("the kept manifest {} cannot be read ({}); the volumes built from it count as not whole", id,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The manifests this node's volumes were built from, for a gc's mark: the kept manifest of every
     * volume record. Called by a gc under the CAS lock held exclusive, so no assembly is between
     * keeping its manifest and writing its record. (A volume whose record is unreadable still links
     * its blobs, and a gc keeps every instance something else links.)
     */
    public List<Manifest> manifestsInUse() {
        List<Manifest> inUse = new java.util.ArrayList<>();
        for (String id : manifestIdsInUse()) {
            keptManifest(id).ifPresent(inUse::add);
        }
        return inUse;
    }

    /** Each volume with a record, and the manifest it was built from (volumes whose manifest is gone are left out). */
    public java.util.Map<String, Manifest> manifestsByVolume() {
        java.util.Map<String, Manifest> byVolume = new java.util.TreeMap<>();
        for (String volume : volumes()) {
            record(volume).flatMap(r -> keptManifest(r.manifestId())).ifPresent(m -> byVolume.put(volume, m));
        }
        return byVolume;
    }

    private java.util.Set<String> manifestIdsInUse() {
        java.util.Set<String> inUse = new java.util.HashSet<>();
        try (Stream<Path> files = Files.list(records)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json")) {
                    record(name.substring(0, name.length() - ".json".length())).ifPresent(r -> inUse.add(r.manifestId()));
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, records.toString(), "listing volume records");
        }
        return inUse;
    }

    /** Removes kept manifests no volume record refers to any more; returns how many. */
    public int pruneKeptManifests() {
        java.util.Set<String> inUse = manifestIdsInUse();
        int removed = 0;
        try (Stream<Path> files = Files.list(manifests)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                String id = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : null;
                if (id != null && !inUse.contains(id)) {
                    Files.deleteIfExists(f);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw IoErrors.classify(e, manifests.toString(), "pruning kept manifests");
        }
        return removed;
    }

    /** Names of the volumes present, sorted; bookkeeping and stray names are left out. */
    public List<String> volumes() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.map(p -> p.getFileName().toString()).filter(Names::isValid).sorted().forEach(names::add);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "listing volumes");
        }
        return names;
    }

    /** Staging and trash entries left by an interrupted process, each as (volume, path). */
    public List<Path> leftovers() {
        List<Path> found = new ArrayList<>();
        for (Path dir : List.of(staging, trash)) {
            try (Stream<Path> entries = Files.list(dir)) {
                entries.forEach(found::add);
            } catch (IOException e) {
                throw IoErrors.classify(e, dir.toString(), "listing leftovers");
            }
        }
        return found;
    }

    /** The volume a staging or trash entry belongs to ({@code <volume>.<uuid>}). */
    public static String volumeOfLeftover(Path leftover) {
        String name = leftover.getFileName().toString();
        int dot = name.length() - 37; // "." + 36-character UUID
        return dot > 0 && name.charAt(dot) == '.' ? name.substring(0, dot) : name;
    }

    /** fsync of the volumes directory, after a volume was renamed into it (records fsync their own). */
    public void fsyncRoot() {
        try {
            PosixFiles.fsyncDirectory(root);
        } catch (IOException e) {
            throw IoErrors.classify(e, root.toString(), "syncing the volumes directory");
        }
    }
}
