package dev.tinyvol.worker.erofs;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Manifests made up for the writer's tests and benchmark, with sizes per digest and no real blobs:
 * a seeded random one full of edge cases, and the benchmark's 100,000-file tree.
 */
final class GeneratedManifests {

    private GeneratedManifests() {
    }

    record Generated(Manifest manifest, Map<String, Long> sizes) {
        ContentSizes contentSizes() {
            return entry -> sizes.get(entry.digest());
        }
    }

    private static final int[] MODES = {0644, 0755, 0600, 0444, 04755, 02755, 06755, 01777, 01755, 07777, 0000, 0640};
    private static final long[] OWNERS = {0, 0, 0, 1, 1000, 65534, 65535, 65536, 100_000, 3_000_000_000L, 4_294_967_294L};
    /** Characters that sort before and after '.', multi-byte ones, none that dump.erofs's listing would split. */
    private static final String[] NAME_CHARS = {"a", "b", "z", "0", "9", "-", "!", "+", "_", "~", "A", "é", "日", "🙂", ",", "="};

    /**
     * A random manifest of about {@code entries} entries: deep chains, names up to 255 bytes, one
     * directory of 1,500 entries (several blocks), big owners, setuid/setgid/sticky, symlinks with
     * targets up to 4,095 bytes, empty files and directories, files over 4 GiB, shared content.
     */
    static Generated fuzz(long seed, int entries) {
        Random r = new Random(seed);
        TreeMap<String, ManifestEntry> m = new TreeMap<>();
        Map<String, Long> sizes = new HashMap<>();
        List<String> digests = new ArrayList<>();
        List<String> dirs = new ArrayList<>(List.of(""));
        String crowded = "crowded";
        dirs.add(crowded);
        while (m.size() < entries) {
            int kind = r.nextInt(100);
            String parent = kind < 15 ? crowded : dirs.get(r.nextInt(dirs.size()));
            String path = join(parent, name(r));
            if (m.containsKey(path) || dirs.contains(path) || bytes(path) > 3500) {
                continue;
            }
            if (kind < 60) {
                String digest;
                if (!digests.isEmpty() && r.nextInt(10) < 3) {
                    digest = digests.get(r.nextInt(digests.size()));
                } else {
                    byte[] d = new byte[32];
                    r.nextBytes(d);
                    digest = HexFormat.of().formatHex(d);
                    digests.add(digest);
                    int s = r.nextInt(100);
                    sizes.put(digest, s < 10 ? 0L : s < 13 ? 5_000_000_000L + r.nextInt(1000) : s < 14 ? (1L << 44) + 3 : 1L + r.nextInt(100_000));
                }
                m.put(path, new FileEntry(digest, pick(r, MODES), pickOwner(r), pickOwner(r)));
            } else if (kind < 75) {
                m.put(path, new SymlinkEntry(target(r), pickOwner(r), pickOwner(r)));
            } else if (kind < 95) {
                dirs.add(path);
                if (r.nextBoolean()) {
                    m.put(path, new DirEntry(pick(r, MODES), pickOwner(r), pickOwner(r)));
                }
            } else {
                StringBuilder deep = new StringBuilder(parent);
                for (int i = 0, depth = 5 + r.nextInt(60); i < depth && bytes(deep.toString()) < 3400; i++) {
                    deep.append(deep.isEmpty() ? "" : "/").append("d").append(i);
                }
                String leaf = join(deep.toString(), "leaf");
                if (!m.containsKey(deep.toString()) && !m.containsKey(leaf) && !m.containsKey(parent)) {
                    m.put(leaf, new DirEntry(0700, 0, 0));
                }
            }
        }
        // an empty directory, a long-named file and a 4,095-byte symlink target, every time
        m.put("empty-dir", new DirEntry(0755, 0, 0));
        m.put("crowded/" + "n".repeat(255), new SymlinkEntry("t".repeat(4095), 0, 0));
        return new Generated(new Manifest(2, "fuzz-" + seed, m), sizes);
    }

    /**
     * The benchmark's tree: {@code files} files 1–16 KB in {@code dirs} directories (50 top-level
     * ones), 30% of the files sharing content drawn from a pool, mode 0644, root.
     */
    static Generated benchTree(int files, int dirs, long seed) {
        Random r = new Random(seed);
        TreeMap<String, ManifestEntry> m = new TreeMap<>();
        Map<String, Long> sizes = new HashMap<>();
        List<String> pool = new ArrayList<>();
        int top = 50;
        int perTop = dirs / top;
        for (int i = 0; i < files; i++) {
            int leaf = i % (top * perTop);
            String dir = String.format("usr%02d/lib-%04d", leaf / perTop, leaf % perTop);
            String digest;
            if (r.nextInt(10) < 3 && pool.size() >= 5000) {
                digest = pool.get(r.nextInt(pool.size()));
            } else {
                byte[] d = new byte[32];
                r.nextBytes(d);
                digest = HexFormat.of().formatHex(d);
                sizes.put(digest, 1024L + r.nextInt(15 * 1024));
                if (pool.size() < 5000) {
                    pool.add(digest);
                }
            }
            m.put(dir + String.format("/file-%06d.dat", i), new FileEntry(digest, 0644, 0, 0));
        }
        return new Generated(new Manifest(2, "bench", m), sizes);
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String join(String parent, String name) {
        return parent.isEmpty() ? name : parent + "/" + name;
    }

    private static String name(Random r) {
        int budget = r.nextInt(20) == 0 ? 255 : 1 + r.nextInt(r.nextBoolean() ? 12 : 255);
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        while (true) {
            String c = NAME_CHARS[r.nextInt(NAME_CHARS.length)];
            int n = c.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > budget) {
                break;
            }
            b.append(c);
            bytes += n;
        }
        String s = b.isEmpty() ? "x" : b.toString();
        return s.equals(".") || s.equals("..") ? s + "x" : s;
    }

    private static String target(Random r) {
        int length = r.nextInt(8) == 0 ? 3000 + r.nextInt(1096) : 1 + r.nextInt(200);
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            b.append(r.nextBoolean() ? "/" : "").append("seg").append(r.nextInt(1000));
        }
        return b.substring(0, length);
    }

    private static int pick(Random r, int[] values) {
        return values[r.nextInt(values.length)];
    }

    private static long pickOwner(Random r) {
        return OWNERS[r.nextInt(OWNERS.length)];
    }
}
