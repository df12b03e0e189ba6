package dev.tinyvol.worker.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.worker.errors.ErrorCode;
import dev.tinyvol.worker.errors.TinyVolException;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assembling again a volume that verify finds damaged is never answered UNCHANGED. */
class DamagedVolumeAssembleTest {

    @TempDir
    Path tmp;

    @Test
    void aDamagedVolumeIsRefusedNamingReplaceAndRebuiltWithIt() throws Exception {
        try (AssemblyFixture node = new AssemblyFixture(tmp.resolve("cas"), tmp.resolve("volumes"))) {
            Manifest rootfs = node.ingest(Trees.rootfs(tmp.resolve("src")), "rootfs");
            node.assemble("web-1", rootfs);
            assertEquals(AssemblyReport.Outcome.UNCHANGED, node.assemble("web-1", rootfs).outcome(), "whole: unchanged");

            Files.delete(node.volumes().resolve("web-1/usr/bin/tool"));
            assertTrue(!node.service.verify("web-1", false).clean());
            TinyVolException refused = assertThrows(TinyVolException.class, () -> node.assemble("web-1", rootfs));
            assertEquals(ErrorCode.VOLUME_DAMAGED, refused.code());
            assertTrue(refused.getMessage().contains("--replace") && refused.getMessage().contains("MISSING usr/bin/tool"),
                    refused.getMessage());

            AssemblyReport rebuilt = node.assemble("web-1", rootfs, new AssemblyOptions(true, true));
            assertEquals(AssemblyReport.Outcome.REPLACED, rebuilt.outcome());
            assertTrue(node.service.verify("web-1", false).clean());
            assertEquals(0, node.leftovers());
        }
    }
}
