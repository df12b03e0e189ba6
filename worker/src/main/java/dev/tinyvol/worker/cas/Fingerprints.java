package dev.tinyvol.worker.cas;

/**
 * A compact set of 64-bit fingerprints of blob contents or instances (open addressing over a
 * {@code long[]}: 8 to 16 bytes per member, against a few hundred for a set of path strings), so
 * gc's live set stays small however large the store grows: a million live instances take 16 MiB.
 * Two different keys can share a fingerprint (about n²/2⁶⁵ for n keys); a user must only ever err
 * towards keeping, as gc does: a garbage instance that shares a live one's fingerprint stays.
 */
public final class Fingerprints {

    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;

    /** The fingerprint of a content (its digest's first 64 bits, which are already uniform). */
    public static long ofContent(String digest) {
        return Long.parseUnsignedLong(digest, 0, 16, 16);
    }

    /** The fingerprint of an instance: its content's, mixed with its mode and owner. */
    public static long ofInstance(BlobKey key) {
        long h = ofContent(key.digest());
        h = mix(h ^ key.mode());
        h = mix(h ^ key.uid());
        return mix(h ^ (key.gid() * 0x9E3779B97F4A7C15L));
    }

    public void add(long fingerprint) {
        if (fingerprint == 0) {
            hasZero = true;
            return;
        }
        if ((size + 1) * 2L > slots.length) {
            grow();
        }
        if (insert(slots, fingerprint)) {
            size++;
        }
    }

    public boolean contains(long fingerprint) {
        if (fingerprint == 0) {
            return hasZero;
        }
        int mask = slots.length - 1;
        for (int i = (int) mix(fingerprint) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == fingerprint) {
                return true;
            }
            if (s == 0) {
                return false;
            }
        }
    }

    public long size() {
        return size + (hasZero ? 1 : 0);
    }

    private static boolean insert(long[] table, long fingerprint) {
        int mask = table.length - 1;
        for (int i = (int) mix(fingerprint) & mask; ; i = (i + 1) & mask) {
            long s = table[i];
            if (s == fingerprint) {
                return false;
            }
            if (s == 0) {
                table[i] = fingerprint;
                return true;
            }
        }
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long s : slots) {
            if (s != 0) {
                insert(bigger, s);
            }
        }
        slots = bigger;
    }

    /** splitmix64's finalizer: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
