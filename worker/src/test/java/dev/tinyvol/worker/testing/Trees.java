package dev.tinyvol.worker.testing;

import dev.tinyvol.worker.cas.Sha256;
import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small real trees for tests. */
public final class Trees {

    private Trees() {
    }

    public static Path file(Path root, String rel, String content, int mode) throws IOException {
        Path path = root.resolve(rel);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
        PosixFiles.chmod(path, mode);
        return path;
    }

    public static String sha256(String content) throws IOException {
        Path tmp = Files.createTempFile("sha", ".txt");
        try {
            Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
            return Sha256.of(tmp);
        } finally {
            Files.delete(tmp);
        }
    }

    /**
     * A small root filesystem: a setuid binary, executables, configs of other owners, duplicate
     * content, relative and absolute symlinks, a private empty directory.
     */
    public static Path rootfs(Path root) throws IOException {
        file(root, "usr/bin/tool", "#!/bin/sh\necho tool\n", 0755);
        file(root, "usr/bin/su", "setuid binary\n", 04755);
        file(root, "usr/lib/libx.so.1", "library bytes\n", 0644);
        file(root, "opt/app/lib/libx.so.1", "library bytes\n", 0644);
        file(root, "etc/app.conf", "key=value\n", 0640);
        PosixFiles.lchown(root.resolve("etc/app.conf"), 0, 42);
        file(root, "home/user/notes.txt", "mine\n", 0600);
        PosixFiles.lchown(root.resolve("home/user/notes.txt"), 1000, 1000);
        PosixFiles.lchown(root.resolve("home/user"), 1000, 1000);
        PosixFiles.chmod(root.resolve("home/user"), 0750);
        Files.createSymbolicLink(root.resolve("usr/lib/libx.so"), Path.of("libx.so.1"));
        Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/nonexistent/zoneinfo/UTC"));
        Files.createDirectories(root.resolve("var/cache/app"));
        PosixFiles.chmod(root.resolve("var/cache/app"), 0700);
        Files.createDirectories(root.resolve("tmp"));
        PosixFiles.chmod(root.resolve("tmp"), 01777);
        return root;
    }
}
