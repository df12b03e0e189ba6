package dev.tinyvol.worker.registry;

import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;

/** A tar entry's name as a manifest path: relative, no {@code .} or {@code ..}, no trailing slash. */
final class LayerPaths {

    private LayerPaths() {
    }

    static String normalize(String name, String layer) {
        StringBuilder path = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new TinyVolException(ErrorCode.INVALID_PATH, name, "layer " + layer + " has an entry \"" + name
                        + "\" that climbs out of the tree (..); the image is refused");
            }
            if (!path.isEmpty()) {
                path.append('/');
            }
            path.append(part);
        }
        if (!path.isEmpty()) {
            try {
                // A manifest's rules, checked now: no name longer than NAME_MAX, no path longer than a volume allows,
                // so a layer's operations never hold names of unbounded length.
                dev.tinyvol.messages.manifest.ManifestRules.requirePath(path.toString(), "layer " + layer);
            } catch (dev.tinyvol.messages.manifest.ManifestException e) {
                throw TinyVolException.of(e);
            }
        }
        return path.toString();
    }
}
