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
            Optional<VolumeRecord> record = volumes.record(name);
            infos.add(record.map(r -> new VolumeInfo(name, true, r.manifestName(), r.manifestId(), r.source(), r.files(),
                            r.bytes(), r.createdAt(), r.importMethod() == null ? "hardlink" : r.importMethod(), r.protection()))
                    .orElse(new VolumeInfo(name, false, "", "", "", -1, -1, null, null, null)));
        }
        return infos;
    }
}
