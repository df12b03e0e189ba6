package dev.tinyvol.worker.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Images checked by erofs-utils, an independent reader of the format: {@code fsck.erofs} must pass
 * every image clean, and {@code dump.erofs} must list what the manifest says: each directory's
 * entries in byte order ('.' and '..' among them), each inode's type, size and owner.
 */
class ErofsImageFsckTest {

    @TempDir
    Path tmp;

    @Test
    void anIngestedRootfsImagePassesFsckAndListsAsItsManifest() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "root", 2, Progress.NONE);
        Manifest m = new ManifestStore(cas).load("root");
        Path image = tmp.resolve("root.erofs");

        ImageSummary summary = new ErofsImageWriter(ContentSizes.of(cas)).write(m, image);

        ErofsTools.fsck(image);
        assertEquals(6, summary.files());
        assertEquals(2, summary.sharedXattrs(), "metacopy, and the redirect of the two copies of libx.so.1");
        assertImageListsAs(image, m, ContentSizes.of(cas), Integer.MAX_VALUE);

        // Redirects are the writer's: each names the entry's own instance, absolute, in the objects dir.
        String bytes = new String(Files.readAllBytes(image), StandardCharsets.ISO_8859_1);
        FileEntry su = (FileEntry) m.entries().get("usr/bin/su");
        String redirect = "/" + Cas.instanceName(BlobKey.of(su));
        assertTrue(redirect.matches("/[0-9a-f]{2}/[0-9a-f]{64}\\.4755\\.0\\.0"), redirect);
        assertTrue(bytes.contains("overlay.redirect" + redirect), "su's redirect names its setuid instance");
        assertFalse(bytes.contains(src.toString()), "nothing of the source path reaches the image");
    }

    @Test
    void anEmptyManifestIsARootOnlyImage() throws Exception {
        Path image = tmp.resolve("empty.erofs");
        ImageSummary s = new ErofsImageWriter(e -> 0).write(new Manifest(2, "", new TreeMap<>()), image);
        ErofsTools.fsck(image);
        assertEquals(List.of(1L, 4096L), List.of(s.inodes(), s.bytes()));
        assertImageListsAs(image, new Manifest(2, "", new TreeMap<>()), e -> 0, 10);
    }

    @Test
    void theImageIsAFunctionOfTheManifestAndSizes() throws Exception {
        GeneratedManifests.Generated g = GeneratedManifests.fuzz(11, 800);
        ErofsImageWriter writer = new ErofsImageWriter(g.contentSizes());
        Path a = tmp.resolve("a.erofs");
        Path b = tmp.resolve("b.erofs");
        writer.write(g.manifest(), a);
        new ErofsImageWriter(g.contentSizes()).write(new Manifest(2, "another name", new TreeMap<>(g.manifest().entries())), b);
        assertEquals(-1L, Files.mismatch(a, b), "the same entries give the same bytes: an image can be named by its manifest");
        ErofsTools.fsck(a);
    }

    @Test
    void usrShareDocImagePassesFsck() throws Exception {
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(Path.of("/usr/share/doc"), "doc", 2, Progress.NONE);
        Manifest m = new ManifestStore(cas).load("doc");
        Path image = tmp.resolve("doc.erofs");
        new ErofsImageWriter(ContentSizes.of(cas)).write(m, image);
        ErofsTools.fsck(image);
        assertImageListsAs(image, m, ContentSizes.of(cas), 150);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void generatedManifestsPassFsckAndListAsTheirManifest(long seed) throws Exception {
        GeneratedManifests.Generated g = GeneratedManifests.fuzz(seed, 1500);
        Path image = tmp.resolve("fuzz.erofs");

        ImageSummary summary = new ErofsImageWriter(g.contentSizes()).write(g.manifest(), image);

        ErofsTools.fsck(image);
        assertTrue(summary.extendedInodes() > 0, "big owners and sizes need extended inodes: " + summary);
        Matcher crowded = SIZE.matcher(ErofsTools.dump(image, "--path=/crowded"));
        assertTrue(crowded.find() && Long.parseLong(crowded.group(1)) > 3 * 4096, "a directory spans several blocks");
        assertImageListsAs(image, g.manifest(), g.contentSizes(), 120);
    }

    /** Each directory of the volume (the root is "") with the names it holds. */
    static Map<String, Set<String>> expectedChildren(Manifest m) {
        Map<String, Set<String>> children = new TreeMap<>();
        children.put("", new TreeSet<>());
        for (String dir : Manifest.directoriesOf(m.entries())) {
            children.put(dir, new TreeSet<>());
        }
        for (Map.Entry<String, ManifestEntry> e : m.entries().entrySet()) {
            if (e.getValue() instanceof DirEntry) {
                children.putIfAbsent(e.getKey(), new TreeSet<>());
            }
        }
        for (String path : new ArrayList<>(children.keySet())) {
            if (!path.isEmpty()) {
                int slash = path.lastIndexOf('/');
                children.get(slash < 0 ? "" : path.substring(0, slash)).add(path.substring(slash + 1));
            }
        }
        for (String path : m.entries().keySet()) {
            int slash = path.lastIndexOf('/');
            children.get(slash < 0 ? "" : path.substring(0, slash)).add(path.substring(slash + 1));
        }
        return children;
    }

    private static final Pattern LISTED = Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+(.*)$");
    private static final Pattern SIZE = Pattern.compile("Size: (\\d+)");
    private static final Pattern OWNER = Pattern.compile("Uid: (\\d+)\\s+Gid: (\\d+)\\s+Access: (\\d+)/");

    /**
     * Every directory (up to {@code sample} of them, chosen at random, with the root and the
     * largest) lists exactly its entries in byte order; as many entries show their type, size,
     * owner and (without setuid/setgid/sticky, which dump.erofs leaves out) mode.
     */
    static void assertImageListsAs(Path image, Manifest m, ContentSizes sizes, int sample) throws IOException {
        Map<String, Set<String>> children = expectedChildren(m);
        List<String> dirs = new ArrayList<>(children.keySet());
        Collections.shuffle(dirs, new Random(42));
        String largest = children.entrySet().stream().max(Map.Entry.comparingByValue((a, b) -> a.size() - b.size())).orElseThrow().getKey();
        List<String> chosen = new ArrayList<>(dirs.subList(0, Math.min(sample, dirs.size())));
        chosen.add("");
        chosen.add(largest);
        for (String dir : chosen) {
            List<String> listed = new ArrayList<>();
            for (String line : ErofsTools.dump(image, "--ls", "--path=/" + dir).split("\n")) {
                Matcher lm = LISTED.matcher(line);
                if (lm.matches() && !line.contains("NID")) {
                    listed.add(lm.group(3));
                }
            }
            List<String> expected = new ArrayList<>(children.get(dir));
            expected.add(".");
            expected.add("..");
            expected.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
            assertEquals(expected, listed, "entries of /" + dir + ", in byte order");
        }
        List<Map.Entry<String, ManifestEntry>> entries = new ArrayList<>(m.entries().entrySet());
        Collections.shuffle(entries, new Random(7));
        for (Map.Entry<String, ManifestEntry> e : entries.subList(0, Math.min(sample, entries.size()))) {
            String shown = ErofsTools.dump(image, "--path=/" + e.getKey());
            Matcher size = SIZE.matcher(shown);
            Matcher owner = OWNER.matcher(shown);
            assertTrue(size.find() && owner.find(), shown);
            long uid = Long.parseLong(owner.group(1));
            long gid = Long.parseLong(owner.group(2));
            int access = Integer.parseInt(owner.group(3), 8);
            switch (e.getValue()) {
                case FileEntry f -> {
                    assertTrue(shown.contains("regular file"), shown);
                    assertEquals(sizes.sizeOf(f), Long.parseLong(size.group(1)), e.getKey());
                    assertEquals(List.of(f.uid(), f.gid(), (long) (f.mode() & 0777)), List.of(uid, gid, (long) access), e.getKey());
                }
                case SymlinkEntry s -> {
                    assertTrue(shown.contains("symlink"), shown);
                    assertEquals(s.target().getBytes(StandardCharsets.UTF_8).length, Long.parseLong(size.group(1)), e.getKey());
                    assertEquals(List.of(s.uid(), s.gid()), List.of(uid, gid), e.getKey());
                }
                case DirEntry d -> {
                    assertTrue(shown.contains("directory"), shown);
                    assertEquals(List.of(d.uid(), d.gid(), (long) (d.mode() & 0777)), List.of(uid, gid, (long) access), e.getKey());
                }
            }
        }
    }
}
