package dev.ao.engine.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code ao run}, as options say it. Nulls mean "not given": the script's or the config's value applies.
 *
 * @param params        {@code key=value} as typed after {@code -p}: {@code @FILE}, {@code env:VAR} and {@code @@text}
 *                      are read (see {@link dev.ao.engine.script.ParameterBinder#readSources})
 * @param runId         a run folder already reserved (detached runs: the launcher prints the id before the run starts)
 * @param literalParams {@code key=value} taken exactly as given: a form field, a value typed at a hidden prompt
 * @param allowRead     paths the script may read although the sandbox would hide them (--allow-read)
 * @param allowWrite    paths the script may write besides its workspace (--allow-write, workspace-write only)
 * @param args          positional arguments for the script ({@code ao run X -- a b}), after the parameters' argv
 * @param origin        who asks: {@code cli} or {@code mcp}; recorded in run.json
 * @param placement     where it runs: here (the default) or as a Kubernetes Job ({@code --on k8s --tag gpu})
 */
public record RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                         Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                         List<String> literalParams, List<Path> allowRead, List<Path> allowWrite, List<String> args,
                         String origin, Placement placement) {

    public RunRequest {
        origin = origin == null ? RunRecord.ORIGIN_CLI : origin;
        placement = placement == null ? Placement.LOCAL : placement;
        params = List.copyOf(params);
        literalParams = literalParams == null ? List.of() : List.copyOf(literalParams);
        allowRead = allowRead == null ? List.of() : List.copyOf(allowRead);
        allowWrite = allowWrite == null ? List.of() : List.copyOf(allowWrite);
        args = args == null ? List.of() : List.copyOf(args);
    }

    /** A request placed here (no {@code --on}). */
    public RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                      Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                      List<String> literalParams, List<Path> allowRead, List<Path> allowWrite, List<String> args,
                      String origin) {
        this(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId, literalParams,
                allowRead, allowWrite, args, origin, Placement.LOCAL);
    }

    /** The same request placed elsewhere. */
    public RunRequest withPlacement(Placement where) {
        return new RunRequest(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId,
                literalParams, allowRead, allowWrite, args, origin, where);
    }

    /** A request from the command line, the TUI or the shell, with no positional arguments. */
    public RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                      Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                      List<String> literalParams, List<Path> allowRead, List<Path> allowWrite) {
        this(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId, literalParams,
                allowRead, allowWrite, List.of(), RunRecord.ORIGIN_CLI);
    }

    /** A request from the command line with positional arguments. */
    public RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                      Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                      List<String> literalParams, List<Path> allowRead, List<Path> allowWrite, List<String> args) {
        this(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId, literalParams,
                allowRead, allowWrite, args, RunRecord.ORIGIN_CLI);
    }

    /** A request from another front end ({@code mcp}), with no positional arguments. */
    public RunRequest(String target, List<String> params, Integer timeoutSeconds, String sandbox, Boolean network,
                      Path workspace, boolean keepWorkspace, boolean approve, Path cwd, String runId,
                      List<String> literalParams, List<Path> allowRead, List<Path> allowWrite, String origin) {
        this(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId, literalParams,
                allowRead, allowWrite, List.of(), origin);
    }

    /** The same request with positional arguments for the script. */
    public RunRequest withArgs(List<String> positional) {
        return new RunRequest(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId,
                literalParams, allowRead, allowWrite, positional, origin, placement);
    }

    /** A request from a form (the TUI): every value is literal. */
    public static RunRequest of(String target, List<String> params, Path cwd) {
        return new RunRequest(target, List.of(), null, null, null, null, false, false, cwd, null, params, List.of(), List.of());
    }

    /** The same request with more literal values (the secrets a person typed at a prompt). */
    public RunRequest withLiteral(List<String> more) {
        List<String> all = new ArrayList<>(literalParams);
        all.addAll(more);
        return new RunRequest(target, params, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId,
                all, allowRead, allowWrite, args, origin, placement);
    }

    /** The same request with its parameters replaced (a detached run reads them from its folder). */
    public RunRequest withParams(List<String> typed, List<String> literal) {
        return new RunRequest(target, typed, timeoutSeconds, sandbox, network, workspace, keepWorkspace, approve, cwd, runId,
                literal, allowRead, allowWrite, args, origin, placement);
    }
}
