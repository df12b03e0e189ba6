package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.registry.ImageReference;
import dev.tinyvol.worker.registry.RegistryAuth;
import dev.tinyvol.worker.registry.RegistryClient;
import dev.tinyvol.worker.registry.RegistrySettings;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cas fsck} on real damage, made as a workload would make it: writes as root through a
 * volume's hard links. Each test prints the CAS's hashes before and after.
 */
class FsckTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aBlobDamagedThroughALinkIsFoundWithItsRefsAndVolumesAndRemadeFromASibling() throws Exception {
        Path src = tmp.resolve("src");
        write(src.resolve("etc/motd"), "welcome\n", 0644);
        write(src.resolve("usr/bin/motd"), "welcome\n", 0755); // the same content, another instance
        write(src.resolve("etc/unique"), "only here\n", 0644);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "base").exit());
        assertEquals(0, tinyvol("assemble", "--volume", "web-1", "--cas", cas, "--volumes", volumes, "--ref", "base").exit());
        assertEquals(0, tinyvol("assemble", "--volume", "web-2", "--cas", cas, "--volumes", volumes, "--ref", "base").exit());
        Map<String, String> before = hashes(cas);

        // As root, through web-1's link: the CAS's instance and web-2's file are the same inode.
        Files.writeString(volumes.resolve("web-1/etc/motd"), "defaced\n");
        Files.writeString(volumes.resolve("web-1/etc/unique"), "changed too\n");
        Map<String, String> damaged = hashes(cas);
        System.out.println("fsck test, CAS hashes before: " + before + "\n  after the writes: " + damaged);

        CliTest.Run check = tinyvol("cas", "fsck", "--cas", cas, "--volumes", volumes, "--json");
        assertEquals(3, check.exit(), "damage found: " + check.err());
        JsonNode report = JSON.readTree(check.out());
        assertEquals(3, report.get("instances").asInt());
        assertEquals(2, report.get("findings").size(), check.out());
        for (JsonNode f : report.get("findings")) {
            assertEquals("CONTENT", f.get("kind").asText(), f.toString());
            assertEquals("[\"base\"]", f.get("refs").toString(), "the ref that names it");
            assertEquals("[\"web-1\",\"web-2\"]", f.get("volumes").toString(), "the volumes built with it");
        }

        CliTest.Run repair = tinyvol("cas", "fsck", "--cas", cas, "--volumes", volumes, "--repair");
        System.out.println("fsck --repair:\n" + repair.out());
        assertEquals(3, repair.exit(), "the unique content has no intact copy anywhere: " + repair.out());
        assertTrue(repair.out().contains("re-made from its intact sibling"), repair.out());
        assertTrue(repair.out().contains("not repaired: no intact copy of " + Sha256.of(new java.io.ByteArrayInputStream(
                "only here\n".getBytes()))), repair.out());
        Map<String, String> after = hashes(cas);
        System.out.println("  after the repair: " + after);
        String motd = instanceOf(before, "0644", "welcome\n");
        assertEquals(before.get(motd), after.get(motd), "the damaged instance holds its content again");

        // The evidence stays: quarantine/ holds the damaged inode, which web-1 and web-2 still link.
        try (Stream<Path> aside = Files.list(cas.resolve("quarantine"))) {
            List<Path> kept = aside.toList();
            assertEquals(1, kept.size(), kept.toString());
            assertEquals("defaced\n", Files.readString(kept.get(0)));
            assertEquals(PosixFiles.lstat(kept.get(0)).inode(), PosixFiles.lstat(volumes.resolve("web-2/etc/motd")).inode());
        }
        CliTest.Run again = tinyvol("cas", "fsck", "--cas", cas, "--json");
        assertEquals(1, JSON.readTree(again.out()).get("findings").size(), "only the unrepairable one is left: " + again.out());
        // What fsck could not repair, assembly still refuses to link.
        CliTest.Run refused = tinyvol("assemble", "--volume", "web-3", "--cas", cas, "--volumes", volumes, "--ref", "base");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("tinyvol: BLOB_CORRUPT: "), refused.err());
    }

    @Test
    void aWrongModeOrATouchedMtimeOnGoodContentIsSetRightInPlace() throws Exception {
        Path src = tmp.resolve("src");
        write(src.resolve("bin/tool"), "#!/bin/sh\n", 0755);
        write(src.resolve("etc/conf"), "k=v\n", 0644);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "base").exit());
        assertEquals(0, tinyvol("assemble", "--volume", "v", "--cas", cas, "--volumes", volumes, "--ref", "base").exit());
        PosixFiles.chmod(volumes.resolve("v/bin/tool"), 0777);
        PosixFiles.setModifiedTime(volumes.resolve("v/etc/conf"), java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));

        JsonNode found = JSON.readTree(tinyvol("cas", "fsck", "--cas", cas, "--json").out());
        Map<String, String> kinds = new TreeMap<>();
        found.get("findings").forEach(f -> kinds.merge(f.get("kind").asText(), f.get("detail").asText(), (a, b) -> a + "; " + b));
        assertEquals(List.of("MODE", "MTIME"), List.copyOf(kinds.keySet()), found.toString());
        assertTrue(kinds.get("MODE").contains("mode 0777, not 0755"), kinds.toString());

        CliTest.Run repair = tinyvol("cas", "fsck", "--cas", cas, "--repair");
        assertEquals(0, repair.exit(), repair.out());
        assertEquals(0755, PosixFiles.lstat(volumes.resolve("v/bin/tool")).permissions());
        assertEquals(0, tinyvol("cas", "fsck", "--cas", cas).exit(), "clean after the repair");
        assertEquals(0, tinyvol("verify", "--volume", "v", "--cas", cas, "--volumes", volumes, "--deep").exit());
    }

    @Test
    void aPulledBlobWithNoSiblingIsDownloadedAgainFromTheRegistryItCameFrom() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        RegistryClient push = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
        TestImages.Layer layer = TestImages.layer(TestImages.Compression.ZSTD, tar -> tar
                .file("srv/www/index.html", "<h1>from the registry</h1>\n", 0644)
                .file("srv/www/other.html", "<p>other</p>\n", 0644));
        String image = registry.host() + "/fsck/site:1";
        TestImages.push(push, ImageReference.parse(image), List.of(layer), "amd64");
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("cas", "pull", image, "--cas", cas, "--ref", "site").exit());
        assertEquals(0, tinyvol("assemble", "--volume", "site-1", "--cas", cas, "--volumes", volumes, "--ref", "site").exit());
        Map<String, String> before = hashes(cas);
        Files.writeString(volumes.resolve("site-1/srv/www/index.html"), "<h1>pwned</h1>\n");

        CliTest.Run repair = tinyvol("cas", "fsck", "--cas", cas, "--volumes", volumes, "--repair");
        System.out.println("fsck --repair of a pulled blob:\n" + repair.out());
        assertEquals(0, repair.exit(), repair.out() + repair.err());
        assertTrue(repair.out().contains("re-pulled from " + image), repair.out());
        assertTrue(repair.out().contains("volumes: site-1"), repair.out());
        assertEquals(before, hashes(cas), "every instance hashes to its name again");
    }

    private static String instanceOf(Map<String, String> hashes, String mode, String content) throws Exception {
        String digest = Sha256.of(new java.io.ByteArrayInputStream(content.getBytes()));
        return hashes.keySet().stream().filter(n -> n.contains(digest) && n.contains("." + mode + ".")).findFirst().orElseThrow();
    }

    /** Every instance of the CAS and what its content hashes to now. */
    static Map<String, String> hashes(Path cas) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(cas.resolve("objects"))) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(p.getFileName().toString(), Sha256.of(p));
            }
        }
        return out;
    }

    private static void write(Path file, String content, int mode) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        PosixFiles.chmod(file, mode);
    }
}
