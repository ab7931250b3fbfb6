package dev.ao.engine.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one run may read, write and reach. Recorded in run.json as applied.
 *
 * @param writable   folders the script may write (the workspace in workspace-write, writable_roots, --allow-write)
 * @param readOnly   folders inside writable ones that stay read-only ({@code .git}, {@code dotcodex/})
 * @param hidden     paths the script cannot read (credentials not demanded, {@code [sandbox] deny_read}, ao's run store)
 * @param readable   paths the script must be able to read wherever they live (the project, the script's folder, the
 *                   caller's folder, PATH, demanded credential files, path parameters, --allow-read); bound back
 *                   when they lie under the private {@code /tmp}, a hidden path or a folder the sandbox uid cannot pass
 * @param io         ao's per-run folder for the summary and outputs, writable by the script; bound after the hidden
 *                   paths (it lives in the run store, which is hidden)
 * @param runAs      the unprivileged uid a root ao's script runs as; empty when ao is not root
 * @param traversal  how closed folders on the way to {@code readable} paths are opened for {@code runAs}
 * @param copies     small files {@code runAs} cannot read (a 0600 kubeconfig): their content is copied into the sandbox
 * @param seccomp    the seccomp program (bwrap's {@code --seccomp}) refusing unix-domain sockets, when network is off
 * @param lib        ao's helper library, mounted read-only at {@link #LIB}
 */
public record SandboxPolicy(SandboxMode mode, boolean network, Path workspace, List<Path> writable, List<Path> readOnly,
                            List<Path> hidden, List<Path> readable, Path io, Optional<Identity.RunAs> runAs,
                            Traversal.Plan traversal, List<Path> copies, Optional<Path> seccomp, Path lib, Limits limits) {
    /** ao's own folder inside the sandbox: an empty tmpfs over {@code /run}, no host socket reachable through it. */
    public static final String RUN_DIR = "/run/ao";
    /** The parameters, copied into the sandbox's memory: no plaintext copy on disk outlives the run. */
    public static final String PARAMS = RUN_DIR + "/params.json";
    public static final String LIB = RUN_DIR + "/lib";

    public boolean confined() {
        return mode != SandboxMode.DANGER_FULL_ACCESS;
    }
}
