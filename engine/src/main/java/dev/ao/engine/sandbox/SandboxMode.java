package dev.ao.engine.sandbox;

import dev.ao.engine.AoException;

/** Codex's sandbox modes, with Codex's meanings. */
public enum SandboxMode {
    READ_ONLY("read-only"),
    WORKSPACE_WRITE("workspace-write"),
    DANGER_FULL_ACCESS("danger-full-access");

    private final String id;

    SandboxMode(String id) {
        this.id = id;
    }

    public String id() { return id; }

    public static SandboxMode parse(String s, String where) {
        for (SandboxMode m : values()) {
            if (m.id.equals(s)) return m;
        }
        throw AoException.usage(where + ": sandbox mode '" + s + "' is not one of read-only, workspace-write, danger-full-access");
    }

    @Override
    public String toString() { return id; }
}
