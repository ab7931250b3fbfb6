package dev.ao.engine.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * What one run may read, write and reach. Recorded in run.json as applied.
 *
 * @param writable      folders the script may write (the workspace in workspace-write, plus writable_roots)
 * @param readOnly      folders inside writable ones that stay read-only ({@code .git}, {@code dotcodex/})
 * @param hidden        paths the script cannot read (credentials not demanded, {@code [sandbox] deny_read})
 * @param visible       folders under {@code /tmp} the script must still read (the project, the script's folder);
 *                      the rest of the host's {@code /tmp} is replaced by a private one
 * @param private_      ao's own per-run folder (parameters, summary, outputs), always writable by the script
 */
public record SandboxPolicy(SandboxMode mode, boolean network, Path workspace, List<Path> writable, List<Path> readOnly,
                            List<Path> hidden, List<Path> visible, Path private_, Limits limits) {

    public boolean confined() {
        return mode != SandboxMode.DANGER_FULL_ACCESS;
    }
}
