package dev.tinyvol.messages.event;

import java.util.regex.Pattern;

/**
 * The shape of an OCI image reference, {@code host[:port]/repository[:tag][@sha256:<64 hex>]}, as far
 * as a request can be refused for it; the node parses it whole when it pulls.
 */
final class ImageNames {

    private static final Pattern IMAGE = Pattern.compile(
            "[A-Za-z0-9.\\-\\[\\]:]+/[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[0-9a-f]{64})?");

    private ImageNames() {
    }

    static boolean looksLikeImage(String image) {
        return image.length() <= 512 && IMAGE.matcher(image).matches();
    }
}
