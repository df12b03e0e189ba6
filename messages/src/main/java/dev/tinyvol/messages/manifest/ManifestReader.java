package dev.tinyvol.messages.manifest;

import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_DIGEST;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_MODE;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_OWNER;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.INVALID_SYMLINK;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.MALFORMED_MANIFEST;
import static dev.tinyvol.messages.manifest.ManifestException.Problem.UNSUPPORTED_MANIFEST_VERSION;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a manifest token by token, straight into its entries: a 100,000-entry manifest never exists
 * as a JSON tree in memory. Top-level fields may come in any order; unknown fields are skipped.
 */
final class ManifestReader {

    private final JsonParser parser;
    private int version = 1;
    private String name = "";
    private TreeMap<String, String> objects;
    private TreeMap<String, ManifestEntry> entries;

    ManifestReader(JsonParser parser) {
        this.parser = parser;
    }

    Manifest read() throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "a manifest must be a JSON object");
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "version" -> readVersion(value);
                case "name" -> name = readName(value);
                case "objects" -> objects = readObjects(value);
                case "entries" -> entries = readEntries(value);
                default -> parser.skipChildren();
            }
        }
        if (parser.nextToken() != null) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "unexpected content after the manifest object");
        }
        if (version == 1) {
            if (objects == null) {
                throw new ManifestException(MALFORMED_MANIFEST, "objects",
                        "a v1 manifest needs an \"objects\" object of path → digest (or say \"version\": 2 and give \"entries\")");
            }
            return Manifest.v1(name, objects);
        }
        if (entries == null) {
            throw new ManifestException(MALFORMED_MANIFEST, "entries", "a v2 manifest needs an \"entries\" object of path → entry");
        }
        return new Manifest(2, name, entries);
    }

    private void readVersion(JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.VALUE_NUMBER_INT || (parser.getIntValue() != 1 && parser.getIntValue() != 2)) {
            throw new ManifestException(UNSUPPORTED_MANIFEST_VERSION, "version",
                    "version " + parser.getText() + " is not known; this TinyVol reads versions 1 and 2");
        }
        version = parser.getIntValue();
    }

    private String readName(JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return "";
        }
        if (value != JsonToken.VALUE_STRING) {
            throw new ManifestException(MALFORMED_MANIFEST, "name", "must be a string");
        }
        return parser.getText();
    }

    private TreeMap<String, String> readObjects(JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            throw new ManifestException(MALFORMED_MANIFEST, "objects", "must be an object of path → digest");
        }
        List<Map.Entry<String, String>> files = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String path = parser.currentName();
            String field = "objects[" + ManifestRules.quote(path) + "]";
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw new ManifestException(INVALID_DIGEST, field, "must be a digest string");
            }
            String digest = parser.getText();
            ManifestRules.requireDigest(digest, field);
            files.add(Map.entry(path, digest));
        }
        return SortedEntries.toTreeMap(files);
    }

    private TreeMap<String, ManifestEntry> readEntries(JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            throw new ManifestException(MALFORMED_MANIFEST, "entries", "must be an object of path → entry");
        }
        List<Map.Entry<String, ManifestEntry>> read = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String path = parser.currentName();
            try {
                read.add(Map.entry(path, readEntry(parser.nextToken())));
            } catch (ManifestException problem) {
                throw problem.under("entries[" + ManifestRules.quote(path) + "]");
            }
        }
        return SortedEntries.toTreeMap(read);
    }

    private ManifestEntry readEntry(JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "an entry must be an object with \"digest\", \"symlink\" or \"dir\"");
        }
        String digest = null;
        String symlink = null;
        Boolean dir = null;
        String mode = null;
        long uid = 0;
        long gid = 0;
        boolean copy = false;
        int kinds = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            switch (field) {
                case "digest" -> {
                    kinds++;
                    if (token != JsonToken.VALUE_STRING) {
                        throw new ManifestException(INVALID_DIGEST, "digest", "must be a string of 64 lowercase hex digits");
                    }
                    digest = parser.getText();
                    ManifestRules.requireDigest(digest, "digest");
                }
                case "symlink" -> {
                    kinds++;
                    if (token != JsonToken.VALUE_STRING) {
                        throw new ManifestException(INVALID_SYMLINK, "symlink", "must be a string");
                    }
                    symlink = parser.getText();
                }
                case "dir" -> {
                    kinds++;
                    if (token != JsonToken.VALUE_TRUE) {
                        throw new ManifestException(MALFORMED_MANIFEST, "dir", "must be true");
                    }
                    dir = Boolean.TRUE;
                }
                case "mode" -> {
                    if (token != JsonToken.VALUE_STRING) {
                        throw new ManifestException(INVALID_MODE, "mode", "must be an octal string such as \"0644\", got " + parser.getText());
                    }
                    mode = parser.getText();
                }
                case "uid" -> uid = readId(token, "uid");
                case "gid" -> gid = readId(token, "gid");
                case "copy" -> {
                    if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                        throw new ManifestException(MALFORMED_MANIFEST, "copy", "must be true or false, got " + parser.getText());
                    }
                    copy = token == JsonToken.VALUE_TRUE;
                }
                default -> parser.skipChildren();
            }
        }
        if (kinds != 1) {
            throw new ManifestException(MALFORMED_MANIFEST, "", "an entry needs exactly one of \"digest\" (file), \"symlink\" or \"dir\"");
        }
        if (digest != null) {
            return new FileEntry(digest, mode == null ? 0644 : ManifestRules.parseMode(mode, "mode"), uid, gid, copy);
        }
        if (copy) {
            throw new ManifestException(MALFORMED_MANIFEST, "copy", "only a file entry (\"digest\") can be copied");
        }
        if (symlink != null) {
            return new SymlinkEntry(symlink, uid, gid);
        }
        return new DirEntry(mode == null ? DirEntry.DEFAULT_MODE : ManifestRules.parseMode(mode, "mode"), uid, gid);
    }

    private long readId(JsonToken token, String field) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw new ManifestException(INVALID_OWNER, field, "must be an integer, got " + parser.getText());
        }
        long id = parser.getLongValue();
        ManifestRules.requireId(id, field);
        return id;
    }

}
