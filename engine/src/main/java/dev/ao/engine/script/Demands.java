package dev.ao.engine.script;

import java.util.List;

/** What a script needs from the host. {@code network} is null when the script does not say. */
public record Demands(List<String> binaries, List<String> env, Boolean network) {
    public static final Demands NONE = new Demands(List.of(), List.of(), null);

    public boolean demandsBinary(String name) {
        return binaries.contains(name);
    }
}
