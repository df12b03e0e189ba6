package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.Names;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 1: the tree a pull names is the image it says. A tag rolled back to an earlier
 * image gives the earlier tree; default ref names never let two images share a ref.
 */
class PullIdentityTest {

    private static final Pattern AS = Pattern.compile(" as (\\S+)");

    @TempDir
    Path tmp;

    private static final RegistryClient PUSH = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);

    private static TestImages.Layer site(String text) {
        return TestImages.layer(TestImages.Compression.GZIP, tar -> tar.dir("srv", 0755).file("srv/version", text, 0644));
    }

    private static String refOf(CliTest.Run run) {
        Matcher m = AS.matcher(run.out());
        assertTrue(m.find(), run.out());
        return m.group(1);
    }

    private static String version(Path cas, String ref) {
        FileEntry f = (FileEntry) new ManifestStore(Cas.open(cas)).load(ref).entries().get("srv/version");
        return f.digest();
    }

    private static String digestOf(String text) {
        return TestImages.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring("sha256:".length());
    }

    @Test
    void aTagRolledBackToTheEarlierImageGivesTheEarlierTree() {
        LocalRegistry registry = LocalRegistry.shared();
        String image = registry.host() + "/rollback/app:latest";
        ImageReference ref = ImageReference.parse(image);
        Path cas = tmp.resolve("cas");
        StringBuilder log = new StringBuilder();

        TestImages.Layer a = site("A\n"); // the same bytes both times: the same image digest
        String digestA = TestImages.push(PUSH, ref, List.of(a), "amd64").digest();
        CliTest.Run first = tinyvol("cas", "pull", image, "--cas", cas);
        assertEquals(0, first.exit(), first.err());
        log.append("$ tinyvol cas pull ").append(image).append("   # A pushed\n").append(first.out());

        TestImages.push(PUSH, ref, List.of(site("B\n")), "amd64");
        CliTest.Run second = tinyvol("cas", "pull", image, "--cas", cas);
        assertEquals(0, second.exit(), second.err());
        log.append("$ tinyvol cas pull ").append(image).append("   # B pushed under the tag\n").append(second.out());
        assertEquals(digestOf("B\n"), version(cas, refOf(second)));

        assertEquals(digestA, TestImages.push(PUSH, ref, List.of(a), "amd64").digest());
        CliTest.Run third = tinyvol("cas", "pull", image, "--cas", cas);
        assertEquals(0, third.exit(), third.err());
        log.append("$ tinyvol cas pull ").append(image).append("   # A pushed under the tag again\n").append(third.out());
        System.out.println("rollback A -> B -> A through cas pull:\n" + log);

        assertEquals(refOf(first), refOf(third), "the same reference, the same default ref");
        assertEquals(digestOf("A\n"), version(cas, refOf(third)), "the ref holds A's tree again:\n" + log);
        assertTrue(third.out().contains("pulled "), "the ref was written again, not called up to date:\n" + log);
        assertTrue(third.out().contains("0 downloaded of 1"), "from the layer records, nothing downloaded:\n" + log);

        // And now it is up to date, truly.
        CliTest.Run fourth = tinyvol("cas", "pull", image, "--cas", cas);
        assertTrue(fourth.out().startsWith("up to date: "), fourth.out());
        assertEquals(digestOf("A\n"), version(cas, refOf(fourth)));
        CliTest.Run json = tinyvol("cas", "pull", image, "--cas", cas, "--json");
        assertTrue(json.out().contains("\"manifestId\"") && !json.out().contains("\"manifest\""),
                "the tree's identity, not the tree: " + json.out());
    }

    @Test
    void oneRepositoryNameOnTwoRegistriesGetsTwoRefs() {
        try (LocalRegistry other = LocalRegistry.start()) {
            LocalRegistry registry = LocalRegistry.shared();
            String here = registry.host() + "/twice/app:1";
            String there = other.host() + "/twice/app:1";
            TestImages.push(PUSH, ImageReference.parse(here), List.of(site("here\n")), "amd64");
            TestImages.push(PUSH, ImageReference.parse(there), List.of(site("there\n")), "amd64");
            Path cas = tmp.resolve("cas");
            CliTest.Run a = tinyvol("cas", "pull", here, "--cas", cas);
            CliTest.Run b = tinyvol("cas", "pull", there, "--cas", cas);
            assertEquals(0, a.exit(), a.err());
            assertEquals(0, b.exit(), b.err());
            assertNotEquals(refOf(a), refOf(b), a.out() + b.out());
            assertEquals(digestOf("here\n"), version(cas, refOf(a)));
            assertEquals(digestOf("there\n"), version(cas, refOf(b)));
        }
    }

    @Test
    void aNestedRepositoryAndATagWithADashGetTwoRefs() throws java.io.IOException {
        LocalRegistry registry = LocalRegistry.shared();
        String nested = registry.host() + "/a/b:c";
        String dashed = registry.host() + "/a:b-c";
        TestImages.push(PUSH, ImageReference.parse(nested), List.of(site("nested\n")), "amd64");
        TestImages.push(PUSH, ImageReference.parse(dashed), List.of(site("dashed\n")), "amd64");
        Path cas = tmp.resolve("cas");
        CliTest.Run a = tinyvol("cas", "pull", nested, "--cas", cas);
        CliTest.Run b = tinyvol("cas", "pull", dashed, "--cas", cas);
        assertEquals(0, a.exit(), a.err());
        assertEquals(0, b.exit(), b.err());
        assertNotEquals(refOf(a), refOf(b), a.out() + b.out());
        assertEquals(digestOf("nested\n"), version(cas, refOf(a)));
        assertEquals(digestOf("dashed\n"), version(cas, refOf(b)));

        // gc drops the tree record of an image whose ref is gone, and keeps the other's.
        assertEquals(0, tinyvol("cas", "refs", "rm", refOf(a), "--cas", cas).exit());
        CliTest.Run gc = tinyvol("cas", "gc", "--cas", cas, "--volumes", java.nio.file.Files.createDirectories(tmp.resolve("no-volumes")), "--min-age", "0s");
        assertEquals(0, gc.exit(), gc.err());
        try (var trees = java.nio.file.Files.list(cas.resolve("pulls/trees"))) {
            assertEquals(1, trees.count(), "the record of the removed ref's image is pruned");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void defaultRefNamesAreReadableValidAndDifferWhereverTheReferencesDo() {
        List<String> references = List.of("reg.example.com/a/b:c", "reg.example.com/a:b-c", "reg.example.com:5000/a/b:c",
                "other.example.com/a/b:c", "reg.example.com/a/b:C", "reg.example.com/a_b:c", "reg.example.com/a-b:c",
                "reg.example.com/a.b:c", "reg.example.com/a/b@sha256:" + "0".repeat(64),
                "reg.example.com/a/b:c@sha256:" + "0".repeat(64), "localhost/" + "x/".repeat(60) + "y:" + "t".repeat(128));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String r : references) {
            String name = ImageReference.parse(r).defaultRefName();
            assertEquals(null, Names.problemWith(name), r + " -> " + name);
            assertTrue(names.add(name), r + " -> " + name + " is taken");
        }
        String name = ImageReference.parse("registry.example.com:5000/base/debian:12").defaultRefName();
        assertTrue(name.startsWith("base-debian-12-"), name);
        assertEquals(name, ImageReference.parse("Registry.Example.com:5000/base/debian:12").defaultRefName(),
                "a host is case-insensitive, so its name too");
    }
}
