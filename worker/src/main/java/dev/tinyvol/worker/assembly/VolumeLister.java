package dev.tinyvol.worker.assembly;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The volumes present, with what their records say about them. */
public final class VolumeLister {

    /**
     * One volume. A volume without a record (built by hand, or by a process that died between
     * rename and record) is listed with {@code recorded=false} and unknown counts (-1).
     */
    public record VolumeInfo(String volume, boolean recorded, String manifestName, String manifestId, String source,
                             long files, long bytes, Instant createdAt, String importMethod, String protection) {
    }

    private final VolumeStore volumes;

    public VolumeLister(VolumeStore volumes) {
        this.volumes = volumes;
    }

    public List<VolumeInfo> list() {
        List<VolumeInfo> infos = new ArrayList<>();
        for (String name : volumes.volumes()) {
            infos.add(info(name));
        }
        return infos;
    }

    /**
     * One page of the volumes, in name order: at most {@code limit} of those whose names sort after
     * {@code after} (null: from the first). Only the page's records are read, so a node with 50,000
     * volumes is listed in pages of equal cost.
     *
     * @param total all the node's volumes
     * @param next  the name the next page starts after, or null on the last page
     */
    public record Page(List<VolumeInfo> volumes, long total, String next) {
    }

    public Page page(String after, int limit) {
        List<String> names = volumes.volumes();
        int from = 0;
        if (after != null) {
            int at = java.util.Collections.binarySearch(names, after);
            from = at >= 0 ? at + 1 : -at - 1;
        }
        int to = Math.min(names.size(), from + limit);
        List<VolumeInfo> page = new ArrayList<>(Math.max(0, to - from));
        for (String name : names.subList(Math.min(from, to), to)) {
            page.add(info(name));
        }
        return new Page(page, names.size(), to < names.size() ? names.get(to - 1) : null);
    }

    private VolumeInfo info(String name) {
        Optional<VolumeRecord> record = volumes.record(name);
        return record.map(r -> new VolumeInfo(name, true, r.manifestName(), r.manifestId(), r.source(), r.files(),
                        r.bytes(), r.createdAt(), r.importMethod() == null ? "hardlink" : r.importMethod(), r.protection()))
                .orElse(new VolumeInfo(name, false, "", "", "", -1, -1, null, null, null));
    }
}
