package dev.tinyvol.worker.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** gc's compact live set: what was added is found, and instances differing only in mode or owner differ. */
class FingerprintsTest {

    @Test
    void membersAreFoundAndAttributesCount() throws Exception {
        Fingerprints set = new Fingerprints();
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        java.util.List<String> digests = new java.util.ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            digests.add(java.util.HexFormat.of().formatHex(sha.digest(("blob " + i).getBytes())));
        }
        for (int i = 0; i < 50_000; i++) {
            set.add(Fingerprints.ofInstance(new BlobKey(digests.get(i), 0644, 0, 0)));
        }
        set.add(0);
        assertEquals(50_001, set.size());
        for (int i = 0; i < 50_000; i++) {
            assertTrue(set.contains(Fingerprints.ofInstance(new BlobKey(digests.get(i), 0644, 0, 0))));
        }
        assertTrue(set.contains(0));
        long falsePositives = 0;
        for (int i = 50_000; i < 100_000; i++) {
            falsePositives += set.contains(Fingerprints.ofInstance(new BlobKey(digests.get(i), 0644, 0, 0))) ? 1 : 0;
        }
        assertEquals(0, falsePositives);
        String d = digests.get(0);
        assertFalse(set.contains(Fingerprints.ofInstance(new BlobKey(d, 0755, 0, 0))));
        assertFalse(set.contains(Fingerprints.ofInstance(new BlobKey(d, 0644, 1, 0))));
        assertFalse(set.contains(Fingerprints.ofInstance(new BlobKey(d, 0644, 0, 1))));
        assertEquals(Long.parseUnsignedLong(d.substring(0, 16), 16), Fingerprints.ofContent(d));
    }
}
