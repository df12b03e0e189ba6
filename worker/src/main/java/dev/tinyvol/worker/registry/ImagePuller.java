package dev.tinyvol.worker.registry;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestException;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.concurrent.WorkerPool;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.progress.Progress;
import java.io.InputStream;
import java.util.ArrayList;
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
 * syncfs, the layer records, the ref, the image record; so an interrupted pull leaves no ref, and
 * its finished layers are not downloaded again.
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
        return pull(image, ref, platform, dev.tinyvol.worker.cas.CopyPaths.NONE, progress);
    }

    /** As {@link #pull(ImageReference, String, String, Progress)}, the files {@code copy} matches marked as copied into volumes. */
    public PullReport pull(ImageReference image, String ref, String platform, dev.tinyvol.worker.cas.CopyPaths copy,
                           Progress progress) {
        // From the layer records read to the ref written, no gc may remove what this pull relies on.
        // One deadline (registry.pull.deadline) for every request, retry and layer of this pull.
        ImagePuller bounded = new ImagePuller(cas, registry.forPull(), parallelLayers, mirrors);
        try (dev.tinyvol.worker.cas.StoreLock.Held writing = cas.lock().shared()) {
            return bounded.pullHeld(image, ref, platform, copy, progress);
        }
    }

    private PullReport pullHeld(ImageReference image, String ref, String platform, dev.tinyvol.worker.cas.CopyPaths copy,
                                Progress progress) {
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
        // (Copy paths are applied when the ref is made: with some given, the ref is made again from the
        // layer records, which costs no download.)
        if (copy.isEmpty() && records.imageRef(imageDigest).filter(r -> r.equals(refName)).isPresent()
                && refs.contains(refName)) {
            return new PullReport(image.toString(), imageDigest, refName, true, 0, 0, 0, 0, 0, elapsedMs(start), List.of());
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

        List<Descriptor> layers = manifest.layers();
        List<List<LayerOp>> ops = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        long toDownload = 0;
        for (int i = 0; i < layers.size(); i++) {
            var known = records.layer(layers.get(i).digest());
            ops.add(known.orElse(null));
            if (known.isEmpty()) {
                missing.add(i);
                toDownload += Math.max(0, layers.get(i).size());
            }
        }
        List<String> warnings = new ArrayList<>();
        long[] newBlobs = {0};
        long pulledBytes;
        long t0 = System.nanoTime();
        long t1 = t0;
        try {
            pulledBytes = download(from, layers, missing, ops, warnings, newBlobs, toDownload, progress);
            t1 = System.nanoTime();
        } finally {
            // Blobs on disk before anything names them; then the layers that finished are recorded,
            // so a pull that failed (a layer damaged, the registry gone) resumes without them.
            cas.syncFilesystem();
            for (int i : missing) {
                if (ops.get(i) != null) {
                    records.putLayer(layers.get(i).digest(), ops.get(i), from.toString(), layers.get(i).mediaType());
                }
            }
        }
        LayerStack stack = new LayerStack();
        for (int i = 0; i < layers.size(); i++) {
            stack.apply(layers.get(i).digest(), ops.get(i));
        }
        Manifest result;
        try {
            java.util.TreeMap<String, dev.tinyvol.messages.manifest.ManifestEntry> tree = new java.util.TreeMap<>(stack.tree());
            copy.mark(tree);
            result = new Manifest(2, image.toString(), tree);
        } catch (ManifestException e) {
            throw new TinyVolException(ErrorCode.valueOf(e.problem().name()), e.field(), "the tree of " + image
                    + " cannot be a volume: " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        refs.save(refName, result);
        records.putImage(imageDigest, refName);
        LOG.debug("pulled {}: manifests {} ms, download+unpack {} ms, sync+records+tree {} ms, ref {} ms", image,
                (t0 - start) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        return new PullReport(image.toString(), imageDigest, refName, false, layers.size(), missing.size(), pulledBytes,
                newBlobs[0], result.entries().size(), elapsedMs(start), warnings);
    }

    /** Downloads and unpacks the missing layers, a few side by side; the first failure fails the pull. */
    private long download(ImageReference image, List<Descriptor> layers, List<Integer> missing, List<List<LayerOp>> ops,
                          List<String> warnings, long[] newBlobs, long total, Progress progress) {
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
                newBlobs[0] += u.newBlobs();
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
