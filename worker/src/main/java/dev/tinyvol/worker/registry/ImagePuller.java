package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestException;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.CopyPaths;
import dev.tinyvol.worker.cas.ManifestIdentity;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cas.StoreLock;
import dev.tinyvol.worker.errors.IoErrors;
import dev.tinyvol.worker.posix.DirFd;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Pulls an image into the CAS: resolves the reference (an index or manifest list to the platform's
 * manifest), downloads the layers the node lacks side by side, each unpacked as it streams, then
 * applies all layers in order and stores the tree as a v2 manifest ref. Order of writes: blobs, one
 * syncfs, the layer records, the ref, the image record (the tree's identity); so an interrupted pull
 * leaves no ref, and its finished layers are not downloaded again. Nothing network-bound runs under
 * the store lock: blobs are stored without it, and the tail that names them (every instance the
 * layers name still there, sync, records, ref) holds it shared; content a gc removed meanwhile is
 * fetched again.
 */
public final class ImagePuller {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImagePuller.class);

    private final Cas cas;
    private final RegistryClient registry;
    private final int parallelLayers;
    private final Mirrors mirrors;

    public ImagePuller(Cas cas, RegistryClient registry, int parallelLayers) {
        this(cas, registry, parallelLayers, Mirrors.NONE);
    }

    public ImagePuller(Cas cas, RegistryClient registry, int parallelLayers, Mirrors mirrors) {
        this.cas = cas;
        this.registry = registry;
        this.parallelLayers = Math.max(1, parallelLayers);
        this.mirrors = mirrors;
    }

    /** The image's manifest from the first source that has it: its mirrors, then its registry. */
    private record Source(ImageReference image, RegistryClient.Fetched top) {
    }

    private Source firstSource(ImageReference image) {
        List<ImageReference> sources = mirrors.sources(image);
        for (ImageReference source : sources.subList(0, sources.size() - 1)) {
            try {
                return new Source(source, registry.manifest(source, source.reference()));
            } catch (TinyVolException e) {
                // A mirror that lacks the image, refuses us or is down: the next one, then the upstream.
                LOG.info("mirror {} did not serve {} ({}: {}); trying the next source", source.registry(), image, e.code(),
                        e.getMessage());
            }
        }
        return new Source(image, registry.manifest(image, image.reference()));
    }

    /**
     * @param ref      the ref to store the image as, or null for {@link ImageReference#defaultRefName()}
     * @param platform {@code os/arch[/variant]}, for an index
     */
    public PullReport pull(ImageReference image, String ref, String platform, Progress progress) {
        return pull(image, ref, platform, CopyPaths.NONE, progress);
    }

    /**
     * As {@link #pull(ImageReference, String, String, Progress)}, the files {@code copy} matches marked as
     * copied into volumes. Manifests and layers are fetched without the store lock (a gc never waits
     * for the network); the lock is held shared only for the tail that names what was stored. One
     * deadline (registry.pull.deadline) bounds every request, retry and layer of the pull.
     */
    public PullReport pull(ImageReference image, String ref, String platform, CopyPaths copy, Progress progress) {
        return new ImagePuller(cas, registry.forPull(), parallelLayers, mirrors).pullBounded(image, ref, platform, copy, progress);
    }

    private PullReport pullBounded(ImageReference image, String ref, String platform, CopyPaths copy, Progress progress) {
        long start = System.nanoTime();
        String refName = ref != null ? ref : image.defaultRefName();
        ManifestStore refs = new ManifestStore(cas);
        LayerRecords records = new LayerRecords(cas);

        Source source = firstSource(image);
        RegistryClient.Fetched top = source.top();
        ImageReference from = source.image(); // where the manifests and blobs come from
        String imageDigest = digestOf(top.body());
        if (image.digest() != null && !image.digest().equals(imageDigest)) {
            throw new TinyVolException(ErrorCode.DIGEST_MISMATCH, image.toString(), "the registry answered " + image
                    + " with a manifest hashing to " + imageDigest + ", not the digest asked for");
        }
        Manifest held = treeHeld(refs, records, imageDigest, refName, platform, copy);
        if (held != null) {
            return new PullReport(image.toString(), imageDigest, refName, true, 0, 0, 0, 0, held.entries().size(),
                    elapsedMs(start), List.of(), ManifestIdentity.of(held), held);
        }
        byte[] manifestBytes = top.body();
        String type = mediaTypeOf(top);
        if (MediaTypes.isIndex(type)) {
            Descriptor chosen = ImageManifest.select(top.body(), image.toString(), platform);
            RegistryClient.Fetched m = registry.manifest(from, chosen.digest());
            if (!digestOf(m.body()).equals(chosen.digest())) {
                throw new TinyVolException(ErrorCode.DIGEST_MISMATCH, image.toString(), "the manifest for " + platform
                        + " hashes to " + digestOf(m.body()) + ", not " + chosen.digest() + " as the index says");
            }
            manifestBytes = m.body();
            type = mediaTypeOf(m);
        }
        if (!MediaTypes.isManifest(type)) {
            throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, image.toString(), image + " is a " + type
                    + ", not an image manifest or index (OCI, or Docker schema 2)");
        }
        ImageManifest manifest = ImageManifest.parse(manifestBytes, image.toString());
        for (Descriptor layer : manifest.layers()) {
            if (MediaTypes.layerCompression(layer.mediaType()) == null) {
                throw new TinyVolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, layer.digest(), "layer " + layer.digest()
                        + " of " + image + " has media type " + layer.mediaType() + ", not tar, tar+gzip or tar+zstd");
            }
        }
        return new Run(image, from, imageDigest, refName, platform, copy, manifest.layers(), refs, records, start)
                .fetchAndStore(progress);
    }

    /**
     * The ref's tree when it is exactly the one this image produced here (same platform, same copy
     * paths), else null: a ref written since by another image (a tag moved and moved back), by an
     * ingest, or an image record of an earlier version (which kept no identity) are made again.
     */
    private static Manifest treeHeld(ManifestStore refs, LayerRecords records, String imageDigest, String refName,
                                     String platform, CopyPaths copy) {
        LayerRecords.ImageTree produced = records.imageTree(imageDigest).orElse(null);
        if (produced == null || !produced.platform().equals(platform) || !produced.copy().equals(copy.toString())) {
            return null;
        }
        Manifest current;
        try {
            current = refs.load(refName);
        } catch (TinyVolException e) {
            return null; // missing or unreadable: written again
        }
        return ManifestIdentity.of(current).equals(produced.identity()) ? current : null;
    }

    /** One pull's layers, from download to ref. */
    private final class Run {
        private final ImageReference image;
        private final ImageReference from;
        private final String imageDigest;
        private final String refName;
        private final String platform;
        private final CopyPaths copy;
        private final List<Descriptor> layers;
        private final ManifestStore refs;
        private final LayerRecords records;
        private final long start;
        /** Per layer, its operations once known (from its record or its download), else null. */
        private final List<List<LayerOp>> ops;
        /** Downloaded by this pull and not recorded yet. */
        private final boolean[] unrecorded;
        private final boolean[] downloaded;
        private final List<String> warnings = new ArrayList<>();
        private long pulledBytes;
        private long newBlobs;

        Run(ImageReference image, ImageReference from, String imageDigest, String refName, String platform, CopyPaths copy,
            List<Descriptor> layers, ManifestStore refs, LayerRecords records, long start) {
            this.image = image;
            this.from = from;
            this.imageDigest = imageDigest;
            this.refName = refName;
            this.platform = platform;
            this.copy = copy;
            this.layers = layers;
            this.refs = refs;
            this.records = records;
            this.start = start;
            this.ops = new ArrayList<>(java.util.Collections.nCopies(layers.size(), null));
            this.unrecorded = new boolean[layers.size()];
            this.downloaded = new boolean[layers.size()];
        }

        /**
         * Downloads without the store lock; a gc may run meanwhile and remove what no ref names yet (the
         * blobs just stored, a staging file). Then the short tail under the lock finds that out. A pull
         * that lost content to a gc so fetches the rest again holding the lock shared, as pulls always
         * did, so a gc running again and again cannot starve it; only a pull that raced a gc pays that.
         */
        PullReport fetchAndStore(Progress progress) {
            try {
                PullReport done = attempt(progress, false);
                if (done != null) {
                    return done;
                }
                LOG.info("a gc removed content of {} before the pull could name it: layers {} are fetched again under the "
                        + "store lock", image, missingLayers());
                try (StoreLock.Held whole = cas.lock().shared()) {
                    done = attempt(progress, true);
                }
                if (done == null) {
                    throw new TinyVolException(ErrorCode.PULL_CONTENT_REMOVED, image.toString(), "content of " + image
                            + " was removed after it was downloaded and before the ref could name it, though the store "
                            + "lock was held (another process's gc that ignores it?); try again");
                }
                return done;
            } catch (RuntimeException e) {
                recordFinished(e);
                throw e;
            }
        }

        /** The pull, or null when a gc removed content it had stored (only possible without the lock). */
        private PullReport attempt(Progress progress, boolean lockHeld) {
            long t0 = System.nanoTime();
            try {
                fetchMissing(progress);
            } catch (TinyVolException e) {
                if (!lockHeld && stagingRemoved(e)) {
                    return null;
                }
                throw e;
            }
            if (lockHeld) {
                List<Integer> gone = layersWithContentGone();
                if (!gone.isEmpty()) { // went before the lock was taken; nothing goes now
                    forget(gone);
                    fetchMissing(progress);
                }
            }
            long t1 = System.nanoTime();
            Manifest result = tree();
            String identity = ManifestCodec.identity(result);
            ManifestIdentity.remember(result, identity);
            if (!lockHeld) {
                cas.syncFilesystem(); // most of the flush before the lock; the one under it covers what came since
            }
            long t2 = System.nanoTime();
            try (StoreLock.Held naming = lockHeld ? null : cas.lock().shared()) {
                List<Integer> gone = layersWithContentGone();
                if (!gone.isEmpty()) {
                    forget(gone);
                    return null;
                }
                long t3 = System.nanoTime();
                cas.syncFilesystem();
                recordDownloaded();
                refs.save(refName, result);
                records.putImageTree(imageDigest, new LayerRecords.ImageTree(identity, platform, copy.toString(), refName));
                LOG.debug("pulled {}: manifests {} ms, download+unpack {} ms, tree+sync {} ms, lock wait {} ms, named in {} ms",
                        image, (t0 - start) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                        (System.nanoTime() - t3) / 1_000_000);
                return report(result, identity);
            }
        }

        /** A blob's staging file (or the instance it was renamed to) removed under it: a gc's doing. */
        private static boolean stagingRemoved(TinyVolException e) {
            return e.code() == ErrorCode.IO_ERROR && e.getCause() instanceof IOException io
                    && dev.tinyvol.worker.posix.Errno.of(io) == dev.tinyvol.worker.posix.Errno.ENOENT;
        }

        private String missingLayers() {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                if (ops.get(i) == null) {
                    names.add(layers.get(i).digest());
                }
            }
            return names.toString();
        }

        /** Layers whose operations are not known yet: from their records, else downloaded (no lock held). */
        private void fetchMissing(Progress progress) {
            List<Integer> missing = new ArrayList<>();
            long toDownload = 0;
            for (int i = 0; i < layers.size(); i++) {
                if (ops.get(i) != null) {
                    continue;
                }
                var known = records.layer(layers.get(i).digest());
                if (known.isPresent()) {
                    ops.set(i, known.get());
                } else {
                    missing.add(i);
                    toDownload += Math.max(0, layers.get(i).size());
                }
            }
            try {
                pulledBytes += download(from, layers, missing, ops, warnings, toDownload, progress, this::counted);
            } finally {
                for (int i : missing) {
                    if (ops.get(i) != null) {
                        unrecorded[i] = true;
                        downloaded[i] = true;
                    }
                }
            }
        }

        private void counted(long blobs) {
            newBlobs += blobs;
        }

        private Manifest tree() {
            LayerStack stack = new LayerStack();
            for (int i = 0; i < layers.size(); i++) {
                stack.apply(layers.get(i).digest(), ops.get(i));
            }
            try {
                java.util.TreeMap<String, dev.tinyvol.messages.manifest.ManifestEntry> tree = new java.util.TreeMap<>(stack.tree());
                copy.mark(tree);
                return new Manifest(2, image.toString(), tree);
            } catch (ManifestException e) {
                throw new TinyVolException(ErrorCode.valueOf(e.problem().name()), e.field(), "the tree of " + image
                        + " cannot be a volume: " + e.getMessage(), e);
            }
        }

        /**
         * Under the lock: the layers naming an instance no longer in objects/ (a gc, which may run while
         * layers download, removed what no ref named yet, or what a layer record named).
         */
        private List<Integer> layersWithContentGone() {
            return layersWithContentGone(i -> ops.get(i) != null);
        }

        private List<Integer> layersWithContentGone(java.util.function.IntPredicate among) {
            List<Integer> gone = new ArrayList<>();
            Map<String, Boolean> present = new HashMap<>();
            try (DirFd objects = DirFd.open(cas.objectsDir())) {
                for (int i = 0; i < layers.size(); i++) {
                    if (!among.test(i)) {
                        continue;
                    }
                    for (LayerOp op : ops.get(i)) {
                        if (op instanceof LayerOp.Put put && put.entry() instanceof FileEntry f
                                && !present.computeIfAbsent(Cas.instanceName(BlobKey.of(f)), name -> exists(objects, name))) {
                            gone.add(i);
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                throw IoErrors.classify(e, cas.objectsDir().toString(), "checking the pulled content");
            }
            return gone;
        }

        private static boolean exists(DirFd objects, String name) {
            try {
                objects.stat(name);
                return true;
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                throw IoErrors.classify(e, name, "checking the pulled content");
            }
        }

        /** The layers whose content went are fetched again; a record naming it is dropped. */
        private void forget(List<Integer> gone) {
            for (int i : gone) {
                if (!unrecorded[i]) {
                    records.dropLayer(layers.get(i).digest());
                }
                unrecorded[i] = false;
                ops.set(i, null);
            }
        }

        /** Under the lock, after a sync: the records of the layers this pull downloaded. */
        private void recordDownloaded() {
            for (int i = 0; i < layers.size(); i++) {
                if (unrecorded[i]) {
                    records.putLayer(layers.get(i).digest(), ops.get(i), from.toString(), layers.get(i).mediaType());
                    unrecorded[i] = false;
                }
            }
        }

        /**
         * A pull that failed (a layer damaged, the registry gone) still records the layers it finished
         * whose content is whole on disk, so the next try downloads only the rest.
         */
        private void recordFinished(RuntimeException failure) {
            boolean any = false;
            for (boolean u : unrecorded) {
                any |= u;
            }
            if (!any) {
                return;
            }
            try {
                cas.syncFilesystem();
                try (StoreLock.Held naming = cas.lock().shared()) {
                    for (int i : layersWithContentGone(k -> unrecorded[k])) {
                        unrecorded[i] = false;
                    }
                    cas.syncFilesystem();
                    recordDownloaded();
                }
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }

        private PullReport report(Manifest result, String identity) {
            int pulledLayers = 0;
            for (boolean d : downloaded) {
                pulledLayers += d ? 1 : 0;
            }
            return new PullReport(image.toString(), imageDigest, refName, false, layers.size(), pulledLayers, pulledBytes,
                    newBlobs, result.entries().size(), elapsedMs(start), warnings, identity, result);
        }
    }

    /** Downloads and unpacks the missing layers, a few side by side; the first failure fails the pull. */
    private long download(ImageReference image, List<Descriptor> layers, List<Integer> missing, List<List<LayerOp>> ops,
                          List<String> warnings, long total, Progress progress, java.util.function.LongConsumer newBlobs) {
        if (missing.isEmpty()) {
            return 0;
        }
        AtomicLongArray read = new AtomicLongArray(layers.size());
        AtomicLong sum = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelLayers, missing.size()), r -> {
            Thread t = new Thread(r, "tinyvol-pull");
            t.setDaemon(true);
            return t;
        });
        try (dev.tinyvol.worker.cas.BlobWriter blobs = cas.blobWriter()) {
            List<Future<LayerUnpacker.Unpacked>> tasks = new ArrayList<>();
            for (int i : missing) {
                Descriptor layer = layers.get(i);
                tasks.add(pool.submit(() -> {
                    try (InputStream in = registry.blob(image, layer.digest())) {
                        return new LayerUnpacker(blobs, registry.limits()).unpack(layer, in, n -> {
                            long before = read.getAndSet(i, n);
                            progress.update("downloading", sum.addAndGet(n - before), total);
                        });
                    }
                }));
            }
            RuntimeException failure = null;
            try {
                WorkerPool.awaitAll(tasks);
            } catch (RuntimeException e) {
                failure = e;
            }
            long bytes = 0;
            for (int k = 0; k < missing.size(); k++) {
                Future<LayerUnpacker.Unpacked> task = tasks.get(k);
                if (task.state() != Future.State.SUCCESS) {
                    continue;
                }
                LayerUnpacker.Unpacked u = task.resultNow();
                ops.set(missing.get(k), u.ops());
                warnings.addAll(u.warnings());
                newBlobs.accept(u.newBlobs());
                bytes += u.bytes();
            }
            if (failure != null) {
                throw failure;
            }
            return bytes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String mediaTypeOf(RegistryClient.Fetched fetched) {
        if (!fetched.mediaType().isEmpty() && !fetched.mediaType().equals("application/json")) {
            return fetched.mediaType();
        }
        // Some registries answer application/json: the manifest says what it is.
        try {
            var node = RegistryJson.MAPPER.readTree(fetched.body());
            if (node.hasNonNull("mediaType")) {
                return node.get("mediaType").asText();
            }
            return node.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        } catch (java.io.IOException e) {
            return fetched.mediaType();
        }
    }

    static String digestOf(byte[] body) {
        return "sha256:" + HexFormat.of().formatHex(dev.tinyvol.worker.cas.Sha256.newDigest().digest(body));
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
