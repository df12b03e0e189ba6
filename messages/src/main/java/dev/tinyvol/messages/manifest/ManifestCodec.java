package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.MALFORMED_MANIFEST;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.UNSUPPORTED_MANIFEST_VERSION;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

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

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static Manifest parse(byte[] json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fromJson(node);
    }

    /** Reads a manifest from a parsed JSON document, such as the {@code manifest} field of a request. */
    public static Manifest fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "a manifest must be a JSON object");
        }
        int version = readVersion(node.get("version"));
        String name = optionalText(node, "name");
        if (version == 1) {
            JsonNode objects = node.get("objects");
            if (objects == null || !objects.isObject()) {
                throw new ManifestException(MALFORMED_MANIFEST, "objects",
                        "a v1 manifest needs an \"objects\" object of path → digest (or say \"version\": 2 and give \"entries\")");
            }
            TreeMap<String, String> files = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = objects.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String field = "objects[" + ManifestRules.quote(e.getKey()) + "]";
                if (!e.getValue().isTextual()) {
                    throw new ManifestException(ManifestException.Problem.INVALID_DIGEST, field, "must be a digest string");
                }
                ManifestRules.requirePath(e.getKey());
                ManifestRules.requireDigest(e.getValue().textValue(), field);
                files.put(e.getKey(), e.getValue().textValue());
            }
            return Manifest.v1(name, files);
        }
        JsonNode entries = node.get("entries");
        if (entries == null || !entries.isObject()) {
            throw new ManifestException(MALFORMED_MANIFEST, "entries", "a v2 manifest needs an \"entries\" object of path → entry");
        }
        TreeMap<String, ManifestEntry> parsed = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ManifestRules.requirePath(e.getKey());
            String field = "entries[" + ManifestRules.quote(e.getKey()) + "]";
            try {
                parsed.put(e.getKey(), readEntry(e.getValue()));
            } catch (ManifestException problem) {
                throw problem.under(field);
            }
        }
        return new Manifest(2, name, parsed);
    }

    private static int readVersion(JsonNode version) {
        if (version == null || version.isNull()) {
            return 1;
        }
        if (!version.isInt() || (version.intValue() != 1 && version.intValue() != 2)) {
            throw new ManifestException(UNSUPPORTED_MANIFEST_VERSION, "version",
                    "version " + version + " is not known; this TinyVol reads versions 1 and 2");
        }
        return version.intValue();
    }

    private static ManifestEntry readEntry(JsonNode node) {
        if (!node.isObject()) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "an entry must be an object with \"digest\", \"symlink\" or \"dir\"");
        }
        boolean isFile = node.has("digest");
        boolean isLink = node.has("symlink");
        boolean isDir = node.has("dir");
        int kinds = (isFile ? 1 : 0) + (isLink ? 1 : 0) + (isDir ? 1 : 0);
        if (kinds != 1) {
            throw new ManifestException(MALFORMED_MANIFEST, "",
                    "an entry needs exactly one of \"digest\" (file), \"symlink\" or \"dir\"");
        }
        long uid = readId(node, "uid");
        long gid = readId(node, "gid");
        if (isFile) {
            JsonNode digest = node.get("digest");
            String text = digest.isTextual() ? digest.textValue() : digest.toString();
            ManifestRules.requireDigest(text, "digest");
            return new FileEntry(text, readMode(node, 0644), uid, gid);
        }
        if (isLink) {
            JsonNode target = node.get("symlink");
            if (!target.isTextual()) {
                throw new ManifestException(ManifestException.Problem.INVALID_SYMLINK, "symlink", "must be a string");
            }
            return new SymlinkEntry(target.textValue(), uid, gid);
        }
        if (!node.get("dir").isBoolean() || !node.get("dir").booleanValue()) {
            throw new ManifestException(MALFORMED_MANIFEST, "dir", "must be true");
        }
        return new DirEntry(readMode(node, DirEntry.DEFAULT_MODE), uid, gid);
    }

    private static int readMode(JsonNode entry, int fallback) {
        JsonNode mode = entry.get("mode");
        if (mode == null) {
            return fallback;
        }
        if (!mode.isTextual()) {
            throw new ManifestException(ManifestException.Problem.INVALID_MODE, "mode",
                    "must be an octal string such as \"0644\", got " + mode);
        }
        return ManifestRules.parseMode(mode.textValue(), "mode");
    }

    private static long readId(JsonNode entry, String field) {
        JsonNode id = entry.get(field);
        if (id == null) {
            return 0;
        }
        if (!id.isIntegralNumber()) {
            throw new ManifestException(ManifestException.Problem.INVALID_OWNER, field, "must be an integer, got " + id);
        }
        long value = id.longValue();
        ManifestRules.requireId(value, field);
        return value;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new ManifestException(MALFORMED_MANIFEST, field, "must be a string");
        }
        return value.textValue();
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
