package dev.tinyvol.devbroker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Small properties files a dev broker keeps beside its data (its ports, its credentials, Kafka's own
 * meta.properties), so a restart comes back as it was.
 */
final class SavedProperties {

    /** Fills a new file's properties; may do I/O (finding a free port). */
    interface Filler {
        void fill(Properties p) throws IOException;
    }

    private SavedProperties() {
    }

    static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    /** {@code file} as saved, or, the first time, what {@code fill} puts in, saved with {@code comment}. */
    static Properties loadOrCreate(Path file, String comment, Filler fill) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        Properties p = new Properties();
        fill.fill(p);
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, comment);
        }
        return p;
    }
}
