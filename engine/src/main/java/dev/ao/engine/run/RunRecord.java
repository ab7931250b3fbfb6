package dev.ao.engine.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.script.SourceRef;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What {@code run.json} holds: everything about one run. Files are the truth; this is their value.
 *
 * @param label      the skill id, or the script's file name for a run by path
 * @param script     the script file as given (the copy that ran is {@code scriptCopy} in the run folder)
 * @param params     parameters with secrets masked
 * @param sandbox    the policy that was applied, as recorded
 * @param supervisor the process supervising the run; if it is gone while the run is not finished, the run is lost
 * @param origin     who started it: {@code cli} (also the TUI and shell; what a run.json without the field means)
 *                   or {@code mcp} (an agent through {@code ao mcp})
 * @param kind       {@code workflow} for a workflow's own run, {@code job} for a job's (or a for_each item's) child run
 * @param parent     the workflow run a child belongs to
 * @param job        the job id of a child run
 * @param item       the for_each index of a child run
 * @param attempt    1 for the first try of a child, 2 for the first retry...
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(String id, String label, String skill, String script, String scriptCopy, SourceRef source,
                        RunState state, Integer exitCode, String reason, String createdAt, String startedAt,
                        String endedAt, Long durationMs, Integer timeoutSeconds, ObjectNode params, JsonNode sandbox,
                        Supervisor supervisor, String workspace, Boolean workspaceKept, String summary,
                        Boolean summaryTruncated, Map<String, String> outputs, String stdoutLog, String stderrLog,
                        Approval approval, String cwd, String origin, String kind, String parent, String job,
                        Integer item, Integer attempt) {

    /** {@code kind} of a workflow's own run; a job's child run is {@link #KIND_JOB}; a plain script run has none. */
    public static final String KIND_WORKFLOW = "workflow";
    public static final String KIND_JOB = "job";

    /** A run with no place in a workflow tree. */
    public RunRecord(String id, String label, String skill, String script, String scriptCopy, SourceRef source,
                     RunState state, Integer exitCode, String reason, String createdAt, String startedAt,
                     String endedAt, Long durationMs, Integer timeoutSeconds, ObjectNode params, JsonNode sandbox,
                     Supervisor supervisor, String workspace, Boolean workspaceKept, String summary,
                     Boolean summaryTruncated, Map<String, String> outputs, String stdoutLog, String stderrLog,
                     Approval approval, String cwd, String origin) {
        this(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt, endedAt, durationMs,
                timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated, outputs,
                stdoutLog, stderrLog, approval, cwd, origin, null, null, null, null, null);
    }

    public static final String ORIGIN_CLI = "cli";
    public static final String ORIGIN_MCP = "mcp";

    /** A run started from the command line (the TUI and shell too). */
    public RunRecord(String id, String label, String skill, String script, String scriptCopy, SourceRef source,
                     RunState state, Integer exitCode, String reason, String createdAt, String startedAt,
                     String endedAt, Long durationMs, Integer timeoutSeconds, ObjectNode params, JsonNode sandbox,
                     Supervisor supervisor, String workspace, Boolean workspaceKept, String summary,
                     Boolean summaryTruncated, Map<String, String> outputs, String stdoutLog, String stderrLog,
                     Approval approval, String cwd) {
        this(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt, endedAt, durationMs,
                timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated, outputs,
                stdoutLog, stderrLog, approval, cwd, ORIGIN_CLI);
    }

    /** {@code cli} for a run.json written before the field existed. */
    @Override
    public String origin() {
        return origin == null ? ORIGIN_CLI : origin;
    }

    public RunRecord withOrigin(String o) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt, endedAt,
                durationMs, timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated,
                outputs, stdoutLog, stderrLog, approval, cwd, o, kind, parent, job, item, attempt);
    }

    public record Supervisor(long pid, String startedAt, String host) {
        public static Supervisor current() {
            return of(ProcessHandle.current());
        }

        /** A process on this machine, known by pid and start time so that a reused pid is not mistaken for it. */
        public static Supervisor of(ProcessHandle p) {
            String start = p.info().startInstant().map(Instant::toString).orElse(null);
            String host = System.getenv().getOrDefault("HOSTNAME", "");
            return new Supervisor(p.pid(), start, host);
        }

        /** Whether the supervising process still exists (same pid and same start time, so not a reused pid). */
        public boolean alive() {
            return ProcessHandle.of(pid).map(h -> h.isAlive() && (startedAt == null
                    || h.info().startInstant().map(i -> i.toString().equals(startedAt)).orElse(true))).orElse(false);
        }
    }

    public record Approval(String decision, String by, String at) {}

    public RunRecord withState(RunState s, String why) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, s, exitCode, why, createdAt, startedAt, endedAt,
                durationMs, timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated,
                outputs, stdoutLog, stderrLog, approval, cwd, origin, kind, parent, job, item, attempt);
    }

    public RunRecord withStart(Instant at, JsonNode appliedSandbox) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, RunState.RUNNING, exitCode, reason, createdAt,
                at.toString(), endedAt, durationMs, timeoutSeconds, params, appliedSandbox, supervisor, workspace, workspaceKept,
                summary, summaryTruncated, outputs, stdoutLog, stderrLog, approval, cwd, origin, kind, parent, job, item, attempt);
    }

    public RunRecord withSandbox(JsonNode applied) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt,
                endedAt, durationMs, timeoutSeconds, params, applied, supervisor, workspace, workspaceKept, summary,
                summaryTruncated, outputs, stdoutLog, stderrLog, approval, cwd, origin, kind, parent, job, item, attempt);
    }

    public RunRecord withSupervisor(Supervisor s) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt,
                endedAt, durationMs, timeoutSeconds, params, sandbox, s, workspace, workspaceKept, summary, summaryTruncated,
                outputs, stdoutLog, stderrLog, approval, cwd, origin, kind, parent, job, item, attempt);
    }

    public RunRecord withApproval(Approval a) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt,
                endedAt, durationMs, timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary,
                summaryTruncated, outputs, stdoutLog, stderrLog, a, cwd, origin, kind, parent, job, item, attempt);
    }

    public RunRecord withEnd(RunState s, Integer exit, String why, Instant at, String sum, Boolean truncated,
                             Map<String, String> outs, Boolean kept) {
        Long dur = startedAt == null ? null : Duration.between(Instant.parse(startedAt), at).toMillis();
        return new RunRecord(id, label, skill, script, scriptCopy, source, s, exit, why, createdAt, startedAt, at.toString(),
                dur, timeoutSeconds, params, sandbox, supervisor, workspace, kept, sum, truncated, outs, stdoutLog, stderrLog,
                approval, cwd, origin, kind, parent, job, item, attempt);
    }

    /** The same run placed in a workflow's tree. */
    public RunRecord withTree(String k, String parentId, String jobId, Integer itemIndex, Integer attemptNo) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt, endedAt,
                durationMs, timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated,
                outputs, stdoutLog, stderrLog, approval, cwd, origin, k, parentId, jobId, itemIndex, attemptNo);
    }

    /** The same run with its outputs replaced. */
    public RunRecord withOutputs(Map<String, String> outs) {
        return new RunRecord(id, label, skill, script, scriptCopy, source, state, exitCode, reason, createdAt, startedAt, endedAt,
                durationMs, timeoutSeconds, params, sandbox, supervisor, workspace, workspaceKept, summary, summaryTruncated,
                outs, stdoutLog, stderrLog, approval, cwd, origin, kind, parent, job, item, attempt);
    }

    /** Duration so far for a live run, final for an ended one; null if it never started. */
    public Long elapsedMs() {
        if (durationMs != null) return durationMs;
        if (startedAt == null) return null;
        return Duration.between(Instant.parse(startedAt), Instant.now()).toMillis();
    }
}
