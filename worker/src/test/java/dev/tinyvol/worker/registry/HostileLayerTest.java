package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.testing.HostileRegistry;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Mount;
import dev.tinyvol.worker.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers, built here entry by entry (names kept exactly as written: absolute, with
 * {@code ..}), pushed to a real registry, and pulled by {@code tinyvol cas pull} in a JVM of its own
 * with the worker's shipped heap ({@code -Xmx128m}): each ends in a clear code or a correct tree,
 * nothing outside the CAS is touched, and memory stays bounded (a layer the budget did not stop
 * would end in an OutOfMemoryError there, not a code).
 */
class HostileLayerTest {

    static final String GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    static LocalRegistry registry;
    static RegistryClient client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.shared();
        client = new RegistryClient(RegistrySettings.DEFAULTS, RegistryAuth.ANONYMOUS);
    }

    @FunctionalInterface
    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    /** A gzip layer written as it is built (10 GB of zeros never sit in memory; only the compressed bytes do). */
    static TestImages.Layer layer(Entries entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            entries.write(tar);
        }
        return new TestImages.Layer(bytes.toByteArray(), GZIP);
    }

    /** An entry named exactly {@code name} (absolute names kept) with {@code size} bytes of {@code fill} as content. */
    static void entry(TarArchiveOutputStream tar, String name, byte type, int mode, String link, long size, byte fill)
            throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        if (link != null) {
            e.setLinkName(link);
        }
        e.setSize(size);
        tar.putArchiveEntry(e);
        if (size > 0) {
            byte[] chunk = new byte[(int) Math.min(size, 1 << 20)];
            Arrays.fill(chunk, fill);
            for (long left = size; left > 0; left -= chunk.length) {
                tar.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        tar.closeArchiveEntry();
    }

    /** A tar header block written as is: big numbers in binary (star mode), any type. */
    static byte[] header(String name, byte type, long size) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(0644);
        e.setSize(size);
        byte[] block = new byte[512];
        e.writeEntryHeader(block, org.apache.commons.compress.archivers.zip.ZipEncodingHelper.getZipEncoding("UTF-8"), true);
        return block;
    }

    /** One gzip member of {@code count} bytes of {@code fill} (gzip members may follow one another: RFC 1952). */
    static byte[] gzipMember(byte[] head, long count, byte fill, byte[] tail) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes)) {
            gz.write(head);
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, fill);
            for (long left = count; left > 0; left -= chunk.length) {
                gz.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            gz.write(tail);
        }
        return bytes.toByteArray();
    }

    /** Padding of a tar entry's content to whole 512-byte blocks. */
    static byte[] padding(long size) {
        return new byte[(int) ((512 - size % 512) % 512)];
    }

    static void file(TarArchiveOutputStream tar, String name, String content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setMode(mode);
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    record Pull(int exit, String err) {
    }

    /** {@code tinyvol cas pull} in a JVM of its own at the worker's shipped heap. */
    private Pull pull(String image, String ref) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                dev.tinyvol.worker.cli.TinyVolCli.class.getName(), "cas", "pull", image, "--cas", tmp.resolve("cas").toString(),
                "--ref", ref, "--json").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the pull ended");
            return new Pull(p.exitValue(), err.get());
        } finally {
            p.destroyForcibly();
        }
    }

    /** Pushes one layer as an image, pulls it; asserts it failed with {@code code} and touched nothing outside the CAS. */
    private Pull refused(String name, TestImages.Layer layer, String code) throws Exception {
        String image = registry.host() + "/hostile/" + name + ":1";
        TestImages.push(client, ImageReference.parse(image), List.of(layer), "amd64");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "keep\n");
        List<String> before = outsideCas();
        Pull pull = pull(image, name);
        assertEquals(1, pull.exit(), pull.err());
        assertTrue(pull.err().startsWith("tinyvol: " + code + ": "), pull.err());
        assertFalse(pull.err().contains("OutOfMemoryError"), pull.err());
        assertEquals(before, outsideCas(), "nothing outside the CAS changed");
        assertEquals("keep\n", Files.readString(outside.resolve("secret")));
        assertFalse(Files.exists(tmp.resolve("cas/refs/" + name + ".json")), "no ref names a refused layer's files");
        try (var left = Files.list(tmp.resolve("cas/tmp"))) {
            assertEquals(0, left.count(), "no partial file left in the CAS's tmp");
        }
        return pull;
    }

    private List<String> outsideCas() throws IOException {
        List<String> all = new java.util.ArrayList<>(Mount.snapshot(tmp));
        all.removeIf(line -> line.contains(tmp.resolve("cas").toString()));
        return all;
    }

    @Test
    void absolutePathsSetuidFilesAndDeviceNodesMakeACorrectTreeInsideTheCas() throws Exception {
        TestImages.Layer layer = layer(tar -> {
            file(tar, "/abs/file", "absolute\n", 0644);
            file(tar, "./bin/su", "setuid\n", 04755);
            entry(tar, "dev/null", TarConstants.LF_CHR, 0666, null, 0, (byte) 0);
            entry(tar, "dev/sda", TarConstants.LF_BLK, 0660, null, 0, (byte) 0);
            entry(tar, "run/fifo", TarConstants.LF_FIFO, 0600, null, 0, (byte) 0);
        });
        String image = registry.host() + "/hostile/benign:1";
        TestImages.push(client, ImageReference.parse(image), List.of(layer), "amd64");
        Files.createDirectories(tmp.resolve("outside"));
        List<String> before = outsideCas();
        Pull pull = pull(image, "benign");
        assertEquals(0, pull.exit(), pull.err());
        assertEquals(before, outsideCas(), "nothing outside the CAS changed");
        Manifest m = new ManifestStore(Cas.create(tmp.resolve("cas"))).load("benign");
        assertTrue(m.entries().containsKey("abs/file"), "an absolute name lands inside the tree: " + m.entries().keySet());
        assertEquals(04755, ((FileEntry) m.entries().get("bin/su")).mode());
        assertFalse(m.entries().containsKey("dev/null") || m.entries().containsKey("dev/sda") || m.entries().containsKey("run/fifo"),
                "device nodes and fifos are skipped: " + m.entries().keySet());
    }

    @Test
    void dotDotIsInvalidPath() throws Exception {
        refused("dotdot", layer(tar -> file(tar, "a/../../escape", "out\n", 0644)), "INVALID_PATH");
    }

    @Test
    void aSymlinkThenAFileThroughItIsRefusedAndNothingIsWrittenWhereItPoints() throws Exception {
        Path outside = tmp.resolve("outside");
        refused("through-symlink", layer(tar -> {
            entry(tar, "link", TarConstants.LF_SYMLINK, 0777, outside.toString(), 0, (byte) 0);
            file(tar, "link/planted", "planted\n", 0644);
        }), "PATH_CONFLICT");
        assertFalse(Files.exists(outside.resolve("planted")));
    }

    @Test
    void aHardLinkOutsideTheTreeIsRefused() throws Exception {
        refused("hardlink-up", layer(tar -> entry(tar, "hl", TarConstants.LF_LINK, 0644, "../outside/secret", 0, (byte) 0)),
                "INVALID_PATH");
        refused("hardlink-abs", layer(tar -> entry(tar, "hl", TarConstants.LF_LINK, 0644, tmp.resolve("outside/secret").toString(),
                0, (byte) 0)), "INVALID_PATH");
    }

    @Test
    void aHardLinkToALaterEntryIsRefused() throws Exception {
        refused("hardlink-later", layer(tar -> {
            entry(tar, "hl", TarConstants.LF_LINK, 0644, "later", 0, (byte) 0);
            file(tar, "later", "later\n", 0644);
        }), "INVALID_PATH");
    }

    @Test
    void tenGigabytesOfZerosStopAtTheRatioLimit() throws Exception {
        long t0 = System.nanoTime();
        // A tar of one 10 GB file of zeros, as gzip members one after another: the header, then the same member of
        // 100 MB of zeros a hundred times (built once, streaming), then the end-of-archive blocks.
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        gzip.write(gzipMember(header("zeros", TarConstants.LF_NORMAL, 10_000_000_000L), 0, (byte) 0, new byte[0]));
        byte[] hundredMegabytes = gzipMember(new byte[0], 100_000_000L, (byte) 0, new byte[0]);
        for (int i = 0; i < 100; i++) {
            gzip.write(hundredMegabytes);
        }
        gzip.write(gzipMember(new byte[0], 1024, (byte) 0, new byte[0]));
        TestImages.Layer zeros = new TestImages.Layer(gzip.toByteArray(), GZIP);
        System.out.printf("10 GB of zeros: %d bytes of gzip, built in %d s%n", zeros.bytes().length, (System.nanoTime() - t0) / 1_000_000_000L);
        Pull pull = refused("zeros", zeros, "LAYER_LIMIT_EXCEEDED");
        assertTrue(pull.err().contains("registry.layer.max.ratio"), pull.err());
        try (var objects = Files.walk(tmp.resolve("cas/objects"))) {
            assertTrue(objects.filter(Files::isRegularFile).allMatch(p -> p.toFile().length() < (100L << 20)), "no huge object stored");
        }
    }

    @Test
    void aMillionEntriesStopAtTheEntryLimit() throws Exception {
        Pull pull = refused("million", layer(tar -> {
            for (int i = 0; i < 1_000_000; i++) {
                entry(tar, "d/" + i + "/", TarConstants.LF_DIR, 0755, null, 0, (byte) 0);
            }
        }), "LAYER_LIMIT_EXCEEDED");
        assertTrue(pull.err().contains("registry.layer.max.entries"), pull.err());
    }

    @Test
    void paxHeadersAndLongNamesWithHugeValuesStopAtTheHeaderLimit() throws Exception {
        for (byte type : new byte[] {TarConstants.LF_PAX_EXTENDED_HEADER_LC, TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER,
                TarConstants.LF_GNUTYPE_LONGNAME}) {
            long value = 200_000_000L;
            // Written block by block: Commons Compress's writer makes its own PAX headers, not hostile ones.
            String prefix = type == TarConstants.LF_GNUTYPE_LONGNAME ? "" : (value + 16) + " path=";
            long size = prefix.length() + value + 1;
            byte[] tail = new byte[1 + padding(size).length];
            tail[0] = '\n';
            ByteArrayOutputStream end = new ByteArrayOutputStream();
            end.write(header("victim", TarConstants.LF_NORMAL, 2));
            end.write("v\n".getBytes(StandardCharsets.US_ASCII));
            end.write(padding(2));
            end.write(new byte[1024]);
            byte[] head = java.nio.ByteBuffer.allocate(512 + prefix.length()).put(header("././@PaxHeader", type, size))
                    .put(prefix.getBytes(StandardCharsets.US_ASCII)).array();
            ByteArrayOutputStream gzip = new ByteArrayOutputStream();
            gzip.write(gzipMember(head, value, (byte) 'a', tail));
            gzip.write(gzipMember(end.toByteArray(), 0, (byte) 0, new byte[0]));
            Pull pull = refused("pax-" + Character.toLowerCase((char) type), new TestImages.Layer(gzip.toByteArray(), GZIP), "LAYER_LIMIT_EXCEEDED");
            assertTrue(pull.err().contains("headers"), pull.err());
        }
    }

    @Test
    void aLayerLongerThanItsDescriptorIsCutThere() throws Exception {
        TestImages.Layer layer = layer(tar -> file(tar, "f", "content\n", 0644));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "c".repeat(64) + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"" + GZIP + "\",\"digest\":\"" + layer.digest() + "\",\"size\":" + layer.bytes().length + "}]}";
        try (HostileRegistry endless = HostileRegistry.plain((req, ex) -> {
            if (req.path().equals("/v2/")) {
                ex.respond(200, Map.of(), "");
            } else if (req.path().endsWith("/manifests/1")) {
                ex.respond(200, Map.of("Content-Type", "application/vnd.oci.image.manifest.v1+json"), manifest);
            } else {
                OutputStream out = ex.head(200, Map.of("Transfer-Encoding", "chunked"));
                byte[] more = new byte[64 * 1024];
                out.write((Integer.toHexString(layer.bytes().length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(layer.bytes());
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                while (true) { // and then without end
                    out.write((Integer.toHexString(more.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(more);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        })) {
            Files.createDirectories(tmp.resolve("outside"));
            List<String> before = outsideCas();
            Pull pull = pull(endless.host() + "/hostile/endless:1", "endless");
            assertEquals(1, pull.exit(), pull.err());
            assertTrue(pull.err().startsWith("tinyvol: LAYER_TOO_LARGE: "), pull.err());
            assertEquals(before, outsideCas());
        }
    }
}
