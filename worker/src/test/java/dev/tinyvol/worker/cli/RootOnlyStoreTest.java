package dev.tinyvol.worker.cli;

import static dev.tinyvol.worker.cli.CliTest.tinyvol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cas.BlobKey;
import dev.tinyvol.worker.cas.Cas;
import dev.tinyvol.worker.posix.PosixFiles;
import dev.tinyvol.worker.posix.Stat;
import dev.tinyvol.worker.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store is root-only (it holds every image's setuid files): a CAS the commands create is 0700,
 * an older one found open is tightened when opened, and a user other than root (nobody, through
 * setpriv) can neither list nor open anything below objects/, while it reads the same file through
 * a volume (a hard link to the very inode: the closed path is the CAS's, not the file's).
 */
class RootOnlyStoreTest {

    @TempDir
    Path tmp;

    @Test
    void anotherUserReadsAVolumeButNotTheStore() throws Exception {
        PosixFiles.chmod(tmp, 0755); // JUnit makes its directory 0700; the users a node has can reach /var/lib
        Path src = tmp.resolve("src");
        Trees.file(src, "usr/bin/su", "setuid binary\n", 04755);
        Trees.file(src, "etc/motd", "hello from a volume\n", 0644);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "tree").exit());
        CliTest.Run built = tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "tree", "--volume", "v",
                "--import-method", "hardlink");
        assertEquals(0, built.exit(), built.err());

        Stat root = PosixFiles.lstat(cas);
        assertEquals(Cas.ROOT_MODE, root.permissions(), "a new CAS is root-only");
        assertEquals(0, root.uid());
        Path motd = Cas.open(cas).instancePath(new BlobKey(Trees.sha256("hello from a volume\n"), 0644, 0, 0));
        Path su = Cas.open(cas).instancePath(new BlobKey(Trees.sha256("setuid binary\n"), 04755, 0, 0));
        assertEquals(PosixFiles.lstat(motd).inode(), PosixFiles.lstat(volumes.resolve("v/etc/motd")).inode(), "a hard link");

        Result list = asNobody("ls", cas.resolve("objects").toString());
        Result open = asNobody("cat", motd.toString());
        Result setuid = asNobody("cat", su.toString());
        Result volume = asNobody("cat", volumes.resolve("v/etc/motd").toString());
        System.out.println("as nobody: ls objects/ -> exit " + list.exit + " " + list.out.strip() + "; cat an instance -> exit "
                + open.exit + " " + open.out.strip() + "; cat the volume's file -> exit " + volume.exit + " " + volume.out.strip());
        assertNotEquals(0, list.exit, "nobody cannot list objects/: " + list.out);
        assertTrue(list.out.contains("Permission denied"), list.out);
        assertNotEquals(0, open.exit, "nobody cannot open an instance: " + open.out);
        assertNotEquals(0, setuid.exit, "nor the setuid one: " + setuid.out);
        assertEquals(0, volume.exit, volume.out);
        assertEquals("hello from a volume\n", volume.out);

        // A store made before this rule: open to all. Any command that opens it makes it root-only.
        PosixFiles.chmod(cas, 0755);
        assertEquals(0, tinyvol("cas", "refs", "--cas", cas).exit());
        assertEquals(Cas.ROOT_MODE, PosixFiles.lstat(cas).permissions(), "an open store is tightened when opened");
        assertNotEquals(0, asNobody("ls", cas.resolve("objects").toString()).exit);
    }

    @Test
    void aCasMadeByAPullIsRootOnlyAndItsSetuidFileIsReachedOnlyThroughAVolume() throws Exception {
        PosixFiles.chmod(tmp, 0755);
        dev.tinyvol.worker.testing.LocalRegistry registry = dev.tinyvol.worker.testing.LocalRegistry.shared();
        dev.tinyvol.worker.registry.RegistryClient push = new dev.tinyvol.worker.registry.RegistryClient(
                dev.tinyvol.worker.registry.RegistrySettings.DEFAULTS, dev.tinyvol.worker.registry.RegistryAuth.ANONYMOUS);
        dev.tinyvol.worker.testing.TestImages.Layer layer = dev.tinyvol.worker.testing.TestImages.layer(
                dev.tinyvol.worker.testing.TestImages.Compression.GZIP, tar -> tar.file("usr/bin/su", "setuid from an image\n", 04755));
        String image = registry.host() + "/rootonly/app:1";
        dev.tinyvol.worker.testing.TestImages.push(push, dev.tinyvol.worker.registry.ImageReference.parse(image), List.of(layer), "amd64");
        Path cas = tmp.resolve("pulled-cas");
        Path volumes = tmp.resolve("volumes");
        assertEquals(0, tinyvol("cas", "pull", image, "--cas", cas, "--ref", "app").exit());
        assertEquals(0, tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "app", "--volume", "app-1").exit());

        assertEquals(Cas.ROOT_MODE, PosixFiles.lstat(cas).permissions(), "a CAS a pull creates is root-only");
        Path su = Cas.open(cas).instancePath(new BlobKey(Trees.sha256("setuid from an image\n"), 04755, 0, 0));
        assertNotEquals(0, asNobody("cat", su.toString()).exit, "the instance is out of reach");
        Result volume = asNobody("cat", volumes.resolve("app-1/usr/bin/su").toString());
        assertEquals(0, volume.exit, volume.out);
        assertEquals("setuid from an image\n", volume.out);
    }

    private record Result(int exit, String out) {
    }

    private static Result asNobody(String... command) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C"); // the messages asserted on, whatever locale the suite runs in
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }
}
