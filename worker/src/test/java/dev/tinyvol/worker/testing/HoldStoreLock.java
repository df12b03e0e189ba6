package dev.tinyvol.worker.testing;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Holds a CAS's store lock in another JVM (args: cas dir, shared|exclusive) until its stdin closes:
 * the OS lock on {@code <cas>/.lock} that every TinyVol process takes (a long 'tinyvol cas fsck' or
 * 'cas pull' holds it shared, a 'cas gc' exclusive). Prints "locked" once it holds it.
 */
public final class HoldStoreLock {

    private HoldStoreLock() {
    }

    public static void main(String[] args) throws Exception {
        boolean shared = args[1].equals("shared");
        if (args[1].equals("try")) {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]).resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock got = channel.tryLock(0, Long.MAX_VALUE, false)) {
                System.out.println(got == null ? "busy" : "locked");
            }
            return;
        }
        try (FileChannel channel = FileChannel.open(Path.of(args[0]).resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock held = channel.lock(0, Long.MAX_VALUE, shared)) {
            System.out.println("locked");
            System.out.flush();
            System.in.read();
        }
    }

    /** Starts one and waits until it holds the lock. */
    public static Process start(Path cas, String mode) throws java.io.IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldStoreLock.class.getName(), cas.toString(), mode)
                .redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        if (!"locked".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("the lock holder said " + line);
        }
        return p;
    }

    /** What a gc in another process finds: "busy" while this JVM holds the store, "locked" otherwise. */
    public static String tryExclusiveElsewhere(Path cas) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldStoreLock.class.getName(), cas.toString(), "try")
                .redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        p.waitFor();
        return line;
    }

    /** Lets go: closes its stdin and waits for it to end. */
    public static void release(Process p) throws Exception {
        p.getOutputStream().close();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }
}
