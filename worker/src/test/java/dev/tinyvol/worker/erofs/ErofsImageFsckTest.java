package dev.tinyvol.worker.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.cas.Ingester;
import dev.tinyvol.worker.cas.ManifestStore;
import dev.tinyvol.worker.progress.Progress;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErofsImageFsckTest {

    @TempDir
    Path tmp;

    @Test
    void smallRootfsImagePassesFsck() throws Exception {
        Path src = Trees.rootfs(tmp.resolve("src"));
        Cas cas = Cas.create(tmp.resolve("cas"));
        new Ingester(cas, 2).ingest(src, "root", 2, Progress.NONE);
        Manifest m = new ManifestStore(cas).load("root");
        Path image = tmp.resolve("root.erofs");
        ImageSummary s = new ErofsImageWriter(ContentSizes.of(cas)).write(m, image);
        System.out.println(s);
        System.out.println("FSCK: " + ErofsTools.fsck(image)); java.nio.file.Files.copy(image, Path.of("/tmp/erofs-dbg.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
