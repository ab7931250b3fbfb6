package dev.ao.cli;

import picocli.CommandLine.IVersionProvider;

/** The version baked into the jar's manifest at build time. */
public final class Version implements IVersionProvider {
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"ao " + get()};
    }
}
