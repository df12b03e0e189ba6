package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.registry.ImagePuller;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.registry.SharedPulls;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 1: a request assembles the tree its pull produced, even when the ref of that name
 * holds another tree by the time the request runs (another pull, or an ingest, wrote it since).
 */
class PulledIdentityTest {

    @TempDir
    Path tmp;

    @Test
    void aRequestAssemblesWhatItsPullProducedNotWhatTheRefHoldsNow() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        String image = registry.host() + "/executor/app:1";
        TestImages.push(client, ImageReference.parse(image), List.of(TestImages.layer(TestImages.Compression.GZIP,
                tar -> tar.file("pulled", "the image's file\n", 0644))), "amd64");
        Cas cas = Cas.create(tmp.resolve("cas"));
        try (VolumeService volumes = new VolumeService(cas, VolumeStore.open(tmp.resolve("volumes")), 2);
             SharedPulls pulls = new SharedPulls(new ImagePuller(cas, client, 1), "linux/amd64", null, 1, (i, r) -> { })) {
            RequestExecutor executor = new RequestExecutor("n", volumes, 1, Duration.ofMillis(1), Clock.systemUTC(), pulls);
            Request request = new Request(1, UUID.randomUUID().toString(), null, Action.ASSEMBLE, "n", "v1", null, null,
                    RequestOptions.DEFAULTS, null, image);
            SharedPulls.Claim claim = executor.startPull(request);
            String ref = claim.report().ref();

            // Between the pull and the request's run, the ref of that name is written with another tree.
            TreeMap<String, ManifestEntry> other = new TreeMap<>();
            other.put("not-the-image", new DirEntry(0755, 0, 0));
            new ManifestStore(cas).save(ref, new Manifest(2, "someone else's", other));

            Result result = executor.execute(request, claim);
            assertEquals(Status.SUCCEEDED, result.status(), result.errors().toString());
            assertEquals("the image's file\n", Files.readString(tmp.resolve("volumes/v1/pulled")));
            assertEquals(false, Files.exists(tmp.resolve("volumes/v1/not-the-image")));
        }
    }
}
