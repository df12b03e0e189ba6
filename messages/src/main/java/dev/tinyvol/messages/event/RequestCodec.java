package dev.tinyvol.messages.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyvol.messages.Names;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import dev.tinyvol.messages.manifest.ManifestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Requests to and from JSON. Decoding reads every field of the contract and says, by name, which
 * one is wrong and why; unknown fields are ignored so senders can add fields.
 */
public final class RequestCodec {

    /** Longest requestId accepted: ids are keys in the worker's answer store. */
    public static final int MAX_ID_LENGTH = 200;

    private RequestCodec() {
    }

    /**
     * @throws UnreadableRecordException if no sender could match an answer to it (dead-letter it)
     * @throws InvalidRequestException   if it must be answered REJECTED, naming the field
     */
    public static Request decode(byte[] json) {
        if (json == null || json.length == 0) {
            throw new UnreadableRecordException("empty record: a request is a JSON object");
        }
        JsonNode root;
        try {
            root = EventJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UnreadableRecordException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw new UnreadableRecordException("not a JSON object");
        }
        JsonNode idNode = root.get("requestId");
        if (idNode == null || !idNode.isTextual() || idNode.textValue().isBlank() || idNode.textValue().length() > MAX_ID_LENGTH) {
            throw new UnreadableRecordException("no readable requestId (a non-empty string of at most " + MAX_ID_LENGTH
                    + " characters), so no sender could match an answer to it");
        }
        return new Reader(root, idNode.textValue()).read();
    }

    /** Reads the fields of a request whose id is known, so every problem can be answered. */
    private static final class Reader {
        private final JsonNode root;
        private final String requestId;
        private String correlationId;
        private Action action;
        private String node;
        private String volume;

        Reader(JsonNode root, String requestId) {
            this.root = root;
            this.requestId = requestId;
        }

        Request read() {
            correlationId = optionalText("correlationId");
            node = optionalText("node");
            volume = optionalText("volume");
            action = readAction();
            int schemaVersion = readSchemaVersion();
            if (node == null || node.isEmpty()) {
                throw invalid("node", "is required: the node the request is meant for");
            }
            if (action.perVolume()) {
                String problem = Names.problemWith(volume);
                if (volume == null) {
                    throw invalid("volume", "is required for " + action);
                }
                if (problem != null) {
                    throw invalid("volume", problem);
                }
            } else {
                volume = null;
            }
            String manifestRef = optionalText("manifestRef");
            Manifest manifest = readManifest();
            String image = optionalText("image");
            if ((manifestRef != null ? 1 : 0) + (manifest != null ? 1 : 0) + (image != null ? 1 : 0) > 1) {
                throw invalid(image != null ? "image" : "manifest", "give one of manifestRef, manifest and image");
            }
            if (action == Action.ASSEMBLE && manifestRef == null && manifest == null && image == null) {
                throw invalid("manifestRef", "ASSEMBLE needs manifestRef (a stored manifest's name), manifest (inline) "
                        + "or image (an OCI image the node pulls)");
            }
            if (image != null && !ImageNames.looksLikeImage(image)) {
                throw invalid("image", "\"" + image + "\" is not an image reference: host[:port]/repository[:tag][@sha256:…]");
            }
            if (manifestRef != null && Names.problemWith(manifestRef) != null) {
                throw invalid("manifestRef", Names.problemWith(manifestRef));
            }
            return new Request(schemaVersion, requestId, correlationId, action, node, volume, manifestRef, manifest,
                    readOptions(), readDeadline(), image);
        }

        private Action readAction() {
            JsonNode value = root.get("action");
            if (value == null || value.isNull()) {
                throw invalid("action", "is required: one of " + Action.names());
            }
            if (!value.isTextual()) {
                throw invalid("action", "must be a string: one of " + Action.names());
            }
            try {
                return Action.valueOf(value.textValue().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw invalid("action", "\"" + value.textValue() + "\" is not one of " + Action.names());
            }
        }

        private int readSchemaVersion() {
            JsonNode value = root.get("schemaVersion");
            if (value == null || value.isNull()) {
                return Request.SCHEMA_VERSION;
            }
            if (!value.isInt() || value.intValue() != Request.SCHEMA_VERSION) {
                throw invalid("schemaVersion", value + " is not known; this worker reads schemaVersion 1");
            }
            return value.intValue();
        }

        private Manifest readManifest() {
            JsonNode value = root.get("manifest");
            if (value == null || value.isNull()) {
                return null;
            }
            try {
                return ManifestCodec.fromJson(value);
            } catch (ManifestException e) {
                throw invalid(e.field().isEmpty() ? "manifest" : "manifest." + e.field(), e.reason());
            }
        }

        private RequestOptions readOptions() {
            JsonNode value = root.get("options");
            if (value == null || value.isNull()) {
                return RequestOptions.DEFAULTS;
            }
            if (!value.isObject()) {
                throw invalid("options", "must be an object");
            }
            JsonNode method = value.get("importMethod");
            String importMethod = null;
            if (method != null && !method.isNull()) {
                if (!method.isTextual() || !RequestOptions.IMPORT_METHODS.contains(method.asText())) {
                    throw invalid("options.importMethod", "must be one of " + String.join(", ", RequestOptions.IMPORT_METHODS)
                            + ", got " + method);
                }
                importMethod = method.asText();
            }
            String after = null;
            JsonNode afterNode = value.get("after");
            if (afterNode != null && !afterNode.isNull()) {
                if (!afterNode.isTextual()) {
                    throw invalid("options.after", "must be a string (a volume name, a LIST result's nextPage), got " + afterNode);
                }
                after = afterNode.textValue();
            }
            int limit = 0;
            JsonNode limitNode = value.get("limit");
            if (limitNode != null && !limitNode.isNull()) {
                if (!limitNode.isInt() || limitNode.intValue() < 1 || limitNode.intValue() > RequestOptions.MAX_LIMIT) {
                    throw invalid("options.limit", "must be a whole number from 1 to " + RequestOptions.MAX_LIMIT + ", got "
                            + limitNode);
                }
                limit = limitNode.intValue();
            }
            return new RequestOptions(flag(value, "replace", false), flag(value, "copyFallback", true),
                    flag(value, "verify", false), flag(value, "dryRun", false), importMethod, flag(value, "readOnly", false),
                    after, limit);
        }

        private boolean flag(JsonNode options, String name, boolean fallback) {
            JsonNode value = options.get(name);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isBoolean()) {
                throw invalid("options." + name, "must be true or false, got " + value);
            }
            return value.booleanValue();
        }

        private Instant readDeadline() {
            String text = optionalText("deadline");
            if (text == null) {
                return null;
            }
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw invalid("deadline", "\"" + text + "\" is not an ISO-8601 instant such as 2026-11-26T18:00:00Z");
            }
        }

        private String optionalText(String field) {
            JsonNode value = root.get(field);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw invalid(field, "must be a string, got " + value);
            }
            return value.textValue();
        }

        private InvalidRequestException invalid(String field, String reason) {
            String safeVolume = volume != null && Names.isValid(volume) ? volume : null;
            return new InvalidRequestException(requestId, correlationId, action, node, safeVolume, field, reason);
        }
    }

    /** The JSON of a request, as a sender publishes it. */
    public static byte[] encode(Request request) {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        json.put("schemaVersion", request.schemaVersion());
        json.put("requestId", request.requestId());
        if (request.correlationId() != null) {
            json.put("correlationId", request.correlationId());
        }
        json.put("action", request.action().name());
        json.put("node", request.node());
        if (request.volume() != null) {
            json.put("volume", request.volume());
        }
        if (request.manifestRef() != null) {
            json.put("manifestRef", request.manifestRef());
        }
        if (request.image() != null) {
            json.put("image", request.image());
        }
        try {
            if (request.manifest() != null) {
                json.set("manifest", EventJson.MAPPER.readTree(ManifestCodec.toJson(request.manifest())));
            }
            ObjectNode options = json.putObject("options");
            options.put("replace", request.options().replace());
            options.put("copyFallback", request.options().copyFallback());
            options.put("verify", request.options().verify());
            options.put("dryRun", request.options().dryRun());
            if (request.options().importMethod() != null) {
                options.put("importMethod", request.options().importMethod());
            }
            if (request.options().readOnly()) {
                options.put("readOnly", true);
            }
            if (request.options().after() != null) {
                options.put("after", request.options().after());
            }
            if (request.options().limit() != 0) {
                options.put("limit", request.options().limit());
            }
            if (request.deadline() != null) {
                json.put("deadline", request.deadline().toString());
            }
            return EventJson.MAPPER.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
