package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.MALFORMED_MANIFEST;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Reads manifests in both formats (v1: {@code objects}; v2: {@code entries}) and writes them in a
 * canonical form: keys sorted, defaults omitted. Unknown fields are ignored so newer writers can add
 * fields; duplicate keys are refused, since which of two values wins is not something to guess.
 */
public final class ManifestCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ManifestCodec() {
    }

    public static Manifest parse(byte[] json) {
        try (JsonParser parser = MAPPER.getFactory().createParser(json)) {
            return new ManifestReader(parser).read();
        } catch (JsonProcessingException e) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a manifest from a parsed JSON document, such as the {@code manifest} field of a request. */
    public static Manifest fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "a manifest must be a JSON object");
        }
        try (JsonParser parser = node.traverse(MAPPER)) {
            return new ManifestReader(parser).read();
        } catch (JsonProcessingException e) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The canonical JSON of a manifest: v1 for a v1 manifest, else v2; keys sorted; defaults left out. */
    public static byte[] toJson(Manifest manifest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + manifest.entries().size() * 128);
        write(manifest.name(), manifest.entries(), manifest.version(), out);
        return out.toByteArray();
    }

    /**
     * The manifest's identity: sha256 of its canonical v2 form, so the same tree written as v1 or v2,
     * with any whitespace or key order, has one identity.
     */
    public static String identity(Manifest manifest) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 + manifest.entries().size() * 128);
            write("", manifest.entries(), 2, out);
            return HexFormat.of().formatHex(sha.digest(out.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void write(String name, Map<String, ManifestEntry> entries, int version, OutputStream out) {
        try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
            gen.writeStartObject();
            if (version == 2) {
                gen.writeNumberField("version", 2);
            }
            gen.writeStringField("name", name);
            gen.writeObjectFieldStart(version == 1 ? "objects" : "entries");
            for (Map.Entry<String, ManifestEntry> e : entries.entrySet()) {
                if (version == 1) {
                    gen.writeStringField(e.getKey(), ((FileEntry) e.getValue()).digest());
                } else {
                    gen.writeObjectFieldStart(e.getKey());
                    writeEntry(gen, e.getValue());
                    gen.writeEndObject();
                }
            }
            gen.writeEndObject();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeEntry(JsonGenerator gen, ManifestEntry entry) throws IOException {
        if (entry instanceof FileEntry f) {
            gen.writeStringField("digest", f.digest());
            gen.writeStringField("mode", ManifestRules.formatMode(f.mode()));
            if (f.copy()) {
                gen.writeBooleanField("copy", true);
            }
        } else if (entry instanceof SymlinkEntry s) {
            gen.writeStringField("symlink", s.target());
        } else if (entry instanceof DirEntry d) {
            gen.writeBooleanField("dir", true);
            gen.writeStringField("mode", ManifestRules.formatMode(d.mode()));
        }
        if (entry.uid() != 0) {
            gen.writeNumberField("uid", entry.uid());
        }
        if (entry.gid() != 0) {
            gen.writeNumberField("gid", entry.gid());
        }
    }
}
