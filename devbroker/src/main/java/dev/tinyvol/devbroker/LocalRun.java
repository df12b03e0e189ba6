package dev.tinyvol.devbroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The main job, locally, in one command: a Kafka broker, a node with a CAS of sample data, its
 * worker, then an assemble and a teardown request through Kafka with their results printed. Keeps
 * serving until Ctrl-C, or exits after the demo with {@code --once}. Every part runs as its own
 * process, as on a host: this class only starts them and talks to them through the command line.
 */
public final class LocalRun {

    private final Path dir;
    private final Path workerJar;
    private LocalKafka kafka;
    private Process worker;

    private LocalRun(Path dir, Path workerJar) {
        this.dir = dir.toAbsolutePath().normalize();
        this.workerJar = workerJar.toAbsolutePath().normalize();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("tinyvol-local");
        Path jar = Path.of("worker/target/tinyvol-worker.jar");
        boolean once = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--once" -> once = true;
                case "--dir" -> dir = Path.of(args[++i]);
                case "--worker-jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("Usage: bin/tinyvol-local [--once] [--dir DIR]\n"
                            + "Starts a local Kafka broker (KRaft), a worker for node 'local-node' with a CAS of sample data,\n"
                            + "sends an assemble and a teardown through Kafka and prints their results; then keeps serving\n"
                            + "until Ctrl-C (--once: stop after the demo). Everything lives under DIR (default: tinyvol-local).");
                    return;
                }
                default -> {
                    System.err.println("tinyvol-local: unknown argument " + args[i] + " (see --help)");
                    System.exit(2);
                }
            }
        }
        if (!Files.exists(jar)) {
            System.err.println("tinyvol-local: no worker jar at " + jar + "; build it first: mvn -B -q package -DskipTests");
            System.exit(1);
        }
        LocalRun run = new LocalRun(dir, jar);
        Runtime.getRuntime().addShutdownHook(new Thread(run::stop));
        System.exit(run.run(once));
    }

    private int run(boolean once) throws Exception {
        Files.createDirectories(dir);
        say("starting Kafka (KRaft, one node) in %s ...", dir.resolve("kafka"));
        kafka = LocalKafka.start(dir.resolve("kafka"), 0);
        say("  broker at %s", kafka.bootstrap());

        Path node = dir.resolve("node");
        say("writing sample data and ingesting it into the CAS at %s ...", node.resolve("cas"));
        tinyvol(dir.resolve("sample.log"), "demo", "--dir", node.toString());
        Path config = dir.resolve("worker.properties");
        int httpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        Files.writeString(config, String.join("\n",
                "# Written by bin/tinyvol-local: a worker for the local broker.",
                "node=local-node",
                "http.port=" + httpPort,
                "cas.dir=" + node.resolve("cas"),
                "volumes.dir=" + node.resolve("volumes"),
                "kafka.bootstrap.servers=" + kafka.bootstrap(), ""));
        say("starting the worker for node local-node (log: %s) ...", dir.resolve("worker.log"));
        startWorker(config);

        say("");
        say("$ tinyvol submit --action ASSEMBLE --volume demo-1 --ref sample --wait");
        System.out.print(tinyvol(null, "submit", "--bootstrap", kafka.bootstrap(), "--node", "local-node", "--action", "ASSEMBLE",
                "--volume", "demo-1", "--ref", "sample", "--wait"));
        say("$ tinyvol submit --action TEARDOWN --volume demo-1 --wait");
        System.out.print(tinyvol(null, "submit", "--bootstrap", kafka.bootstrap(), "--node", "local-node", "--action", "TEARDOWN",
                "--volume", "demo-1", "--wait"));
        say("");
        say("Kafka:   %s (data in %s)", kafka.bootstrap(), kafka.dir());
        say("CAS:     %s (manifest 'sample')", node.resolve("cas"));
        say("Volumes: %s", node.resolve("volumes"));
        say("Worker:  node local-node, config %s, log %s", config, dir.resolve("worker.log"));
        say("Metrics: http://127.0.0.1:%d/metrics (health: /health/live, /health/ready)", httpPort);
        say("");
        // bin/tinyvol finds a Java 25 by itself; a bare "java" may be an older one.
        Path launcher = workerJar.toAbsolutePath().getParent().resolve("../../bin/tinyvol").normalize();
        String cli = Files.isExecutable(launcher) ? launcher.toString()
                : Path.of(System.getProperty("java.home"), "bin", "java") + " -jar " + workerJar;
        if (once) {
            // The broker and the worker stop as this returns: commands for them would only fail.
            say("--once: the broker and the worker stop now; run bin/tinyvol-local without --once to keep them serving");
            say("and get the commands to send more.");
            return 0;
        }
        say("Send more from another terminal:");
        say("  %s submit --bootstrap %s --node local-node --action ASSEMBLE --volume web-7 --ref sample --wait", cli, kafka.bootstrap());
        say("  %s submit --bootstrap %s --node local-node --action LIST --wait", cli, kafka.bootstrap());
        say("  %s results --bootstrap %s --follow", cli, kafka.bootstrap());
        say("");
        say("Serving until Ctrl-C.");
        worker.waitFor();
        return worker.exitValue();
    }

    private void startWorker(Path config) throws IOException, InterruptedException {
        Path log = dir.resolve("worker.log");
        long from = Files.exists(log) ? Files.size(log) : 0;
        worker = new ProcessBuilder(java(null, "worker", "--config", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            if (!worker.isAlive()) {
                throw new IllegalStateException("the worker exited with " + worker.exitValue() + "; see " + log);
            }
            String text = Files.readString(log);
            if (text.length() > from && text.substring((int) from).contains("assigned [")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the worker was not ready within 90 s; see " + log);
    }

    /** Runs the tinyvol command line and returns its output; fails with it if the command fails. */
    private String tinyvol(Path log, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java(null, args)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("tinyvol " + String.join(" ", args) + " failed:\n" + output);
        }
        if (log != null) {
            Files.writeString(log, output);
            return "";
        }
        return output;
    }

    private List<String> java(String property, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (property != null) {
            command.add(property);
        }
        command.add("-jar");
        command.add(workerJar.toString());
        command.addAll(List.of(args));
        return command;
    }

    private synchronized void stop() {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            try {
                worker.waitFor(40, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (kafka != null) {
            kafka.stop();
        }
    }

    private static void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(format, args));
        System.out.flush();
    }
}
