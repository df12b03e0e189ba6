package dev.tinyvol.worker.launch;

import java.lang.reflect.InvocationTargetException;

/**
 * The jar's entry point, compiled for Java 17 (the rest of the worker is Java 25): on an older
 * runtime it says which Java it found and what to do, instead of an UnsupportedClassVersionError.
 */
public final class Launcher {

    private static final int NEEDED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = Runtime.version().feature();
        if (feature < NEEDED) {
            System.err.println("tinyvol: needs Java " + NEEDED + " or newer (the node agent calls the kernel through the "
                    + "FFM API), but this is Java " + feature + " at " + System.getProperty("java.home")
                    + "; run it with a JDK " + NEEDED + " (bin/tinyvol finds one by itself, or set TINYVOL_JAVA)");
            System.exit(1);
        }
        try {
            Class.forName("dev.tinyvol.worker.cli.TinyVolCli").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
