package dev.tinyvol.worker.cas;

/** Reads instance file names back into keys: {@code <digest>} or {@code <digest>.<mode>.<uid>.<gid>}. */
final class InstanceNames {

    private InstanceNames() {
    }

    /** The key a file name stands for, or null if it is no instance name. */
    static BlobKey parse(String fileName) {
        String[] parts = fileName.split("\\.", -1);
        if (!isHex64(parts[0])) {
            return null;
        }
        String digest = parts[0];
        try {
            if (parts.length == 1) {
                return BlobKey.bare(digest);
            }
            if (parts.length != 4 || !parts[1].matches("[0-7]{3,4}") || !parts[2].matches("[0-9]{1,10}")
                    || !parts[3].matches("[0-9]{1,10}")) {
                return null;
            }
            BlobKey key = new BlobKey(digest, Integer.parseInt(parts[1], 8), Long.parseLong(parts[2]), Long.parseLong(parts[3]));
            return key.fileName().equals(fileName) ? key : null;
        } catch (RuntimeException e) { // a mode or owner out of range
            return null;
        }
    }

    private static boolean isHex64(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
