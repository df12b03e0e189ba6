package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestCodec;
import java.lang.ref.WeakReference;

/**
 * A manifest's identity ({@link ManifestCodec#identity}), remembered for the few manifests most
 * recently loaded from a ref whose compact form holds it, so they are not serialised and hashed
 * again (300 ms for 100,000 entries in a fresh JVM). Held weakly: a manifest no one uses is not
 * kept alive for this.
 */
public final class ManifestIdentity {

    private static final int SLOTS = 8;
    private static final Object LOCK = new Object();
    @SuppressWarnings("unchecked")
    private static final WeakReference<Manifest>[] MANIFESTS = new WeakReference[SLOTS];
    private static final String[] IDS = new String[SLOTS];
    private static int next;

    private ManifestIdentity() {
    }

    public static String of(Manifest manifest) {
        synchronized (LOCK) {
            for (int i = 0; i < SLOTS; i++) {
                if (MANIFESTS[i] != null && MANIFESTS[i].get() == manifest) {
                    return IDS[i];
                }
            }
        }
        return ManifestCodec.identity(manifest);
    }

    /**
     * Remembers an identity the caller computed with {@link ManifestCodec#identity} (a pull computes
     * its tree's before saving it, so the save need not hash it again).
     */
    public static void remember(Manifest manifest, String identity) {
        synchronized (LOCK) {
            MANIFESTS[next] = new WeakReference<>(manifest);
            IDS[next] = identity;
            next = (next + 1) % SLOTS;
        }
    }
}
