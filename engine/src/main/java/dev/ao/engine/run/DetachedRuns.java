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

    private DetachedRuns() {}

    public static String launch(RunStore store, RunService.Prepared prepared, List<String> command, Path cwd,
                                Map<String, String> env) {
        String id = store.newRunDir();
        RunRecord placeholder = new RunRecord(id, prepared.spec().label(), prepared.spec().skill(),
                prepared.spec().scriptFile().toString(), null, prepared.spec().source(), RunState.QUEUED, null,
                "starting a detached supervisor", Instant.now().toString(), null, null, null, prepared.timeoutSeconds(),
                // supervised by this launcher until the spawned supervisor is known: a death in between is seen as lost
                prepared.params().masked(), null, RunRecord.Supervisor.current(), null, null, null, null, null,
                store.dir(id).resolve(RunStore.STDOUT).toString(), store.dir(id).resolve(RunStore.STDERR).toString(), null,
                cwd.toString());
        store.write(placeholder);
        List<String> cmd = new ArrayList<>(command);
        cmd.add("--run-id");
        cmd.add(id);
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
