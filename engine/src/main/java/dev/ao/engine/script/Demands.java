package dev.ao.engine.script;

import java.util.List;

/** What a script needs from the host. {@code network} is null when the script does not say. */
/**
 * What a script needs: binaries on PATH and env vars (local runs), network access, and for a run on Kubernetes the
 * container image ({@code image}) and the pushed credentials mounted into its pod ({@code credentials}).
 */
public record Demands(List<String> binaries, List<String> env, Boolean network, String image, List<String> credentials) {
    public static final Demands NONE = new Demands(List.of(), List.of(), null);

    public Demands {
        credentials = credentials == null ? List.of() : List.copyOf(credentials);
    }

    public Demands(List<String> binaries, List<String> env, Boolean network) {
        this(binaries, env, network, null, List.of());
    }

    public boolean demandsBinary(String name) {
        return binaries.contains(name);
    }
}
