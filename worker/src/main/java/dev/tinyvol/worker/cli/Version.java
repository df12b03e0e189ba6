package dev.tinyvol.worker.cli;

import picocli.CommandLine;

/** The version written into the jar's manifest by the build. */
public final class Version implements CommandLine.IVersionProvider {

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"tinyvol " + current()};
    }
}
