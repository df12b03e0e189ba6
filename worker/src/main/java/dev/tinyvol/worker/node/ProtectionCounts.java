package dev.tinyvol.worker.node;

import dev.tinyvol.worker.assembly.VolumeLister;
import dev.tinyvol.worker.assembly.VolumeService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many volumes have each protection (read-only, clone, copy, detect), for the metrics and the
 * readiness body: read from the volume records, at most once every few seconds however often asked.
 */
public final class ProtectionCounts {

    public static final List<String> KINDS = List.of("read-only", "clone", "copy", "detect");
    private static final long FRESH_NANOS = 5_000_000_000L;

    private final VolumeService volumes;
    private Map<String, Long> counts;
    private long takenAt;

    public ProtectionCounts(VolumeService volumes) {
        this.volumes = volumes;
    }

    public synchronized Map<String, Long> get() {
        if (counts == null || System.nanoTime() - takenAt > FRESH_NANOS) {
            Map<String, Long> fresh = new LinkedHashMap<>();
            KINDS.forEach(k -> fresh.put(k, 0L));
            for (VolumeLister.VolumeInfo v : volumes.list()) {
                if (v.protection() != null) {
                    fresh.merge(v.protection(), 1L, Long::sum);
                }
            }
            counts = fresh;
            takenAt = System.nanoTime();
        }
        return counts;
    }

    /** {@code volumes: 3 (read-only 1, clone 1, copy 0, detect 1)}. */
    public String describe() {
        Map<String, Long> c = get();
        long total = c.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder out = new StringBuilder("volumes: " + total + " (");
        c.forEach((k, n) -> out.append(out.charAt(out.length() - 1) == '(' ? "" : ", ").append(k).append(' ').append(n));
        return out.append(')').toString();
    }
}
