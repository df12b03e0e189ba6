package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cas push}: a ref published as an OCI image comes back whole through a pull, any OCI tool
 * can unpack it ({@code skopeo copy} + {@code umoci unpack}), and a new version of the tree uploads
 * (and a node downloads) only the layers whose files changed.
 */
class RegistryPushTest {

    @TempDir
    Path tmp;

    @Test
    void aPushedRefPullsBackWholeAndOnlyChangedLayersMove() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas origin = Cas.create(tmp.resolve("origin"));
        new Ingester(origin, 2).ingest(src, "tree", 2, Progress.NONE);
        Manifest v1 = new ManifestStore(origin).load("tree");

        ImageReference tag1 = ImageReference.parse(registry.host() + "/pushed/tree:1");
        ImagePusher.PushReport first = new ImagePusher(origin, client).push(v1, tag1, Progress.NONE);
        assertTrue(first.layers() >= 2, "one layer per top-level directory: " + first);
        assertEquals(first.layers(), first.uploadedLayers());

        // Back through a pull, into a node that has nothing: the same manifest, entry for entry.
        Cas node = Cas.create(tmp.resolve("node"));
        new ImagePuller(node, client, 2).pull(tag1, "tree", "linux/amd64", Progress.NONE);
        assertEquals(v1.entries(), new ManifestStore(node).load("tree").entries());

        // The same ref again: reproducible layers, so nothing is uploaded and the digest is the same.
        ImagePusher.PushReport again = new ImagePusher(origin, client).push(v1, tag1, Progress.NONE);
        assertEquals(0, again.uploadedLayers());
        assertEquals(first.manifestDigest(), again.manifestDigest());

        // One top-level directory changes: one layer moves each way.
        Files.writeString(src.resolve("etc/motd"), "version 2\n");
        new Ingester(origin, 2).ingest(src, "tree-2", 2, Progress.NONE);
        ImageReference tag2 = ImageReference.parse(registry.host() + "/pushed/tree:2");
        ImagePusher.PushReport second = new ImagePusher(origin, client).push(new ManifestStore(origin).load("tree-2"), tag2,
                Progress.NONE);
        assertEquals(1, second.uploadedLayers(), second.toString());
        PullReport update = new ImagePuller(node, client, 2).pull(tag2, "tree-2", "linux/amd64", Progress.NONE);
        assertEquals(1, update.pulledLayers(), update.toString());

        // Any OCI tool can pull it: skopeo copies it to a layout, umoci unpacks it, and it is the source tree.
        String layout = tmp.resolve("layout").toString();
        Mount.run("skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + tag2, "oci:" + layout + ":t");
        Mount.run("umoci", "unpack", "--image", layout + ":t", tmp.resolve("bundle").toString());
        String rootfs = tmp.resolve("bundle/rootfs").toString();
        assertEquals("", Mount.run("diff", "-r", "--no-dereference", src.toString(), rootfs));
        String format = "%y %m %U %G %l %P\\n";
        assertEquals(Mount.run("sh", "-c", "cd " + src + " && find . -mindepth 1 -printf '" + format + "' | sort"),
                Mount.run("sh", "-c", "cd " + rootfs + " && find . -mindepth 1 -printf '" + format + "' | sort"));

        CliTest.Run cli = CliTest.tinyvol("cas", "push", "tree", registry.host() + "/pushed/tree:cli", "--cas", origin.root());
        assertEquals(0, cli.exit(), cli.err());
        assertTrue(cli.out().contains("0 uploaded of " + first.layers()), "every layer already there: " + cli.out());
    }
}
