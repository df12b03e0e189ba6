package dev.tinyvol.worker.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cli.CliTest;
import dev.tinyvol.worker.testing.LocalRegistry;
import dev.tinyvol.worker.testing.Mount;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image made by tools not written here: an OCI layout built with {@code umoci} (two layers, the
 * second deleting files, so it carries whiteouts), pushed with {@code skopeo copy}, pulled and
 * assembled by TinyVol. The volume must equal {@code umoci unpack}'s rootfs of the same image:
 * contents and link targets by {@code diff -r --no-dereference}, and type, mode, owner and target
 * of every path by {@code find -printf}.
 */
class UmociComparisonTest {

    @TempDir
    Path tmp;

    @Test
    void theVolumeEqualsUmociUnpackOfTheSameImage() throws Exception {
        LocalRegistry registry = LocalRegistry.shared();
        String layout = tmp.resolve("layout").toString();
        String bundle = tmp.resolve("bundle").toString();
        String rootfs = bundle + "/rootfs";
        sh("umoci init --layout " + layout + " && umoci new --image " + layout + ":t"
                + " && umoci unpack --image " + layout + ":t " + bundle);
        sh("cd " + rootfs + " && mkdir -p etc usr/bin usr/share/doc var/lib/app srv/empty home/user"
                + " && printf 'root:x:0:0::/root:/bin/sh\\n' > etc/passwd && printf 'old\\n' > etc/old.conf"
                + " && printf '#!/bin/sh\\necho busybox\\n' > usr/bin/busybox && chmod 0755 usr/bin/busybox"
                + " && ln usr/bin/busybox usr/bin/ls && ln -s busybox usr/bin/sh && ln -s usr/bin bin"
                + " && printf 'setuid\\n' > usr/bin/su && chmod 4755 usr/bin/su"
                + " && printf 'state\\n' > var/lib/app/state && chown -R 1234:5678 var/lib/app && chmod 0700 var/lib/app"
                + " && printf 'gone soon\\n' > var/lib/app/cache && chmod 0750 home/user"
                + " && printf 'doc\\n' > usr/share/doc/README");
        sh("umoci repack --refresh-bundle --image " + layout + ":t " + bundle); // the next repack diffs from here
        // The second layer deletes and replaces: umoci writes whiteouts for what is gone.
        sh("cd " + rootfs + " && rm etc/old.conf var/lib/app/cache && rm -r usr/share/doc"
                + " && printf 'new\\n' > etc/new.conf && printf 'root:x:0:0::/root:/bin/bash\\n' > etc/passwd");
        sh("umoci repack --image " + layout + ":t " + bundle);
        String image = registry.host() + "/umoci/test:1";
        sh("skopeo copy --quiet --dest-tls-verify=false oci:" + layout + ":t docker://" + image);
        String unpacked = tmp.resolve("unpacked").toString();
        sh("umoci unpack --image " + layout + ":t " + unpacked);

        String cas = tmp.resolve("cas").toString();
        String volumes = tmp.resolve("volumes").toString();
        CliTest.Run pull = CliTest.tinyvol("cas", "pull", image, "--cas", cas, "--ref", "umoci");
        assertEquals(0, pull.exit(), pull.err());
        assertTrue(pull.out().contains("layers         2 downloaded of 2"), pull.out());
        CliTest.Run assemble = CliTest.tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "umoci", "--volume", "u");
        assertEquals(0, assemble.exit(), assemble.err());

        String volume = volumes + "/u";
        assertEquals("", Mount.run("diff", "-r", "--no-dereference", unpacked + "/rootfs", volume));
        // Not the link count: every file of a volume is also linked from the CAS.
        String format = "%y %m %U %G %l %P\\n";
        String expected = sh("cd " + unpacked + "/rootfs && find . -mindepth 1 -printf '" + format + "' | sort");
        assertTrue(expected.contains("4755") && expected.contains("1234 5678"), expected);
        assertEquals(expected, sh("cd " + volume + " && find . -mindepth 1 -printf '" + format + "' | sort"));
        assertTrue(!expected.contains("old.conf") && !expected.contains("usr/share/doc/README"), "whiteouts applied");
        // The layer's hard link is one inode in the volume too.
        assertEquals(sh("stat -c %i " + volume + "/usr/bin/busybox"), sh("stat -c %i " + volume + "/usr/bin/ls"));
    }

    private static String sh(String script) throws Exception {
        return Mount.run("sh", "-c", "set -e; " + script);
    }
}
