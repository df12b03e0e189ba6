package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code host[:port]/repo[:tag][@sha256:…]}, as Docker and the OCI distribution spec write it. The
 * registry host is required: a node pulls from the registries its fleet names, never from a
 * default it did not choose.
 *
 * @param tag    the tag, or null when only a digest is given
 * @param digest {@code sha256:<64 hex>}, or null to resolve the tag
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HOST = Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");

    public static ImageReference parse(String text) {
        String rest = text.strip();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw invalid(text, "its digest must be sha256: and 64 lower-case hex digits");
            }
        }
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw invalid(text, "name the registry first: host[:port]/repository[:tag], e.g. registry.example.com/base/debian:12");
        }
        String host = rest.substring(0, slash);
        String path = rest.substring(slash + 1);
        if (!HOST.matcher(host).matches() || !(host.contains(".") || host.contains(":") || host.equals("localhost"))) {
            throw invalid(text, "\"" + host + "\" is not a registry host (a name with a dot or a port, or localhost)");
        }
        String tag = null;
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            tag = path.substring(colon + 1);
            path = path.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "tag \"" + tag + "\" must be letters, digits, '_', '.' and '-' (at most 128)");
            }
        }
        if (!REPOSITORY.matcher(path).matches()) {
            throw invalid(text, "repository \"" + path + "\" must be lower-case letters and digits, separated by '/', '.', '_' or '-'");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(host.toLowerCase(Locale.ROOT), path, tag, digest);
    }

    /** What to ask the registry for: the digest when known, else the tag. */
    public String reference() {
        return digest != null ? digest : tag;
    }

    /** The registry's host without its port. */
    public String hostName() {
        String h = registry;
        if (h.startsWith("[")) {
            return h.substring(1, h.indexOf(']'));
        }
        int colon = h.lastIndexOf(':');
        return colon >= 0 ? h.substring(0, colon) : h;
    }

    /** Hex digits of the reference's hash in {@link #defaultRefName()}: 128 bits, no pair of references found to share one. */
    static final int NAME_HASH_HEX = 32;

    /**
     * A ref name for this image: what it says, readable (repository and tag, e.g. {@code base-debian-12},
     * cut to fit), then a hash of the whole reference ({@link #toString()}: registry included), so two
     * references never share a ref, e.g. {@code base-debian-12-9f2c…} (32 hex digits). The readable part
     * alone would collide ({@code reg/a/b:c} and {@code reg/a:b-c}; one repository on two registries).
     */
    public String defaultRefName() {
        String readable = (repository.replace('/', '-') + "-" + (tag != null ? tag : digest.substring(7, 19)))
                .replaceAll("[^A-Za-z0-9._-]", "-");
        int room = dev.tinyvol.messages.Names.MAX_LENGTH - 1 - NAME_HASH_HEX;
        if (readable.length() > room) {
            readable = readable.substring(0, room);
        }
        byte[] hash = dev.tinyvol.worker.cas.Sha256.newDigest().digest(toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return readable + "-" + java.util.HexFormat.of().formatHex(hash).substring(0, NAME_HASH_HEX);
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    private static TinyVolException invalid(String text, String why) {
        return new TinyVolException(ErrorCode.INVALID_IMAGE_REFERENCE, text, "image \"" + text + "\": " + why);
    }
}
