package dev.tinyvol.messages.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {

    static final String A = "a".repeat(64);
    static final String B = "b".repeat(64);

    static Manifest parse(String json) {
        return ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsV1AsPlainFilesLinkedToBareBlobs() {
        Manifest m = parse("{\"name\":\"nginx-1.27\",\"objects\":{\"etc/nginx/nginx.conf\":\"" + A + "\",\"usr/sbin/nginx\":\"" + B + "\"}}");
        assertEquals(1, m.version());
        assertEquals("nginx-1.27", m.name());
        assertEquals(new FileEntry(A, 0444, 0, 0), m.entries().get("etc/nginx/nginx.conf"));
        assertEquals(2, m.fileCount());
    }

    @Test
    void readsEveryV2EntryKind() {
        Manifest m = parse("""
                { "version": 2, "name": "nginx-1.27", "extra": "ignored", "entries": {
                  "usr/sbin/nginx":       { "digest": "%s", "mode": "0755" },
                  "usr/bin/sudo":         { "digest": "%s", "mode": "4755", "uid": 0, "gid": 0 },
                  "etc/nginx/nginx.conf": { "digest": "%s", "mode": "0644", "uid": 0, "gid": 0 },
                  "usr/lib/libpcre.so":   { "symlink": "libpcre.so.3" },
                  "var/cache/nginx":      { "dir": true, "mode": "0700", "uid": 101, "gid": 101 } } }
                """.formatted(A, B, A));
        assertEquals(2, m.version());
        assertEquals(new FileEntry(A, 0755, 0, 0), m.entries().get("usr/sbin/nginx"));
        assertEquals(04755, ((FileEntry) m.entries().get("usr/bin/sudo")).mode());
        assertEquals(new SymlinkEntry("libpcre.so.3"), m.entries().get("usr/lib/libpcre.so"));
        assertEquals(new DirEntry(0700, 101, 101), m.entries().get("var/cache/nginx"));
    }

    @Test
    void aCopyEntryRoundTripsChangesTheIdentityAndIsForFilesOnly() {
        Manifest linked = parse("{\"version\":2,\"entries\":{\"etc/machine-id\":{\"digest\":\"" + A + "\"}}}");
        Manifest copied = parse("{\"version\":2,\"entries\":{\"etc/machine-id\":{\"digest\":\"" + A + "\",\"copy\":true}}}");
        assertTrue(((FileEntry) copied.entries().get("etc/machine-id")).copy());
        assertEquals(copied, ManifestCodec.parse(ManifestCodec.toJson(copied)));
        assertTrue(new String(ManifestCodec.toJson(copied), StandardCharsets.UTF_8).contains("\"copy\":true"));
        assertNotEquals(ManifestCodec.identity(linked), ManifestCodec.identity(copied), "copying is part of what a tree is");
        ManifestException onDir = problem("{\"version\":2,\"entries\":{\"var\":{\"dir\":true,\"copy\":true}}}");
        assertEquals("entries[\"var\"].copy", onDir.field());
        ManifestException notBool = problem("{\"version\":2,\"entries\":{\"a\":{\"digest\":\"" + A + "\",\"copy\":\"yes\"}}}");
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, notBool.problem());
    }

    @Test
    void canonicalFormRoundTripsAndIgnoresLayout() {
        Manifest m = parse("{\"version\":2,\"name\":\"x\",\"entries\":{\"b\":{\"symlink\":\"/abs/target\"},"
                + "\"a/f\":{\"digest\":\"" + A + "\",\"mode\":\"0600\",\"uid\":7}}}");
        byte[] canonical = ManifestCodec.toJson(m);
        assertEquals(m, ManifestCodec.parse(canonical));
        Manifest reordered = parse("{ \"entries\" : { \"a/f\" : {\"uid\":7, \"mode\":\"600\", \"digest\":\"" + A
                + "\"}, \"b\": {\"symlink\":\"/abs/target\"} }, \"name\": \"other name\", \"version\": 2 }");
        assertEquals(ManifestCodec.identity(m), ManifestCodec.identity(reordered));
    }

    @Test
    void sameTreeInV1AndV2HasOneIdentity() {
        Manifest v1 = parse("{\"objects\":{\"f\":\"" + A + "\"}}");
        Manifest v2 = parse("{\"version\":2,\"entries\":{\"f\":{\"digest\":\"" + A + "\",\"mode\":\"0444\"}}}");
        assertEquals(ManifestCodec.identity(v1), ManifestCodec.identity(v2));
        Manifest other = parse("{\"version\":2,\"entries\":{\"f\":{\"digest\":\"" + A + "\",\"mode\":\"0644\"}}}");
        assertNotEquals(ManifestCodec.identity(v1), ManifestCodec.identity(other));
    }

    @Test
    void v1RoundTripsAsV1() {
        Manifest v1 = parse("{\"name\":\"n\",\"objects\":{\"f\":\"" + A + "\"}}");
        String json = new String(ManifestCodec.toJson(v1), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"objects\""), json);
        assertEquals(v1, ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void emptyManifestIsAllowed() {
        assertTrue(parse("{\"version\":2,\"entries\":{}}").entries().isEmpty());
    }

    @Test
    void refusesWhatIsNotJsonOrNotAManifest() {
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, problem("not json").problem());
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, problem("[1,2]").problem());
        ManifestException noObjects = problem("{\"name\":\"x\"}");
        assertEquals("objects", noObjects.field());
        ManifestException noEntries = problem("{\"version\":2}");
        assertEquals("entries", noEntries.field());
        assertEquals(ManifestException.Problem.UNSUPPORTED_MANIFEST_VERSION, problem("{\"version\":3,\"entries\":{}}").problem());
    }

    @Test
    void refusesDuplicateKeys() {
        ManifestException e = problem("{\"objects\":{\"f\":\"" + A + "\",\"f\":\"" + B + "\"}}");
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, e.problem());
        assertTrue(e.getMessage().contains("Duplicate"), e.getMessage());
    }

    @Test
    void entryNeedsExactlyOneKind() {
        ManifestException none = problem(v2("\"x\"", "{\"mode\":\"0644\"}"));
        assertEquals("entries[\"x\"]", none.field());
        ManifestException two = problem(v2("\"x\"", "{\"digest\":\"" + A + "\",\"symlink\":\"y\"}"));
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, two.problem());
        assertEquals(ManifestException.Problem.MALFORMED_MANIFEST, problem(v2("\"x\"", "{\"dir\":false}")).problem());
    }

    @Test
    void refusesBadDigestsNamingTheEntry() {
        for (String digest : new String[] {"a".repeat(63), "a".repeat(65), "A".repeat(64), "aa/" + "a".repeat(61),
                "g".repeat(64), "../" + "a".repeat(61), ""}) {
            ManifestException e = problem(v2("\"usr/bin/x\"", "{\"digest\":\"" + digest + "\"}"));
            assertEquals(ManifestException.Problem.INVALID_DIGEST, e.problem(), digest);
            assertEquals("entries[\"usr/bin/x\"].digest", e.field());
        }
        ManifestException v1 = problem("{\"objects\":{\"f\":\"" + "A".repeat(64) + "\"}}");
        assertEquals(ManifestException.Problem.INVALID_DIGEST, v1.problem());
        assertEquals("objects[\"f\"]", v1.field());
        assertEquals(ManifestException.Problem.INVALID_DIGEST, problem(v2("\"f\"", "{\"digest\":12}")).problem());
    }

    @Test
    void refusesModesThatAreNotOctalPermissionBits() {
        for (String mode : new String[] {"\"0999\"", "\"rwxr-xr-x\"", "\"17777\"", "\"0o755\"", "\"-1\"", "755", "\"\"", "\"07\""}) {
            ManifestException e = problem(v2("\"f\"", "{\"digest\":\"" + A + "\",\"mode\":" + mode + "}"));
            assertEquals(ManifestException.Problem.INVALID_MODE, e.problem(), mode);
            assertEquals("entries[\"f\"].mode", e.field());
        }
        assertEquals(07777, ((FileEntry) parse(v2("\"f\"", "{\"digest\":\"" + A + "\",\"mode\":\"7777\"}")).entries().get("f")).mode());
    }

    @Test
    void refusesBadOwners() {
        assertEquals(ManifestException.Problem.INVALID_OWNER, problem(v2("\"f\"", "{\"digest\":\"" + A + "\",\"uid\":-1}")).problem());
        assertEquals(ManifestException.Problem.INVALID_OWNER, problem(v2("\"f\"", "{\"digest\":\"" + A + "\",\"gid\":\"0\"}")).problem());
        assertEquals(ManifestException.Problem.INVALID_OWNER, problem(v2("\"f\"", "{\"digest\":\"" + A + "\",\"uid\":4294967295}")).problem());
    }

    @Test
    void refusesHostilePaths() {
        String[] paths = {"..", "../etc/passwd", "a/../../etc", "a/..", "a/../b", "/etc/passwd", "", "a//b", "a/", "./a", "a/./b",
                "a\\u0000b", "x".repeat(256), ("abc/").repeat(1000) + "f"};
        for (String path : paths) {
            ManifestException e = problem(v2("\"" + path + "\"", "{\"digest\":\"" + A + "\"}"));
            assertEquals(ManifestException.Problem.INVALID_PATH, e.problem(), path);
            assertTrue(e.field().startsWith("entries["), e.field());
            ManifestException v1 = problem("{\"objects\":{\"" + path + "\":\"" + A + "\"}}");
            assertEquals(ManifestException.Problem.INVALID_PATH, v1.problem(), path);
            assertTrue(v1.field().startsWith("objects["), v1.field());
        }
    }

    @Test
    void refusesAPathThatIsBothFileAndDirectory() {
        ManifestException e = problem("{\"objects\":{\"a\":\"" + A + "\",\"a/b\":\"" + B + "\"}}");
        assertEquals(ManifestException.Problem.PATH_CONFLICT, e.problem());
        assertTrue(e.getMessage().contains("both a file and a directory"), e.getMessage());
    }

    @Test
    void refusesAnEntryBelowASymlinkEntry() {
        ManifestException e = problem("{\"version\":2,\"entries\":{\"etc\":{\"symlink\":\"/etc\"},"
                + "\"etc/passwd\":{\"digest\":\"" + A + "\"}}}");
        assertEquals(ManifestException.Problem.PATH_CONFLICT, e.problem());
        assertEquals("entries[\"etc/passwd\"]", e.field());
        assertTrue(e.getMessage().contains("below the symlink entry \"etc\""), e.getMessage());
        ManifestException deeper = problem("{\"version\":2,\"entries\":{\"a/l\":{\"symlink\":\"../..\"},"
                + "\"a/l/b/c\":{\"dir\":true}}}");
        assertEquals(ManifestException.Problem.PATH_CONFLICT, deeper.problem());
    }

    @Test
    void refusesBadSymlinkTargets() {
        assertEquals(ManifestException.Problem.INVALID_SYMLINK, problem(v2("\"l\"", "{\"symlink\":\"\"}")).problem());
        assertEquals(ManifestException.Problem.INVALID_SYMLINK, problem(v2("\"l\"", "{\"symlink\":\"a\\u0000b\"}")).problem());
        assertEquals(ManifestException.Problem.INVALID_SYMLINK, problem(v2("\"l\"", "{\"symlink\":7}")).problem());
    }

    @Test
    void directoriesMayHoldEntries() {
        Manifest m = parse("{\"version\":2,\"entries\":{\"d\":{\"dir\":true,\"mode\":\"0700\"},\"d/f\":{\"digest\":\"" + A + "\"}}}");
        assertInstanceOf(DirEntry.class, m.entries().get("d"));
        assertEquals(0644, ((FileEntry) m.entries().get("d/f")).mode());
    }

    private static String v2(String key, String entry) {
        return "{\"version\":2,\"entries\":{" + key + ":" + entry + "}}";
    }

    private static ManifestException problem(String json) {
        return assertThrows(ManifestException.class, () -> parse(json));
    }
}
