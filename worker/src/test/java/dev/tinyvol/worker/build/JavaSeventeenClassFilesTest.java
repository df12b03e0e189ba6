package dev.tinyvol.worker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.client.TinyVolClient;
import dev.tinyvol.messages.Names;
import dev.tinyvol.worker.cli.TinyVolCli;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * messages and client are embedded by schedulers that may run Java 17: every class file they ship
 * must be version 61. The node agent is Java 25 (69). Read from the artifacts on the test classpath,
 * as a scheduler's build would get them.
 */
class JavaSeventeenClassFilesTest {

    static Stream<Arguments> modules() {
        return Stream.of(Arguments.of("tinyvol-messages", Names.class, 61), Arguments.of("tinyvol-client", TinyVolClient.class, 61),
                Arguments.of("tinyvol-worker", TinyVolCli.class, 69));
    }

    @ParameterizedTest(name = "{0} is class file version {2}")
    @MethodSource("modules")
    void everyClassFileHasTheModulesVersion(String module, Class<?> anyClass, int major) throws Exception {
        Map<Integer, List<String>> byVersion = versions(Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI()));
        // The worker's entry point is Java 17 on purpose: an older java then says it needs 25.
        List<String> launcher = byVersion.getOrDefault(61, List.of()).stream().filter(c -> c.contains("/launch/")).toList();
        if (major == 69) {
            assertEquals(List.of("dev/tinyvol/worker/launch/Launcher.class"), launcher);
            byVersion.get(61).removeAll(launcher);
            byVersion.values().removeIf(List::isEmpty);
        }
        assertTrue(byVersion.values().stream().mapToInt(List::size).sum() > 3, module + " has classes: " + byVersion);
        assertEquals(List.of(major), new ArrayList<>(byVersion.keySet()), module + ": " + byVersion);
    }

    private static Map<Integer, List<String>> versions(Path location) throws IOException, URISyntaxException {
        Map<Integer, List<String>> byVersion = new TreeMap<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    try (InputStream in = Files.newInputStream(p)) {
                        byVersion.computeIfAbsent(major(in), k -> new ArrayList<>()).add(location.relativize(p).toString());
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().endsWith(".class")) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            byVersion.computeIfAbsent(major(in), k -> new ArrayList<>()).add(entry.getName());
                        }
                    }
                }
            }
        }
        return byVersion;
    }

    private static int major(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        data.readUnsignedShort();
        return data.readUnsignedShort();
    }
}
