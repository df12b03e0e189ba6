package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.testing.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real directory with executables, setuid binaries and symlinks (a copy of this machine's
 * /usr/bin and /usr/share/doc, some thousands of entries) goes through the command line:
 * ingest, assemble, and the volume is identical to the source by diff and by mode on every path.
 */
class RealTreeRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void ingestAssembleGivesAnIdenticalTree() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("usr/share"));
        Mount.run("cp", "-a", "/usr/bin", src.resolve("usr/bin").toString());
        Mount.run("cp", "-a", "/usr/share/doc", src.resolve("usr/share/doc").toString());
        long entries = Mount.run("find", src.toString()).lines().count();
        assertTrue(entries > 3000, "a real tree of thousands of entries: " + entries);
        Path cas = tmp.resolve("cas");
        Path volumes = tmp.resolve("volumes");

        assertEquals(0, CliTest.tinyvol("cas", "ingest", src, "--cas", cas, "--ref", "usr").exit());
        CliTest.Run assemble = CliTest.tinyvol("assemble", "--cas", cas, "--volumes", volumes, "--ref", "usr", "--volume", "usr-1");
        assertEquals(0, assemble.exit(), assemble.err());
        Path vol = volumes.resolve("usr-1");

        // Contents and symlink targets: diff compares them without following links.
        assertEquals("", Mount.run("diff", "-r", "--no-dereference", src.toString(), vol.toString()));
        // Type, mode (setuid included), owner and link target of every path.
        String format = "%y %m %U %G %l %P\\n";
        assertEquals(Mount.run("sh", "-c", "cd " + src + " && find . -printf '" + format + "' | sort"),
                Mount.run("sh", "-c", "cd " + vol + " && find . -printf '" + format + "' | sort"));
        assertTrue(Mount.run("find", vol.toString(), "-perm", "-4000").contains("/usr/bin/"), "setuid binaries kept their bit");

        CliTest.Run verify = CliTest.tinyvol("verify", "--cas", cas, "--volumes", volumes, "--volume", "usr-1", "--deep");
        assertEquals(0, verify.exit(), verify.out());
        CliTest.Run list = CliTest.tinyvol("list", "--volumes", volumes);
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("usr-1") && l.contains("usr")), list.out());

        // Every command counts the same tree the same way: entries below the root, by kind.
        long files = Long.parseLong(Mount.run("sh", "-c", "find " + src + " -mindepth 1 -type f | wc -l").strip());
        long symlinks = Long.parseLong(Mount.run("sh", "-c", "find " + src + " -mindepth 1 -type l | wc -l").strip());
        long dirs = Long.parseLong(Mount.run("sh", "-c", "find " + src + " -mindepth 1 -type d | wc -l").strip());
        assertTrue(assemble.out().contains("files linked   " + files + "\n") && assemble.out().contains("symlinks       " + symlinks + "\n")
                && assemble.out().contains("dirs created   " + dirs + "\n"), assemble.out());
        assertTrue(verify.out().contains("verified       " + (files + symlinks + dirs) + "\n"), verify.out());
        // Teardown with TinyVol itself (which also leaves the temporary directory without links out of it).
        CliTest.Run teardown = CliTest.tinyvol("teardown", "--volumes", volumes, "--volume", "usr-1");
        assertTrue(teardown.out().contains(files + " files, " + symlinks + " symlinks, " + dirs + " dirs"), teardown.out());
        Mount.run("rm", "-rf", src.toString());
    }
}
