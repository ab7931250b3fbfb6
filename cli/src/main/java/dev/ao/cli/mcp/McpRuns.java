package dev.ao.cli.mcp;

import dev.ao.engine.AoException;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.DetachedRuns;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.WorkflowRunner;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runs this server started and that have not ended: each a {@link RunService.Active} driven to its end on a
 * thread of its own, so a tool call may return before the run ends and later calls find it. run.json stays the
 * truth for what a run's state is; this only holds what is needed to wait for a run or stop it.
 */
final class McpRuns {
    /** What is needed of a live run, script or workflow: its state as it stands, a way to stop it, its end. */
    private record Live(java.util.function.Supplier<RunState> state, Runnable cancel, CompletableFuture<RunRecord> done,
                        java.util.function.Supplier<List<JobRecord>> jobs) {}

    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final RunStore store;
    private final PrintStream diag;
    private final ExecutorService threads = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "ao-mcp-run-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    McpRuns(RunStore store, PrintStream diag) {
        this.store = store;
        this.diag = diag;
    }

    /**
     * Records the run and sets it going. A run that needs approval waits for a person: {@code ao runs approve} or the
     * TUI writes the decision into the run's folder, the only way one reaches it; nothing in MCP can.
     */
    String start(RunService service, RunService.Prepared prepared) {
        RunListener listener = new RunListener() {
            @Override
            public void warning(String message) {
                diag.println("ao: warning: " + message);
            }
        };
        RunService.Active active = service.start(prepared, person(), listener);
        go(active.id(), () -> active.record().state(), active::cancel, active::await, null);
        return active.id();
    }

    /**
     * The person who decides for a run or a workflow's gate: whoever writes the decision into that run's folder
     * ({@code ao runs approve}, the TUI). Asked with the id of the run that waits, a nested workflow's included.
     */
    Approver person() {
        return request -> DetachedRuns.approver(store, request.runId()).decide(request);
    }

    /** Records a workflow run (queued, so its id can be handed back) and drives it to its end like a script's. */
    String startWorkflow(WorkflowRunner runner) {
        RunRecord r = runner.start();
        go(r.id(), () -> runner.record().state(), runner::cancel, runner::run, runner::jobs);
        return r.id();
    }

    private interface Driver {
        RunRecord run() throws Exception;
    }

    private void go(String id, java.util.function.Supplier<RunState> state, Runnable cancel, Driver driver,
                    java.util.function.Supplier<List<JobRecord>> jobs) {
        CompletableFuture<RunRecord> done = new CompletableFuture<>();
        live.put(id, new Live(state, cancel, done, jobs));
        threads.execute(() -> {
            try {
                done.complete(driver.run());
            } catch (Throwable t) {
                diag.println("ao: run " + id + ": " + t.getMessage());
                done.completeExceptionally(t);
            } finally {
                live.remove(id);
            }
        });
    }

    /**
     * The run's record once it has ended, or after {@code wait}, or as soon as it waits for approval (waiting longer
     * would not help: only a person can move it on), unless {@code stopAtApproval} is false. Read from run.json.
     */
    RunRecord await(String id, Duration wait, boolean stopAtApproval) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        Live l = live.get(id);
        while (l != null) {
            long left = until - System.nanoTime();
            if (left <= 0) break;
            try {
                l.done().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
                break;
            } catch (TimeoutException e) {
                if (stopAtApproval && l.state().get() == RunState.WAITING_APPROVAL) break;
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        return store.read(id).orElseThrow(() -> AoException.usage("no run matches '" + id + "'; see 'ao runs list'"));
    }

    /**
     * A live workflow's jobs as its runner holds them now: jobs.json is written a little later, and a job at its
     * approval gate must read waiting, never running. Empty once the run has ended: then the file is the truth.
     */
    java.util.Optional<List<JobRecord>> liveJobs(String id) {
        Live l = live.get(id);
        return l == null || l.jobs() == null ? java.util.Optional.empty() : java.util.Optional.of(l.jobs().get());
    }

    /** A warning for the person who reads the server's stderr (stdout is JSON-RPC only). */
    void warn(String message) {
        diag.println("ao: warning: " + message);
    }

    boolean owns(String id) {
        return live.containsKey(id);
    }

    /** Stops one of this server's runs and waits a little for it to be recorded canceled. */
    RunRecord cancel(String id, Duration wait) throws InterruptedException {
        Live l = live.get(id);
        if (l != null) {
            l.cancel().run();
            try {
                l.done().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                // recorded by its own thread when it gets there
            }
        }
        return store.read(id).orElseThrow();
    }

    /** Ends every run still going (the client went away, or the server is stopped): recorded canceled, not lost. */
    void cancelAll(Duration wait) {
        List<Live> all = List.copyOf(live.values());
        all.forEach(l -> l.cancel().run());
        long until = System.nanoTime() + wait.toNanos();
        for (Live l : all) {
            try {
                l.done().get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // as much as could be recorded in time
            }
        }
    }
}
