package dev.ao.engine.run;

import java.nio.file.Path;
import java.util.List;

/**
 * One {@code ao run}, as options say it. Nulls mean "not given": the script's or the config's value applies.
 *
 * @param runId      a run folder already reserved (detached runs: the launcher prints the id before the run starts)
 * @param allowRead  paths the script may read although the sandbox would hide them (--allow-read)
 * @param allowWrite paths the script may write besides its workspace (--allow-write, workspace-write only)
 */
public record RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                         Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                         List<Path> allowRead, List<Path> allowWrite) {

    public static RunRequest of(String target, List<String> params, Path cwd) {
        return new RunRequest(target, params, null, null, null, null, false, false, cwd, null, List.of(), List.of());
    }
}
