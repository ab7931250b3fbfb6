package dev.ao.engine.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.exec.ProcessSupervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs that outlive the terminal that started them: {@code ao run --detach} reserves the run's folder, starts a
 * supervising {@code ao run --run-id ID} in its own session, and returns the id at once. Approvals and cancels
 * reach the supervisor through the run's folder and signals, so the TUI and other shells can act on it.
 */
public final class DetachedRuns {
    public static final String APPROVAL = "approval.json";
    public static final String SUPERVISOR_LOG = "supervisor.log";
    /** The parameters handed to the supervisor: read once and deleted, so no secret sits on its command line. */
    public static final String PARAMS_IN = ".params-in.json";
    static final String PLACEHOLDER_REASON = "starting a detached supervisor";
    private static final java.util.regex.Pattern RUN_ID = java.util.regex.Pattern.compile("\\d{8}-\\d{6}-\\d{3}-[0-9a-f]{4}");

    /** What {@link #takeParams} gives back: the {@code -p} values as typed, and the literal ones. */
    public record Params(List<String> typed, List<String> literal) {}

    private DetachedRuns() {}

    public static String launch(RunStore store, RunService.Prepared prepared, List<String> command, Path cwd,
                                Map<String, String> env) {
        String id = store.newRunDir();
        RunRecord placeholder = new RunRecord(id, prepared.spec().label(), prepared.spec().skill(),
                prepared.spec().scriptFile().toString(), null, prepared.spec().source(), RunState.QUEUED, null,
                PLACEHOLDER_REASON, Instant.now().toString(), null, null, null, prepared.timeoutSeconds(),
                // supervised by this launcher until the spawned supervisor is known: a death in between is seen as lost
                prepared.params().masked(), null, RunRecord.Supervisor.current(), null, null, null, null, null,
                store.dir(id).resolve(RunStore.STDOUT).toString(), store.dir(id).resolve(RunStore.STDERR).toString(), null,
                cwd.toString());
        return launch(store, placeholder, prepared.request().params(), prepared.request().literalParams(), command, cwd, env);
    }

    /** A detached workflow: the same hand-over as a script's (a reserved folder, parameters in a file, a new supervisor). */
    public static String launchWorkflow(RunStore store, String label, String skill, Path file, com.fasterxml.jackson.databind.node.ObjectNode masked,
                                        List<String> typed, List<String> literal, List<String> command, Path cwd, Map<String, String> env) {
        String id = store.newRunDir();
        RunRecord placeholder = new RunRecord(id, label, skill, file.toString(), null, null, RunState.QUEUED, null,
                PLACEHOLDER_REASON, Instant.now().toString(), null, null, null, null, masked, null, RunRecord.Supervisor.current(),
                null, null, null, null, null, store.dir(id).resolve(RunStore.STDOUT).toString(),
                store.dir(id).resolve(RunStore.STDERR).toString(), null, cwd.toString(), RunRecord.ORIGIN_CLI, RunRecord.KIND_WORKFLOW,
                null, null, null, null);
        return launch(store, placeholder, typed, literal, command, cwd, env);
    }

    private static String launch(RunStore store, RunRecord placeholder, List<String> typed, List<String> literal,
                                 List<String> command, Path cwd, Map<String, String> env) {
        String id = placeholder.id();
        store.write(placeholder);
        writeParams(store.dir(id).resolve(PARAMS_IN), typed, literal);
        List<String> cmd = new ArrayList<>(command);
        // before the script's own positional arguments ('-- a b'), where it would be one of them
        int end = cmd.indexOf("--");
        int at = end < 0 ? cmd.size() : end;
        cmd.add(at, id);
        cmd.add(at, "--run-id");
        try {
            ProcessHandle child = ProcessSupervisor.spawnDetached(cmd, cwd, env, store.dir(id).resolve(SUPERVISOR_LOG));
            // recorded at once: a supervisor that dies before its own first write leaves a lost run, not a queued one
            store.write(placeholder.withSupervisor(RunRecord.Supervisor.of(child)));
        } catch (IOException e) {
            store.write(placeholder.withEnd(RunState.FAILED, null, "could not start the supervisor: " + e.getMessage(),
                    Instant.now(), null, null, null, null));
            throw new AoException(ExitCode.FAILED, "cannot start a detached run: " + e.getMessage());
        }
        return id;
    }

    /** Owner-only from the moment it exists: the values may be secrets. */
    private static void writeParams(Path file, List<String> typed, List<String> literal) {
        ObjectNode n = RunStore.JSON.createObjectNode();
        typed.forEach(n.putArray("typed")::add);
        literal.forEach(n.putArray("literal")::add);
        try (var ch = Files.newByteChannel(file, java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            ch.write(java.nio.ByteBuffer.wrap(RunStore.toJson(n)));
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot hand the parameters to the detached run: " + e.getMessage());
        }
    }

    /**
     * Refuses a {@code --run-id} that is not a folder {@link #launch} reserved and no supervisor has taken yet: a
     * path, a made-up id, or a run that already ran must never be written into.
     */
    public static void requireReserved(RunStore store, String id) {
        if (id == null || !RUN_ID.matcher(id).matches()) {
            throw AoException.usage("--run-id '" + id + "' is not a run id (yyyyMMdd-HHmmss-SSS-xxxx); it is only for the detached runs ao starts itself");
        }
        Path json = store.dir(id).resolve(RunStore.RUN_JSON);
        RunRecord r;
        try {
            r = RunStore.JSON.readValue(json.toFile(), RunRecord.class);
        } catch (IOException e) {
            throw AoException.usage("--run-id " + id + ": no run folder reserved for a detached run under " + store.runsDir());
        }
        if (r.state() != RunState.QUEUED || !PLACEHOLDER_REASON.equals(r.reason())) {
            throw alreadyStarted(id, r.state());
        }
    }

    private static AoException alreadyStarted(String id, RunState state) {
        return AoException.usage("--run-id " + id + ": that run is " + state.id() + " and was already started; a run id is used once");
    }

    /** The detached supervisor's parameters: read from the reserved folder, and deleted before anything runs. */
    public static Params takeParams(RunStore store, String id) {
        requireReserved(store, id);
        Path f = store.dir(id).resolve(PARAMS_IN);
        if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw alreadyStarted(id, RunState.QUEUED);
        try {
            JsonNode n = RunStore.JSON.readTree(f.toFile());
            List<String> typed = new ArrayList<>();
            List<String> literal = new ArrayList<>();
            n.path("typed").forEach(v -> typed.add(v.asText()));
            n.path("literal").forEach(v -> literal.add(v.asText()));
            return new Params(typed, literal);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, f + ": cannot read the detached run's parameters: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // left behind in the owner-only run folder; the run goes on
            }
        }
    }

    /** A detached run waits for a decision written into its folder by {@link #decide}. */
    public static Approver approver(RunStore store, String id) {
        return request -> {
            Path f = store.dir(id).resolve(APPROVAL);
            while (true) {
                if (Files.isRegularFile(f)) {
                    try {
                        JsonNode n = RunStore.JSON.readTree(f.toFile());
                        return new Approver.Decision("approved".equals(n.path("decision").asText()), n.path("by").asText("unknown"));
                    } catch (IOException e) {
                        // being written: written atomically, so only a foreign file gets here; read again
                    }
                }
                Thread.sleep(200);
            }
        };
    }

    /** Removes a decision once read: a workflow asks again for its next gate. */
    public static void clearDecision(RunStore store, String id) {
        try {
            Files.deleteIfExists(store.dir(id).resolve(APPROVAL));
        } catch (IOException ignored) {
            // a stale decision file is overwritten by the next decision
        }
    }

    /** Approves or rejects a run in {@code waiting_approval}. */
    public static void decide(RunStore store, String id, boolean approve, String by) {
        RunRecord r = store.resolve(id);
        if (r.state() != RunState.WAITING_APPROVAL) {
            throw AoException.usage("run " + r.id() + " is " + r.state().id() + ", not waiting_approval");
        }
        ObjectNode n = RunStore.JSON.createObjectNode();
        n.put("decision", approve ? "approved" : "rejected");
        n.put("by", by);
        n.put("at", Instant.now().toString());
        RunStore.writeAtomically(store.dir(r.id()).resolve(APPROVAL), RunStore.toJson(n));
    }

    /**
     * Stops a run's whole tree by signalling its supervisor; waits up to {@code wait} for it to record the end.
     * A run whose supervisor is gone comes back lost (nothing left to stop); one that never had a supervisor
     * recorded (a folder being created) is waited for, then recorded canceled.
     */
    public static RunRecord cancel(RunStore store, String idPrefix, Duration wait) throws InterruptedException {
        RunRecord r = store.resolve(idPrefix);
        if (r.state() == RunState.LOST) return r;
        if (r.state().terminal()) {
            throw AoException.usage("run " + r.id() + " already ended: " + r.state().id());
        }
        long end = System.nanoTime() + wait.toNanos();
        while (r.supervisor() == null && !r.state().terminal() && System.nanoTime() < end) {
            Thread.sleep(100);
            r = store.read(r.id()).orElse(r);
        }
        if (r.state().terminal()) return r;
        if (r.supervisor() == null) {
            RunRecord canceled = r.withEnd(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled before a supervisor started",
                    Instant.now(), r.summary(), r.summaryTruncated(), r.outputs(), r.workspaceKept());
            store.write(canceled);
            store.event(r.id(), RunState.CANCELED, Map.of("reason", canceled.reason()));
            return canceled;
        }
        if (!ProcessSupervisor.terminate(r.supervisor().pid())) {
            return store.read(r.id()).orElse(r);
        }
        while (System.nanoTime() < end) {
            RunRecord now = store.read(r.id()).orElse(r);
            if (now.state().terminal()) return now;
            Thread.sleep(100);
        }
        return store.read(r.id()).orElse(r);
    }
}
