package dev.tinyvol.worker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The worker as a separate JVM, as it runs in production, so a test can SIGKILL or SIGTERM it. */
public final class WorkerProcess implements AutoCloseable {

    private final Path config;
    private final Path log;
    private Process process;

    public WorkerProcess(Path config, Path log) {
        this.config = config;
        this.log = log;
    }

    /** Starts the worker and waits until its consumer has its partitions. */
    public WorkerProcess start() throws IOException, InterruptedException {
        long from = Files.exists(log) ? Files.size(log) : 0;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m", "-Dtinyvol.log.level=INFO", "-cp", System.getProperty("java.class.path"),
                "dev.tinyvol.worker.cli.TinyVolCli", "worker", "--config", config.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            String text = Files.readString(log);
            if (text.length() > from && text.substring((int) from).contains("assigned [")) {
                return this;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the worker got no partitions within 60 s: " + Files.readString(log));
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then the exit code (waits up to a minute). */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the worker did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** Waits for the worker to exit by itself; its exit code, or -1 if it still runs after {@code timeout}. */
    public int awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** The log so far, or "" before the process wrote any. */
    public String logSoFar() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
