package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.assembly.AssemblyOptions;
import dev.tinyvol.worker.assembly.VolumeService;
import dev.tinyvol.worker.assembly.VolumeStore;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import dev.tinyvol.worker.testing.TestImages.Compression;
import dev.tinyvol.worker.testing.TestImages.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry (Debian's docker-registry, the CNCF Distribution registry) images the
 * test builds layer by layer: gzip, zstd and plain tar layers, whiteouts and opaque directories,
 * hard links, symlinks, setuid files, a device node, a multi-platform index, a damaged layer.
 */
class RegistryPullTest {

    static LocalRegistry registry;
    static RegistryClient client;

    /** The base layers: gzip, then zstd with whiteouts, then plain tar. */
    static final Layer BASE = TestImages.layer(Compression.GZIP, tar -> tar
            .dir("etc", 0755).file("etc/hosts", "127.0.0.1 localhost\n", 0644)
            .file("etc/old.conf", "to be whited out\n", 0644)
            .dir("usr/bin", 0755).file("usr/bin/busybox", "#!busybox\n", 0755)
            .file("usr/bin/su", "setuid root\n", 04755).hardlink("usr/bin/ls", "usr/bin/busybox")
            .symlink("bin", "usr/bin").dir("var/cache/app", 0700).file("var/cache/app/stale", "stale\n", 0600, 1000, 1000)
            .file("var/cache/app/also-stale", "stale too\n", 0600).charDevice("dev/null")
            .dir("home/user", 0750).file("home/user/.profile", "export PS1\n", 0640, 3_000_000_000L, 3_000_000_000L));
    static final Layer UPDATE = TestImages.layer(Compression.ZSTD, tar -> tar
            .whiteout("etc/old.conf").opaque("var/cache/app").file("var/cache/app/fresh", "fresh\n", 0600)
            .file("etc/hosts", "127.0.0.1 localhost web\n", 0644));
    static final Layer APP = TestImages.layer(Compression.NONE, tar -> tar
            .dir("opt/app", 0755).file("opt/app/run", "#!/bin/sh\necho run\n", 0755)
            .file("opt/app/" + "deep/".repeat(30) + "long-name-beyond-100-bytes.txt", "pax\n", 0644));

    @TempDir
    Path tmp;

    @BeforeAll
    static void startRegistry() {
        registry = LocalRegistry.shared();
        client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
    }

    private ImageReference image(String repoAndTag) {
        return ImageReference.parse(registry.host() + "/" + repoAndTag);
    }

    private PullReport pull(Cas cas, ImageReference image, String ref) {
        return new ImagePuller(cas, client, 3).pull(image, ref, "linux/amd64", Progress.NONE);
    }

    @Test
    void layersApplyInOrderWithWhiteoutsAndTheVolumeHasEveryModeOwnerAndLink() throws Exception {
        ImageReference image = image("test/base:1");
        TestImages.push(client, image, List.of(BASE, UPDATE, APP), "amd64");
        Cas cas = Cas.create(tmp.resolve("cas"));

        PullReport report = pull(cas, image, "base");
        assertEquals(3, report.pulledLayers());
        assertEquals(BASE.bytes().length + UPDATE.bytes().length + APP.bytes().length, report.pulledBytes());
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains("character device dev/null")), report.warnings().toString());

        Manifest m = new ManifestStore(cas).load("base");
        assertFalse(m.entries().containsKey("etc/old.conf"), "whited out by the layer above");
        assertFalse(m.entries().containsKey("var/cache/app/stale") || m.entries().containsKey("var/cache/app/also-stale"),
                "the opaque directory hides the lower layer's children");
        assertTrue(m.entries().containsKey("var/cache/app/fresh"));
        assertEquals(new DirEntry(0700, 0, 0), m.entries().get("var/cache/app"), "the directory itself stays");
        assertEquals(new SymlinkEntry("usr/bin", 0, 0), m.entries().get("bin"));
        assertFalse(m.entries().containsKey("dev/null"));
        FileEntry su = (FileEntry) m.entries().get("usr/bin/su");
        assertEquals(04755, su.mode());
        assertEquals(m.entries().get("usr/bin/busybox"), m.entries().get("usr/bin/ls"), "a hard link is the same instance");
        assertEquals(3_000_000_000L, m.entries().get("home/user/.profile").uid());

        try (VolumeService service = new VolumeService(cas, VolumeStore.open(tmp.resolve("volumes")), 2)) {
            service.assemble("web-1", m, "ref:base", AssemblyOptions.DEFAULTS, Progress.NONE, () -> { });
            Path v = tmp.resolve("volumes/web-1");
            assertEquals("127.0.0.1 localhost web\n", Files.readString(v.resolve("etc/hosts")), "the upper layer's file wins");
            assertEquals(04755, PosixFiles.lstat(v.resolve("usr/bin/su")).permissions());
            assertEquals(PosixFiles.lstat(v.resolve("usr/bin/busybox")).inode(), PosixFiles.lstat(v.resolve("usr/bin/ls")).inode());
            assertEquals("pax\n", Files.readString(v.resolve("opt/app/" + "deep/".repeat(30) + "long-name-beyond-100-bytes.txt")));
            assertEquals("usr/bin", Files.readSymbolicLink(v.resolve("bin")).toString());
            assertTrue(service.verify("web-1", true).clean());
        }

        // The same image again: one manifest request, nothing downloaded.
        PullReport again = pull(cas, image, "base");
        assertTrue(again.cached());
        assertEquals(0, again.pulledBytes());
    }

    @Test
    void anImageSharingLayersDownloadsOnlyItsNewOne() {
        Cas cas = Cas.create(tmp.resolve("cas"));
        TestImages.push(client, image("test/shared:1"), List.of(BASE, UPDATE), "amd64");
        assertEquals(2, pull(cas, image("test/shared:1"), "v1").pulledLayers());

        Layer extra = TestImages.layer(Compression.GZIP, tar -> tar.file("srv/index.html", "<h1>v2</h1>\n", 0644));
        TestImages.push(client, image("test/shared:2"), List.of(BASE, UPDATE, extra), "amd64");
        PullReport second = pull(cas, image("test/shared:2"), "v2");
        assertEquals(3, second.layers());
        assertEquals(1, second.pulledLayers(), "the layers the node has are never downloaded again");
        assertEquals(extra.bytes().length, second.pulledBytes());
        assertTrue(new ManifestStore(cas).load("v2").entries().containsKey("srv/index.html"));
    }

    @Test
    void anIndexResolvesToThePlatformsManifest() {
        Layer amd = TestImages.layer(Compression.GZIP, tar -> tar.file("arch", "amd64\n", 0644));
        Layer arm = TestImages.layer(Compression.GZIP, tar -> tar.file("arch", "arm64\n", 0644));
        Map<String, TestImages.Pushed> byArch = new LinkedHashMap<>();
        byArch.put("amd64", TestImages.push(client, image("test/multi:amd64"), List.of(amd), "amd64"));
        byArch.put("arm64", TestImages.push(client, image("test/multi:arm64"), List.of(arm), "arm64"));
        TestImages.pushIndex(client, image("test/multi:1"), byArch);
        Cas cas = Cas.create(tmp.resolve("cas"));

        new ImagePuller(cas, client, 2).pull(image("test/multi:1"), "multi-arm", "linux/arm64", Progress.NONE);
        FileEntry file = (FileEntry) new ManifestStore(cas).load("multi-arm").entries().get("arch");
        assertEquals(TestImages.sha256("arm64\n".getBytes()).substring(7), file.digest());

        TinyVolException none = assertThrows(TinyVolException.class, () ->
                new ImagePuller(cas, client, 2).pull(image("test/multi:1"), "multi-s390x", "linux/s390x", Progress.NONE));
        assertEquals(ErrorCode.IMAGE_NOT_FOUND, none.code());
        assertTrue(none.getMessage().contains("linux/amd64, linux/arm64"), none.getMessage());
    }

    @Test
    void oneIndexPulledForTwoPlatformsIntoOneRefGivesEachItsTree() {
        Layer amd = TestImages.layer(Compression.GZIP, tar -> tar.file("arch", "amd64\n", 0644));
        Layer arm = TestImages.layer(Compression.GZIP, tar -> tar.file("arch", "arm64\n", 0644));
        Map<String, TestImages.Pushed> byArch = new LinkedHashMap<>();
        byArch.put("amd64", TestImages.push(client, image("test/multiref:amd64"), List.of(amd), "amd64"));
        byArch.put("arm64", TestImages.push(client, image("test/multiref:arm64"), List.of(arm), "arm64"));
        TestImages.pushIndex(client, image("test/multiref:1"), byArch);
        Cas cas = Cas.create(tmp.resolve("cas"));
        new ImagePuller(cas, client, 2).pull(image("test/multiref:1"), "multi", "linux/arm64", Progress.NONE);
        PullReport amd64 = new ImagePuller(cas, client, 2).pull(image("test/multiref:1"), "multi", "linux/amd64", Progress.NONE);
        assertFalse(amd64.cached(), "the image record is of the other platform's tree");
        FileEntry file = (FileEntry) new ManifestStore(cas).load("multi").entries().get("arch");
        assertEquals(TestImages.sha256("amd64\n".getBytes()).substring(7), file.digest());
    }

    @Test
    void anImageRecordOfAnEarlierVersionIsNotTrustedTheRefIsMadeAgainWithoutADownload() throws Exception {
        Layer only = TestImages.layer(Compression.GZIP, tar -> tar.file("srv/version", "the image\n", 0644));
        TestImages.Pushed pushed = TestImages.push(client, image("test/oldrecord:1"), List.of(only), "amd64");
        Cas cas = Cas.create(tmp.resolve("cas"));
        pull(cas, image("test/oldrecord:1"), "app");
        // As an earlier version left it: image digest -> ref name, and the ref since written by another image.
        String hex = pushed.digest().substring("sha256:".length());
        Files.delete(tmp.resolve("cas/pulls/trees/" + hex + ".json"));
        Files.createDirectories(tmp.resolve("cas/pulls/images"));
        Files.writeString(tmp.resolve("cas/pulls/images/" + hex + ".ref"), "app\n");
        java.util.TreeMap<String, dev.tinyvol.messages.manifest.ManifestEntry> other = new java.util.TreeMap<>();
        other.put("srv", new DirEntry(0755, 0, 0));
        new ManifestStore(cas).save("app", new Manifest(2, "another image", other));

        PullReport again = pull(cas, image("test/oldrecord:1"), "app");
        assertFalse(again.cached());
        assertEquals(0, again.pulledLayers(), "made from the layer records");
        assertTrue(new ManifestStore(cas).load("app").entries().containsKey("srv/version"));
        assertFalse(Files.exists(tmp.resolve("cas/pulls/images/" + hex + ".ref")), "the old record is replaced");
        assertTrue(pull(cas, image("test/oldrecord:1"), "app").cached(), "and now it is up to date");
    }

    @Test
    void aDamagedLayerIsDigestMismatchNamesNoRefAndThePullResumesWithoutTheLayersItFinished() throws Exception {
        Layer good = TestImages.layer(Compression.GZIP, tar -> tar.file("good", "fine\n", 0644));
        Layer victim = TestImages.layer(Compression.GZIP, tar -> tar.file("victim", "x".repeat(10_000), 0644));
        TestImages.push(client, image("test/damaged:1"), List.of(good, victim), "amd64");
        Path stored = registry.blobFile(victim.digest());
        byte[] original = Files.readAllBytes(stored);
        byte[] damaged = original.clone();
        damaged[damaged.length / 2] ^= 0x55;
        Files.write(stored, damaged);
        Cas cas = Cas.create(tmp.resolve("cas"));
        try {
            TinyVolException e = assertThrows(TinyVolException.class, () -> pull(cas, image("test/damaged:1"), "damaged"));
            assertEquals(ErrorCode.DIGEST_MISMATCH, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains(victim.digest()), e.getMessage());
            assertFalse(new ManifestStore(cas).refs().contains("damaged"), "no ref names an unverified layer's files");
        } finally {
            Files.write(stored, original);
        }
        PullReport resumed = pull(cas, image("test/damaged:1"), "damaged");
        assertEquals(1, resumed.pulledLayers(), "the layer that finished is not downloaded again");
        assertEquals(victim.bytes().length, resumed.pulledBytes());
    }

    @Test
    void whatTheRegistryDoesNotHaveIsImageNotFound() {
        Cas cas = Cas.create(tmp.resolve("cas"));
        TinyVolException e = assertThrows(TinyVolException.class, () -> pull(cas, image("test/nosuch:1"), "nosuch"));
        assertEquals(ErrorCode.IMAGE_NOT_FOUND, e.code(), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cas/refs/nosuch.json")));
    }

    @Test
    void aRegistryThatIsNotThereIsUnavailableAfterRetries() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        TinyVolException e = assertThrows(TinyVolException.class, () -> new ImagePuller(cas, client, 1)
                .pull(ImageReference.parse("127.0.0.1:" + port + "/test/base:1"), "gone", "linux/amd64", Progress.NONE));
        assertEquals(ErrorCode.REGISTRY_UNAVAILABLE, e.code(), e.getMessage());
        assertTrue(e.code().isTransient());
        assertTrue(e.getMessage().contains("after " + RegistryClient.ATTEMPTS + " attempts (connection refused)"), e.getMessage());
    }

    @Test
    void referencesAreCheckedBeforeAnythingIsAsked() {
        for (String bad : List.of("debian:12", "Registry.example.com/UPPER:1", "example.com/a:b:c", "example.com/a@sha256:12")) {
            TinyVolException e = assertThrows(TinyVolException.class, () -> ImageReference.parse(bad), bad);
            assertEquals(ErrorCode.INVALID_IMAGE_REFERENCE, e.code());
        }
        ImageReference r = ImageReference.parse("registry.example.com:5000/base/debian:12");
        assertEquals("registry.example.com:5000", r.registry());
        assertEquals("base/debian", r.repository());
        assertTrue(r.defaultRefName().matches("base-debian-12-[0-9a-f]{32}"), r.defaultRefName());
        assertEquals("latest", ImageReference.parse("localhost/x").tag());
    }
}
