package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.sandbox.SandboxPlanner;
import dev.ao.engine.script.BoundParameters;
import dev.ao.engine.script.SourceRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs one workflow in this JVM: the workflow's own run, and a sandboxed child run per job and per for_each item,
 * each through {@link RunService} like any run. One coordinator thread (the caller of {@link #run}) decides what is
 * ready; a thread per started job dispatches its items; child runs go at most {@code max_parallel} at once.
 *
 * <p>What is on disk is enough to show it from another process and to resume it after a crash: the workflow's
 * {@code run.json} and {@code events.jsonl} (a line per job transition), {@code jobs.json} (every job's state,
 * counts and outputs), {@code children.jsonl} (a line per child run started) and the exact {@code workflow.yml}.
 */
public final class WorkflowRunner {
    public static final String JOBS = "jobs.json";
    public static final String CHILDREN = "children.jsonl";
    public static final String COPY = "workflow.yml";
    private static final long POLL_MS = 200;
    /** Child runs one for_each may start: a list from a hostile output must not become a million runs. */
    public static final int MAX_ITEMS = 10_000;

    /** What the front end hears; called from several threads. */
    public interface Listener extends RunListener {
        /** Something in the tree changed: redraw. */
        default void changed(WorkflowRunner run) {}

        /** A child run was started (a follower may tail its logs). */
        default void childStarted(RunRecord child) {}
    }

    /**
     * How the workflow runs: the options of {@code ao run} that apply to every child.
     *
     * @param approve     approve every gate without asking
     * @param parent      the workflow run this one is nested in (a job that {@code uses:} a workflow), else null
     */
    public record Options(boolean approve, Path cwd, String sandbox, Boolean network, List<Path> allowRead,
                          List<Path> allowWrite, String origin, String parent, String parentJob, Integer parentItem,
                          String skill, SourceRef source, int depth) {
        /** Workflows using workflows: deeper than this is a loop (a uses b uses a), not a design. */
        public static final int MAX_DEPTH = 5;

        public Options {
            allowRead = allowRead == null ? List.of() : List.copyOf(allowRead);
            allowWrite = allowWrite == null ? List.of() : List.copyOf(allowWrite);
            origin = origin == null ? RunRecord.ORIGIN_CLI : origin;
        }

        public static Options of(Path cwd) {
            return new Options(false, cwd, null, null, List.of(), List.of(), null, null, null, null, null, null, 0);
        }
    }

    /** Slots of concurrency groups; see {@code ConcurrencyGroups}. */
    public interface Slots {
        /** @param limit the workflow's own limit for the group; null: the config's, else 1 */
        AutoCloseable acquire(String group, Integer limit, Workflow.OnConflict onConflict, String runId, String label,
                              java.util.function.Consumer<String> blocked, java.util.function.BooleanSupplier canceled,
                              Runnable onCancelRequest) throws InterruptedException;

        /**
         * The same for a job placed on Kubernetes ({@code runs_on: k8s}): {@code cluster} asks for the group's slots in
         * the cluster, shared with every ao using it; by default the machine's.
         */
        default AutoCloseable acquire(String group, Integer limit, Workflow.OnConflict onConflict, String runId, String label,
                                      java.util.function.Consumer<String> blocked, java.util.function.BooleanSupplier canceled,
                                      Runnable onCancelRequest, boolean cluster) throws InterruptedException {
            return acquire(group, limit, onConflict, runId, label, blocked, canceled, onCancelRequest);
        }

        Slots NONE = (g, l, c, id, label, b, x, r) -> () -> {};
    }

    private final RunService service;
    private final java.util.function.Supplier<dev.ao.engine.skill.SkillCatalog> catalog;
    private final RunStore store;
    private final AoConfig config;
    private final Workflow wf;
    private final BoundParameters params;
    private final Approver approver;
    private final Listener listener;
    private final Slots slots;
    private final Options opt;
    private final WorkflowGraph graph;
    private final Map<String, Expressions.Template> conditions = new HashMap<>();
    private final Map<String, Expressions.Template> forEach = new HashMap<>();
    private final Map<String, Map<String, Expressions.Template>> with = new HashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Object approvalTurn = new Object();
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Set<RunService.Active> active = ConcurrentHashMap.newKeySet();
    private final Set<WorkflowRunner> nestedRuns = ConcurrentHashMap.newKeySet();
    private final AtomicInteger waitingGates = new AtomicInteger();
    private Semaphore global;
    private ExecutorService pool;
    private volatile boolean canceled;
    private volatile String cancelReason;
    private volatile RunState cancelState = RunState.CANCELED;
    private volatile boolean paused;
    private volatile boolean dirty;
    private volatile RunRecord record;
    private Path dir;

    public WorkflowRunner(RunService service, AoConfig config, java.util.function.Supplier<dev.ao.engine.skill.SkillCatalog> catalog,
                          Workflow wf, BoundParameters params, Approver approver, Listener listener, Slots slots, Options opt) {
        if (opt.depth() > Options.MAX_DEPTH) {
            throw AoException.usage(wf.file() + ": workflows nested deeper than " + Options.MAX_DEPTH + " (does one use itself through another?)");
        }
        this.service = service;
        this.catalog = catalog;
        this.store = service.store();
        this.config = config;
        this.wf = wf;
        this.params = params;
        this.approver = approver;
        this.listener = listener;
        this.slots = slots == null ? Slots.NONE : slots;
        this.opt = opt;
        this.graph = WorkflowGraph.of(wf);
        compileAll();
        for (Workflow.Job j : wf.jobs().values()) jobs.put(j.id(), new Job(j));
    }

    /** Compiles every template once: the validator has done it already, so a failure here is a bug's one line. */
    private void compileAll() {
        for (Workflow.Job j : wf.jobs().values()) {
            String where = wf.lines().at("/jobs/" + j.id());
            try {
                if (j.ifExpr() != null) conditions.put(j.id(), Expressions.compileCondition(j.ifExpr()));
                if (j.forEach() != null) forEach.put(j.id(), Expressions.compile(j.forEach(), Expressions.Expect.LIST));
                Map<String, Expressions.Template> w = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : j.with().entrySet()) {
                    if (e.getValue() instanceof String s) w.put(e.getKey(), Expressions.compile(s, Expressions.Expect.ANY));
                }
                with.put(j.id(), w);
            } catch (Expressions.ExpressionException e) {
                throw AoException.usage(where + e.getMessage());
            }
        }
    }

    public String id() {
        return record.id();
    }

    public RunRecord record() {
        return record;
    }

    public Workflow workflow() {
        return wf;
    }

    public boolean paused() {
        return paused;
    }

    /** The jobs as they stand, in file order. */
    public List<JobRecord> jobs() {
        List<JobRecord> out = new ArrayList<>();
        for (Job j : jobs.values()) out.add(j.snapshot());
        return out;
    }

    // ---- the workflow's own run ----

    /** Records the workflow run (queued): its folder, the exact file, the masked parameters. */
    public RunRecord start() {
        return start(null);
    }

    /** {@link #start()} in a folder reserved for a detached run. */
    public RunRecord start(String reserved) {
        String id = reserved != null ? reserved : store.newRunDir();
        dir = store.dir(id);
        try {
            Files.createDirectories(dir);
            Files.copy(wf.file(), dir.resolve(COPY), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.write(dir.resolve(RunStore.STDOUT), new byte[0]);
            Files.write(dir.resolve(RunStore.STDERR), new byte[0]);
            Files.write(dir.resolve(CHILDREN), new byte[0]);
            RunStore.writeAtomically(dir.resolve(RunStore.PARAMS), RunStore.toJson(params.masked()));
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir + ": cannot prepare the workflow run: " + e.getMessage());
        }
        String label = opt.skill() != null ? opt.skill() : label(wf.file());
        RunRecord r = new RunRecord(id, label, opt.skill(), wf.file().toString(), COPY, opt.source(), RunState.QUEUED, null,
                null, Instant.now().toString(), null, null, null, wf.timeout(), params.masked(), null,
                RunRecord.Supervisor.current(), null, null, null, null, null, dir.resolve(RunStore.STDOUT).toString(),
                dir.resolve(RunStore.STDERR).toString(), null, opt.cwd().toString(), opt.origin(), RunRecord.KIND_WORKFLOW,
                opt.parent(), opt.parentJob(), opt.parentItem(), null);
        record = r;
        store.write(r);
        store.event(id, RunState.QUEUED, Map.of("label", label, "jobs", wf.jobs().size()));
        writeJobs();
        listener.state(r);
        return r;
    }

    /**
     * Takes over a recorded workflow run whose supervisor is gone (lost) or that ended failed, canceled or timed out:
     * jobs that succeeded keep their recorded outputs and do not run again; the rest run. A job that was running
     * when its supervisor died is run again only if its skill says {@code idempotent: true}, or with
     * {@code rerunInterrupted}; otherwise nothing runs and the error names it.
     */
    public RunRecord resume(RunRecord old, boolean rerunInterrupted, boolean allowChanged) {
        dir = store.dir(old.id());
        String was = WorkflowView.recordedSha(store, old.id());
        if (!allowChanged && was != null && !was.equals(Hashes.sha256(wf.file()))) {
            throw AoException.usage(wf.file() + " changed since run " + old.id() + " started; resume it anyway with --allow-changed,"
                    + " or start a new run");
        }
        List<JobRecord> prior = WorkflowView.jobs(store, old.id());
        List<String> interrupted = new ArrayList<>();
        for (JobRecord p : prior) {
            Job j = jobs.get(p.id());
            if (j == null) continue;
            if (p.state() == RunState.SUCCEEDED) {
                if (!allowChanged) requireSameSource(old, p);
                j.restore(p);
            } else if (p.state() == RunState.INTERRUPTED && !rerunInterrupted && !idempotent(j.def)) {
                interrupted.add(p.id());
            }
        }
        if (!interrupted.isEmpty()) {
            throw AoException.usage("run " + old.id() + ": job" + (interrupted.size() > 1 ? "s " : " ") + String.join(", ", interrupted)
                    + " " + (interrupted.size() > 1 ? "were" : "was") + " running when its supervisor died and "
                    + (interrupted.size() > 1 ? "their skills do" : "its skill does") + " not say idempotent: true;"
                    + " check what it did, then resume with --rerun-interrupted");
        }
        record = old.withSupervisor(RunRecord.Supervisor.current()).withState(RunState.QUEUED, null);
        store.write(record);
        store.event(record.id(), RunState.QUEUED, Map.of("resumed", true, "kept", prior.stream()
                .filter(p -> p.state() == RunState.SUCCEEDED).map(JobRecord::id).toList()));
        writeJobs();
        return record;
    }

    private boolean idempotent(Workflow.Job j) {
        if (j.inline()) return false;
        return catalog.get().find(j.uses()).filter(s -> !s.workflow()).map(s -> {
            try {
                return dev.ao.engine.script.ScriptSpecReader.read(s.specFile()).idempotent();
            } catch (AoException e) {
                return false;
            }
        }).orElse(false);
    }

    /** A succeeded job is reused only if its skill is still the commit it ran from. */
    private void requireSameSource(RunRecord old, JobRecord p) {
        if (p.uses() == null || p.runs() == null || p.runs().isEmpty()) return;
        RunRecord child = store.read(p.runs().get(p.runs().size() - 1)).orElse(null);
        if (child == null || child.source() == null) return;
        String now = catalog.get().find(p.uses()).map(s -> s.source() == null ? null : s.source().commit()).orElse(null);
        if (!child.source().commit().equals(now)) {
            throw AoException.usage("skill " + p.uses() + " moved from commit " + child.source().commit() + " to " + now + " since run "
                    + old.id() + " started; resume it anyway with --allow-changed, or start a new run");
        }
    }

    private String label(Path file) {
        Path f = file.toAbsolutePath().normalize();
        for (Path base : new Path[] {config.projectRoot().orElse(null), opt.cwd()}) {
            if (base != null && f.startsWith(base.toAbsolutePath().normalize())) return base.toAbsolutePath().normalize().relativize(f).toString();
        }
        return f.toString();
    }

    /** Runs the workflow to its end and returns its final record. */
    public RunRecord run() throws InterruptedException {
        if (record == null) start();
        int width = wf.maxParallel() != null ? wf.maxParallel() : Runtime.getRuntime().availableProcessors();
        global = new Semaphore(Math.max(1, width), true);
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ao-wf-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AutoCloseable wfSlot = null;
        try {
            if (wf.concurrency() != null) {
                try {
                    wfSlot = acquire(wf.concurrency(), null, s -> transition(RunState.BLOCKED, s, Map.of("group", s)));
                } catch (Expressions.ExpressionException e) {
                    cancel(RunState.FAILED, wf.lines().at("/concurrency/group") + e.getMessage());
                } catch (AoException e) {
                    // on_conflict: fail, or a group name a template made unusable
                    cancel(e.exitCode() == ExitCode.REFUSED ? RunState.REJECTED : RunState.FAILED, e.getMessage());
                }
                if (wfSlot == null) return finish();
            }
            if (wf.approvalRequired() && opt.parent() == null && !approveWorkflow()) return finish();
            transition(RunState.RUNNING, null, Map.of());
            long deadline = wf.timeout() == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(wf.timeout());
            long lastWrite = 0;
            while (true) {
                control();
                lock.lock();
                try {
                    if (!canceled && !paused) startReady();
                    if (allEnded()) break;
                    wake.await(POLL_MS, TimeUnit.MILLISECONDS);
                } finally {
                    lock.unlock();
                }
                if (System.nanoTime() > deadline && !canceled) {
                    cancel(RunState.TIMED_OUT, "workflow timed out after " + wf.timeout() + " s");
                }
                if (dirty && System.nanoTime() - lastWrite > 500_000_000L) {
                    lastWrite = System.nanoTime();
                    writeJobs();
                }
            }
        } catch (InterruptedException e) {
            cancel(RunState.CANCELED, "canceled");
            awaitChildren();
            throw e;
        } finally {
            // a canceled child ends within the kill grace: its own record is written before this run's
            if (canceled) awaitChildren();
            pool.shutdownNow();
            if (wfSlot != null) closeQuietly(wfSlot);
        }
        return finish();
    }

    /** Ctrl-C, {@code ao runs cancel}: every running child's tree ends, nothing new starts. */
    public void cancel() {
        cancel(RunState.CANCELED, "canceled");
    }

    private void cancel(RunState as, String why) {
        lock.lock();
        try {
            if (canceled) return;
            canceled = true;
            cancelState = as;
            cancelReason = why;
            for (Job j : jobs.values()) {
                // a job waiting for a person or a slot ends now: a prompt at a terminal cannot be interrupted
                if (j.state == RunState.QUEUED || j.state == RunState.WAITING_APPROVAL || j.state == RunState.BLOCKED) {
                    j.end(RunState.CANCELED, why);
                }
            }
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        // no thread is interrupted: a child's await must go on to record its end; every other wait polls the flag
        for (RunService.Active a : active) a.cancel();
        for (WorkflowRunner w : nestedRuns) w.cancel();
        changed();
    }

    public void pause() {
        if (paused || canceled) return;
        paused = true;
        transition(RunState.PAUSED, "paused: running jobs finish, no new job starts (ao runs resume " + record.id() + ")", Map.of());
    }

    public void resumePaused() {
        if (!paused) return;
        paused = false;
        transition(RunState.RUNNING, null, Map.of());
        signal();
    }

    /** Requests from other processes: pause, resume, cancel of one child. */
    private void control() {
        Control.take(dir).ifPresent(a -> {
            switch (a) {
                case "pause" -> pause();
                case "resume" -> resumePaused();
                case "cancel" -> cancel();
                default -> listener.warning("ignored an unknown control request '" + a + "' in " + dir);
            }
        });
        for (RunService.Active a : active) {
            if (Control.childCancelRequested(store.dir(a.id()))) a.cancel();
        }
    }

    private void awaitChildren() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!active.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean allEnded() {
        for (Job j : jobs.values()) if (!j.state.terminal()) return false;
        return true;
    }

    private void signal() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void changed() {
        dirty = true;
        listener.changed(this);
    }

    /** Under the lock: every queued job whose needs have all ended is skipped or started. */
    private void startReady() {
        for (Job j : jobs.values()) {
            if (j.state != RunState.QUEUED) continue;
            boolean ready = true;
            for (String need : j.def.needs()) if (!jobs.get(need).state.terminal()) ready = false;
            if (!ready) continue;
            String skip;
            try {
                skip = skipReason(j);
            } catch (Expressions.ExpressionException e) {
                j.end(RunState.FAILED, "if: " + e.getMessage());
                event(j, Map.of());
                continue;
            }
            if (skip != null) {
                j.end(RunState.SKIPPED, skip);
                event(j, Map.of());
                continue;
            }
            j.begin();
            event(j, Map.of());
            pool.submit(() -> runJob(j));
        }
    }

    /** Null when the job should run; else why it is skipped. */
    private String skipReason(Job j) throws Expressions.ExpressionException {
        Expressions.Status status = status(j);
        Expressions.Template cond = conditions.get(j.def.id());
        if (cond == null || !mentionsStatus(j.def.ifExpr())) {
            if (!status.needsSucceeded()) {
                for (String need : j.def.needs()) {
                    Job n = jobs.get(need);
                    if (!countsAsSuccess(n)) return "needs " + need + ", which " + (n.state == RunState.SKIPPED ? "was skipped" : "ended " + n.state.id());
                }
            }
            if (cond == null) return null;
        }
        return cond.test(scope(j, null, null, 1)) ? null : "if: " + j.def.ifExpr().strip() + " was false";
    }

    private static boolean mentionsStatus(String expr) {
        return expr != null && expr.matches("(?s).*\\b(success|failure|always|cancelled)\\s*\\(.*");
    }

    private boolean countsAsSuccess(Job n) {
        return n.state == RunState.SUCCEEDED || (n.def.continueOnError() && (n.state == RunState.FAILED || n.state == RunState.TIMED_OUT));
    }

    private Expressions.Status status(Job j) {
        boolean ok = true;
        for (String need : j.def.needs()) if (!countsAsSuccess(jobs.get(need))) ok = false;
        boolean failed = false;
        for (String a : graph.ancestors(j.def.id())) {
            Job n = jobs.get(a);
            if ((n.state == RunState.FAILED || n.state == RunState.TIMED_OUT) && !n.def.continueOnError()) failed = true;
        }
        return new Expressions.Status(ok, failed, canceled);
    }

    private Expressions.Scope scope(Job j, Object item, Integer index, int attempt) {
        Map<String, Object> js = new LinkedHashMap<>();
        for (Job n : jobs.values()) {
            if (!n.state.terminal()) continue;
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("outputs", n.outputsValue());
            v.put("result", n.state.id());
            js.put(n.def.id(), v);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("id", record.id());
        run.put("attempt", (long) attempt);
        return new Expressions.Scope(paramValues(), js, item, index == null ? null : index.longValue(), run,
                j == null ? new Expressions.Status(true, false, canceled) : status(j));
    }

    private Map<String, Object> paramValues() {
        return Json.toJava(params.values());
    }

    // ---- one job ----

    private void runJob(Job j) {
        j.thread = Thread.currentThread();
        AutoCloseable slot = null;
        try {
            if (j.def.concurrency() != null) {
                slot = acquire(j.def.concurrency(), j, s -> {
                    j.state = RunState.BLOCKED;
                    j.reason = s;
                    event(j, Map.of());
                });
                if (slot == null) return;
                j.state = RunState.RUNNING;
                j.reason = null;
            }
            List<?> items = null;
            Expressions.Template fe = forEach.get(j.def.id());
            if (fe != null) {
                items = fe.list(scope(j, null, null, 1));
                if (items.size() > MAX_ITEMS) {
                    throw new Expressions.ExpressionException("for_each gave " + items.size() + " items; at most " + MAX_ITEMS
                            + " child runs per job (split the list, or do the loop inside one script)");
                }
                j.items = items.size();
                changed();
            }
            // nothing to fan out over: nothing to approve
            if (j.def.approval() && (items == null || !items.isEmpty()) && !gate(j, "job '" + j.def.id() + "' has approval: true")) return;
            if (items == null) {
                runItem(j, null, null);
            } else {
                Semaphore width = new Semaphore(j.def.maxParallel() != null ? j.def.maxParallel() : Integer.MAX_VALUE / 2);
                List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    waitWhilePaused();
                    if (canceled || j.groupCanceled) break;
                    if (!acquireUnlessCanceled(width, j)) break;
                    if (paused) {
                        // paused while this waited for a free place: start nothing new
                        width.release();
                        i--;
                        continue;
                    }
                    final Object item = items.get(i);
                    final int index = i;
                    futures.add(pool.submit(() -> {
                        try {
                            runItem(j, item, index);
                        } finally {
                            width.release();
                        }
                    }));
                }
                for (var f : futures) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        j.itemFailed(-1, "ao: " + e.getCause());
                    }
                }
            }
            j.conclude(canceled || j.groupCanceled, j.groupCanceled ? j.reason : cancelReason);
        } catch (Expressions.ExpressionException e) {
            j.end(RunState.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            j.end(RunState.CANCELED, j.groupCanceled ? j.reason : cancelReason != null ? cancelReason : "canceled");
        } catch (AoException e) {
            j.end(e.exitCode() == ExitCode.REFUSED ? RunState.REJECTED : RunState.FAILED, e.getMessage());
        } catch (RuntimeException e) {
            j.end(RunState.FAILED, "ao: " + e);
        } finally {
            if (slot != null) closeQuietly(slot);
            j.thread = null;
            event(j, Map.of());
            writeJobs();
            if (j.state == RunState.REJECTED && !canceled) {
                cancel(RunState.REJECTED, "job " + j.def.id() + ": " + j.reason);
            }
            signal();
        }
    }

    private boolean acquireUnlessCanceled(Semaphore width, Job j) throws InterruptedException {
        while (!canceled && !j.groupCanceled) {
            if (width.tryAcquire(POLL_MS, TimeUnit.MILLISECONDS)) return true;
        }
        return false;
    }

    private void waitWhilePaused() throws InterruptedException {
        while (paused && !canceled) Thread.sleep(POLL_MS);
    }

    /** Acquires a concurrency slot; null when the workflow was canceled while waiting. */
    private AutoCloseable acquire(Workflow.Concurrency c, Job j, java.util.function.Consumer<String> blocked)
            throws InterruptedException, Expressions.ExpressionException {
        String group = Expressions.compile(c.group(), Expressions.Expect.ANY).render(scope(j, null, null, 1));
        Integer limit = c.limit();
        Workflow.OnConflict on = c.onConflict() == null ? Workflow.OnConflict.QUEUE : c.onConflict();
        String label = record.label() + (j == null ? "" : "/" + j.def.id());
        // cancel-in-progress from another run of the group: the whole workflow, or only this job's runs
        Runnable onCancel = j == null ? () -> cancel(RunState.CANCELED, "canceled: another run of concurrency group '" + group
                + "' took over (cancel-in-progress)") : () -> j.cancelByGroup(group);
        AutoCloseable slot = slots.acquire(group, limit, on, record.id(), label,
                s -> blocked.accept("waiting for a slot of concurrency group '" + group + "': " + s),
                () -> canceled || (j != null && j.groupCanceled), onCancel,
                j != null && new dev.ao.engine.run.Placement(j.def.runsOn(), j.def.runsOnTags()).k8s());
        if (canceled) {
            closeQuietly(slot);
            return null;
        }
        return slot;
    }

    /** {@code risk: approval_required} on the workflow: one decision before any job starts. */
    private boolean approveWorkflow() throws InterruptedException {
        String why = "workflow says risk: approval_required";
        Approver.Decision d;
        if (opt.approve()) {
            d = new Approver.Decision(true, "--approve (" + System.getenv().getOrDefault("USER", "unknown user") + ")");
        } else {
            transition(RunState.WAITING_APPROVAL, why, Map.of());
            try {
                d = approver.decide(new Approver.Request(record.id(), record.label(), params.masked(),
                        opt.sandbox() != null ? opt.sandbox() : config.sandboxMode(), !Boolean.FALSE.equals(opt.network()) && config.networkAccess(),
                        wf.jobs().values().stream().map(j -> j.id() + ": " + (j.inline() ? "run (" + j.shell() + ")" : "uses " + j.uses())).toList(), why));
            } finally {
                dev.ao.engine.run.DetachedRuns.clearDecision(store, record.id());
            }
        }
        record = record.withApproval(new RunRecord.Approval(d.approved() ? "approved" : "rejected", d.by(), Instant.now().toString()));
        if (d.approved()) return true;
        cancel(RunState.REJECTED, d.reason() != null ? d.reason() : "rejected by " + d.by());
        return false;
    }

    /** A person decides once per job; the decision holds for every item and attempt. */
    private boolean gate(Job j, String why) throws InterruptedException {
        synchronized (j) {
            if (j.approved != null) return j.approved;
            RunState before = j.state;
            j.state = RunState.WAITING_APPROVAL;
            j.reason = why;
            event(j, Map.of("why", why));
            Approver.Decision d;
            if (opt.approve()) {
                d = new Approver.Decision(true, "--approve (" + System.getenv().getOrDefault("USER", "unknown user") + ")");
            } else {
                synchronized (approvalTurn) {
                    if (waitingGates.getAndIncrement() == 0) transition(RunState.WAITING_APPROVAL, "job " + j.def.id() + ": " + why, Map.of("job", j.def.id()));
                    try {
                        d = approver.decide(new Approver.Request(record.id(), record.label() + " · job " + j.def.id(),
                                Json.objectOf(j.def.with()), opt.sandbox() != null ? opt.sandbox() : config.sandboxMode(),
                                !Boolean.FALSE.equals(opt.network()) && config.networkAccess(), head(j.def), why));
                    } finally {
                        dev.ao.engine.run.DetachedRuns.clearDecision(store, record.id());
                        if (waitingGates.decrementAndGet() == 0 && !canceled) transition(paused ? RunState.PAUSED : RunState.RUNNING, null, Map.of());
                    }
                }
            }
            j.approved = d.approved();
            store.event(record.id(), RunState.WAITING_APPROVAL, Map.of("job", j.def.id(), "decision",
                    d.approved() ? "approved" : "rejected", "by", d.by()));
            if (!d.approved()) {
                j.end(RunState.REJECTED, d.reason() != null ? d.reason() : "rejected by " + d.by());
                return false;
            }
            j.state = before == RunState.WAITING_APPROVAL ? RunState.RUNNING : before;
            j.reason = null;
            changed();
            return true;
        }
    }

    private List<String> head(Workflow.Job j) {
        if (j.inline()) return j.run().lines().limit(15).toList();
        return List.of("uses: " + j.uses());
    }

    /** One child run per attempt until one succeeds, the retries run out or the workflow is canceled. */
    private void runItem(Job j, Object item, Integer index) {
        Workflow.Retry retry = j.def.retry() == null ? Workflow.Retry.NONE : j.def.retry();
        for (int attempt = 1; ; attempt++) {
            if (canceled || j.groupCanceled) {
                j.itemEnded(index, null, RunState.CANCELED, canceled ? cancelReason : j.reason);
                return;
            }
            RunRecord r;
            try {
                r = runChild(j, item, index, attempt);
            } catch (Expressions.ExpressionException | AoException e) {
                j.itemFailed(index, e.getMessage());
                return;
            } catch (InterruptedException e) {
                j.itemEnded(index, null, RunState.CANCELED, cancelReason != null ? cancelReason : "canceled");
                return;
            }
            boolean again = attempt < retry.attempts() && !canceled && !j.groupCanceled && retries(retry, r);
            if (!again) {
                j.itemEnded(index, r, r.state(), r.reason());
                return;
            }
            long wait = retry.delayBefore(attempt + 1);
            store.event(record.id(), RunState.RUNNING, retryDetail(j, index, attempt + 1, wait, r));
            j.retrying(attempt + 1);
            try {
                long end = System.nanoTime() + wait * 1_000_000L;
                while (System.nanoTime() < end && !canceled && !j.groupCanceled) {
                    Thread.sleep(Math.max(1, Math.min(POLL_MS, (end - System.nanoTime()) / 1_000_000L)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (canceled || j.groupCanceled) {
                j.itemEnded(index, r, RunState.CANCELED, canceled ? cancelReason : j.reason);
                return;
            }
        }
    }

    private static Map<String, Object> retryDetail(Job j, Integer index, int attempt, long wait, RunRecord r) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("job", j.def.id());
        d.put("job_state", "retrying");
        if (index != null) d.put("item", index);
        d.put("attempt", attempt);
        d.put("backoff_ms", wait);
        d.put("after", r.state().id() + (r.exitCode() != null ? " (exit code " + r.exitCode() + ")" : ""));
        return d;
    }

    private static boolean retries(Workflow.Retry retry, RunRecord r) {
        String result = r.state().id();
        if (!retry.onResults().contains(result) && !(r.state() == RunState.FAILED && !retry.onExitCodes().isEmpty())) return false;
        if (r.state() == RunState.FAILED && !retry.onExitCodes().isEmpty() && !retry.onResults().contains(result)) {
            return r.exitCode() != null && retry.onExitCodes().contains(r.exitCode());
        }
        return true;
    }

    private RunRecord runChild(Job j, Object item, Integer index, int attempt)
            throws Expressions.ExpressionException, InterruptedException {
        Expressions.Scope scope = scope(j, item, index, attempt);
        List<String> pairs = new ArrayList<>();
        Map<String, Expressions.Template> templates = with.get(j.def.id());
        for (Map.Entry<String, Object> e : j.def.with().entrySet()) {
            Object v = templates.containsKey(e.getKey()) ? templates.get(e.getKey()).evaluate(scope) : e.getValue();
            pairsOf(e.getKey(), v, pairs);
        }
        if (!j.def.inline()) {
            java.util.Optional<WorkflowTarget> sub = WorkflowTarget.find(j.def.uses(), opt.cwd(), catalog);
            if (sub.isPresent()) return runNested(j, sub.get(), pairs, index, attempt);
        }
        String target = j.def.inline() ? inlineScript(j.def).toString() : j.def.uses();
        RunRequest req = new RunRequest(target, List.of(), j.def.timeout(), opt.sandbox(), opt.network(), null, false,
                true, opt.cwd(), null, pairs, opt.allowRead(), opt.allowWrite(), List.of(), opt.origin())
                .withPlacement(new dev.ao.engine.run.Placement(j.def.runsOn(), j.def.runsOnTags()));
        RunService.Prepared p = hideSecrets(service.prepare(req));
        if (p.spec().approvalRequired() && !gate(j, "its skill says risk: approval_required")) {
            throw AoException.refused(j.reason);
        }
        if (p.needsApproval() && !p.spec().approvalRequired() && !gate(j, p.approvalWhy())) {
            throw AoException.refused(j.reason);
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (index != null) {
            env.put("AO_ITEM", Json.write(item));
            env.put("AO_INDEX", index.toString());
        }
        env.put("AO_WORKFLOW_RUN_ID", record.id());
        env.put("AO_JOB", j.def.id());
        if (j.groupCanceled) throw new InterruptedException("canceled by its concurrency group");
        // the workflow's max_parallel: child runs at once across all its jobs
        while (!global.tryAcquire(POLL_MS, TimeUnit.MILLISECONDS)) {
            if (canceled || j.groupCanceled) throw new InterruptedException("canceled");
        }
        RunService.Active a;
        try {
            a = startChild(j, p, index, attempt, env);
        } catch (RuntimeException e) {
            global.release();
            throw e;
        }
        try {
            return awaitChild(j, a, attempt);
        } finally {
            global.release();
        }
    }

    private RunService.Active startChild(Job j, RunService.Prepared p, Integer index, int attempt, Map<String, String> env) {
        return service.start(p, Approver.NOBODY, listener,
                new RunService.Tree(record.id(), j.def.id(), index, attempt, env,
                        record.label() + " · " + j.def.id() + (index == null ? "" : "[" + index + "]"), params.secretValues()));
    }

    private RunRecord awaitChild(Job j, RunService.Active a, int attempt) throws InterruptedException {
        Integer index = a.record().item();
        active.add(a);
        j.actives.add(a);
        try {
            j.childStarted(a.id(), attempt);
            appendChild(a.id(), j.def.id(), index, attempt);
            listener.childStarted(a.record());
            changed();
            if (canceled) a.cancel();
            return a.await();
        } finally {
            active.remove(a);
            j.actives.remove(a);
            j.running.decrementAndGet();
            changed();
        }
    }

    /** A job that uses a workflow: a child run of kind workflow, with its own children, in this JVM. */
    private RunRecord runNested(Job j, WorkflowTarget target, List<String> pairs, Integer index, int attempt) throws InterruptedException {
        Workflow sub = WorkflowParser.parse(target.file());
        WorkflowValidator.validate(sub, catalog);
        com.fasterxml.jackson.databind.node.ObjectNode schema = sub.parametersSchema();
        if (schema == null) {
            schema = RunStore.JSON.createObjectNode();
            schema.put("type", "object");
            schema.putObject("properties");
            schema.put("additionalProperties", true);
        }
        BoundParameters bound = dev.ao.engine.script.ParameterBinder.bind(schema,
                dev.ao.engine.script.ParameterBinder.parsePairs(pairs), "jobs." + j.def.id() + ".with").resolvePaths(schema, opt.cwd());
        if (sub.approvalRequired() && !gate(j, "workflow " + target.skill() + " says risk: approval_required")) {
            throw AoException.refused(j.reason);
        }
        Options o = new Options(opt.approve(), opt.cwd(), opt.sandbox(), opt.network(), opt.allowRead(), opt.allowWrite(), opt.origin(),
                record.id(), j.def.id(), index, target.skill(), target.source(), opt.depth() + 1);
        WorkflowRunner child = new WorkflowRunner(service, config, catalog, sub, bound, approver, new Listener() {
            @Override
            public void warning(String message) {
                listener.warning(message);
            }
        }, slots, o);
        RunRecord started = child.start();
        j.childStarted(started.id(), attempt);
        appendChild(started.id(), j.def.id(), index, attempt);
        nestedRuns.add(child);
        try {
            if (canceled) child.cancel();
            return child.run();
        } finally {
            nestedRuns.remove(child);
            j.running.decrementAndGet();
            changed();
        }
    }

    /**
     * A child's parameter that carries a secret of the workflow's (a with: template read params.token) is secret in
     * the child too, whatever the child's schema says: masked in its params.json, run.json, logs and summary.
     */
    private RunService.Prepared hideSecrets(RunService.Prepared p) {
        List<String> secrets = params.secretValues().stream().filter(x -> !x.isEmpty()).toList();
        if (secrets.isEmpty()) return p;
        Set<String> keys = new java.util.HashSet<>(p.params().secrets());
        p.params().values().fields().forEachRemaining(e -> {
            String v = e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString();
            for (String x : secrets) if (v.contains(x)) keys.add(e.getKey());
        });
        if (keys.equals(p.params().secrets())) return p;
        return new RunService.Prepared(p.request(), p.spec(), new BoundParameters(p.params().values(), keys), p.interpreter(),
                p.mode(), p.network(), p.timeoutSeconds(), p.approvalWhy(), p.bwrap(), p.prlimit(), p.setpriv());
    }

    /** A {@code with:} value as {@code -p} pairs: lists repeat the key, maps are JSON; taken literally, never as @FILE. */
    private static void pairsOf(String key, Object v, List<String> out) {
        if (v == null) return;
        if (v instanceof List<?> l) {
            for (Object x : l) out.add(key + "=" + (x instanceof String s ? s : Json.write(x)));
        } else if (v instanceof String s) {
            out.add(key + "=" + s);
        } else if (v instanceof Map<?, ?>) {
            out.add(key + "=" + Json.write(v));
        } else {
            out.add(key + "=" + v);
        }
    }

    /** An inline {@code run:} as a file of its own, in a folder of its own that the sandbox shows read-only. */
    private Path inlineScript(Workflow.Job j) {
        String ext = switch (j.shell()) {
            case "bash" -> ".sh";
            case "node" -> ".js";
            default -> ".py";
        };
        Path folder = config.stateDir().resolve(SandboxPlanner.INLINE_SCRIPTS).resolve(record.id() + "." + j.id());
        Path file = folder.resolve(j.id() + ext);
        try {
            if (Files.isRegularFile(file)) return file;
            Files.createDirectories(folder);
            String text = j.shell().equals("bash") && !j.run().startsWith("#!") ? "#!/bin/bash\n" + j.run() : j.run();
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return file;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return file;
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot write the inline script: " + e.getMessage());
        }
    }

    private synchronized void appendChild(String id, String job, Integer item, int attempt) {
        ObjectNode n = RunStore.JSON.createObjectNode();
        n.put("id", id);
        n.put("job", job);
        if (item != null) n.put("item", item);
        n.put("attempt", attempt);
        try {
            Files.write(dir.resolve(CHILDREN), (n + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND, StandardOpenOption.CREATE);
        } catch (IOException e) {
            listener.warning(dir.resolve(CHILDREN) + ": cannot append: " + e.getMessage());
        }
    }

    // ---- records ----

    private void event(Job j, Map<String, ?> more) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("job", j.def.id());
        d.put("job_state", j.state.id());
        if (j.reason != null) d.put("reason", j.reason);
        d.putAll(more);
        try {
            store.event(record.id(), record.state(), d);
        } catch (AoException e) {
            listener.warning(e.getMessage());
        }
        changed();
    }

    private synchronized void transition(RunState s, String why, Map<String, ?> detail) {
        RunRecord next = record.withState(s, why);
        if (s == RunState.RUNNING && record.startedAt() == null) next = record.withStart(Instant.now(), null);
        record = next;
        store.write(next);
        Map<String, Object> d = new LinkedHashMap<>(detail);
        if (why != null) d.put("reason", why);
        store.event(next.id(), s, d);
        listener.state(next);
        changed();
    }

    private synchronized void writeJobs() {
        dirty = false;
        ObjectNode root = RunStore.JSON.createObjectNode();
        root.put("workflow", wf.name());
        root.put("file", wf.file().toString());
        root.put("sha256", Hashes.sha256(wf.file()));
        // what every child ran with: a resume in another process runs the rest the same way
        ObjectNode o = root.putObject("options");
        if (opt.sandbox() != null) o.put("sandbox", opt.sandbox());
        if (opt.network() != null) o.put("network", opt.network());
        opt.allowRead().forEach(x -> o.withArray("allow_read").add(x.toString()));
        opt.allowWrite().forEach(x -> o.withArray("allow_write").add(x.toString()));
        ArrayNode arr = root.putArray("jobs");
        for (Job j : jobs.values()) arr.add(RunStore.JSON.valueToTree(j.snapshot()));
        RunStore.writeAtomically(dir.resolve(JOBS), RunStore.toJson(root));
    }

    private RunRecord finish() {
        RunState state;
        String why = null;
        int exit;
        List<String> failed = new ArrayList<>();
        for (Job j : jobs.values()) {
            if ((j.state == RunState.FAILED || j.state == RunState.TIMED_OUT || j.state == RunState.INTERRUPTED
                    || j.state == RunState.CANCELED) && !j.def.continueOnError()) failed.add(j.def.id());
        }
        if (canceled) {
            state = cancelState;
            why = cancelReason;
            exit = switch (cancelState) {
                case TIMED_OUT -> ExitCode.TIMEOUT.code();
                case REJECTED -> ExitCode.REFUSED.code();
                case FAILED -> 1;
                default -> ExitCode.CANCELED.code();
            };
        } else if (!failed.isEmpty()) {
            state = RunState.FAILED;
            exit = 1;
            why = (failed.size() == 1 ? "job " : "jobs ") + String.join(", ", failed) + " failed";
        } else {
            state = RunState.SUCCEEDED;
            exit = 0;
        }
        String summary;
        Map<String, String> outputs = new LinkedHashMap<>();
        Expressions.Scope scope = scope(null, null, null, 1);
        try {
            summary = wf.summary() != null ? Expressions.compile(wf.summary(), Expressions.Expect.ANY).render(scope) : table();
            for (Map.Entry<String, String> e : wf.outputs().entrySet()) {
                outputs.put(e.getKey(), Expressions.compile(e.getValue(), Expressions.Expect.ANY).render(scope));
            }
        } catch (Expressions.ExpressionException e) {
            summary = table();
            listener.warning("summary/outputs: " + e.getMessage());
        }
        if (state == RunState.SUCCEEDED && wf.outputsSchema() != null) {
            List<String> wrong = dev.ao.engine.run.OutputsCheck.problems(wf.outputsSchema(), outputs, wf.file().toString());
            if (!wrong.isEmpty()) {
                state = RunState.FAILED;
                exit = 1;
                why = "outputs do not match outputs_schema: " + String.join("; ", wrong);
            }
        }
        List<String> secrets = params.secretValues();
        summary = dev.ao.engine.exec.MaskingOutputStream.mask(summary, secrets);
        outputs.replaceAll((k, v) -> dev.ao.engine.exec.MaskingOutputStream.mask(v, secrets));
        dev.ao.engine.run.Summary s = dev.ao.engine.run.Summary.bound(summary, record.id());
        try {
            RunStore.writeAtomically(dir.resolve(RunStore.SUMMARY), s.full().getBytes(StandardCharsets.UTF_8));
        } catch (AoException e) {
            listener.warning(e.getMessage());
        }
        writeJobs();
        if (record.startedAt() == null) record = record.withStart(Instant.now(), null);
        RunRecord done = record.withEnd(state, exit, why, Instant.now(), s.text(), s.truncated(), outputs, null);
        record = done;
        store.write(done);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("exit_code", exit);
        if (why != null) d.put("reason", why);
        store.event(done.id(), state, d);
        listener.state(done);
        changed();
        return done;
    }

    /** The default summary: one line per job with its result and its own one-line summary. */
    private String table() {
        int w = 4;
        for (String id : jobs.keySet()) w = Math.max(w, id.length());
        StringBuilder b = new StringBuilder();
        for (Job j : jobs.values()) {
            JobRecord r = j.snapshot();
            b.append(String.format("%-" + w + "s  %-9s  %s%n", j.def.id(), j.state.id(),
                    r.summary() == null ? (j.reason == null ? "" : j.reason) : r.summary()));
        }
        return b.toString().stripTrailing();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // the kernel frees a lock when its holder ends anyway
        }
    }

    // ---- a job's live state ----

    private final class Job {
        final Workflow.Job def;
        volatile RunState state = RunState.QUEUED;
        volatile String reason;
        volatile Integer items;
        volatile Boolean approved;
        volatile boolean groupCanceled;
        final Set<RunService.Active> actives = ConcurrentHashMap.newKeySet();
        volatile Thread thread;
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger bad = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        volatile int attempt;
        volatile String started;
        volatile String ended;
        volatile String lastSummary;
        volatile RunState lastChildState;
        final List<String> runs = Collections.synchronizedList(new ArrayList<>());
        final Map<Integer, Map<String, String>> itemOutputs = new ConcurrentHashMap<>();
        volatile Map<String, String> outputs = Map.of();

        Job(Workflow.Job def) {
            this.def = def;
        }

        /** A job that succeeded before a resume: its outputs as recorded. */
        @SuppressWarnings("unchecked")
        void restore(JobRecord p) {
            state = RunState.SUCCEEDED;
            reason = "kept from before the resume";
            started = p.startedAt();
            ended = p.endedAt();
            items = p.items();
            ok.set(p.succeeded());
            attempt = p.attempt();
            lastSummary = p.summary();
            if (p.runs() != null) runs.addAll(p.runs());
            if (items == null) {
                Map<String, String> m = new LinkedHashMap<>();
                p.outputs().fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
                outputs = m;
            } else {
                for (int i = 0; i < p.outputs().size(); i++) {
                    Map<String, String> m = new LinkedHashMap<>();
                    p.outputs().get(i).fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
                    itemOutputs.put(i, m);
                }
            }
        }

        /** Another run of the job's concurrency group asked for the slot (cancel-in-progress): this job's runs end. */
        void cancelByGroup(String group) {
            groupCanceled = true;
            reason = "canceled: another run of concurrency group '" + group + "' took over (cancel-in-progress)";
            for (RunService.Active a : actives) a.cancel();
        }

        void begin() {
            state = RunState.RUNNING;
            started = Instant.now().toString();
        }

        void end(RunState s, String why) {
            state = s;
            reason = why;
            if (ended == null) ended = Instant.now().toString();
            changed();
        }

        void childStarted(String id, int n) {
            runs.add(id);
            running.incrementAndGet();
            attempt = Math.max(attempt, n);
        }

        void retrying(int n) {
            attempt = Math.max(attempt, n);
            changed();
        }

        void itemEnded(Integer index, RunRecord r, RunState s, String why) {
            if (r != null) {
                Map<String, String> outs = r.outputs() == null ? Map.of() : r.outputs();
                if (index == null) outputs = outs;
                else itemOutputs.put(index, outs);
                if (r.summary() != null && !r.summary().isBlank()) lastSummary = r.summary().lines().findFirst().orElse("");
            } else if (index != null) {
                itemOutputs.putIfAbsent(index, Map.of());
            }
            lastChildState = s;
            if (s == RunState.SUCCEEDED) ok.incrementAndGet();
            else if (s != RunState.CANCELED) {
                bad.incrementAndGet();
                if (why != null) reason = (index != null ? "item " + index + ": " : "") + why;
            }
            changed();
        }

        void itemFailed(Integer index, String why) {
            bad.incrementAndGet();
            if (index != null && index >= 0) itemOutputs.putIfAbsent(index, Map.of());
            reason = (index != null && index >= 0 ? "item " + index + ": " : "") + why;
            lastChildState = RunState.FAILED;
            changed();
        }

        /** The job's result from its items'. */
        void conclude(boolean wasCanceled, String cancelWhy) {
            if (state.terminal()) return;
            if (items == null) {
                RunState s = lastChildState == null ? (wasCanceled ? RunState.CANCELED : RunState.FAILED) : lastChildState;
                if (s == RunState.LOST) s = RunState.FAILED;
                end(s, s == RunState.SUCCEEDED ? null : reason != null ? reason : cancelWhy);
                return;
            }
            int total = items;
            if (bad.get() > 0) end(RunState.FAILED, bad.get() + " of " + total + " items failed; " + reason);
            else if (ok.get() == total) end(RunState.SUCCEEDED, null);
            else end(RunState.CANCELED, cancelWhy != null ? cancelWhy : "canceled");
        }

        Object outputsValue() {
            if (items == null && def.forEach() != null) return new ArrayList<>();
            if (items == null) return new LinkedHashMap<>(outputs);
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < items; i++) list.add(new LinkedHashMap<>(itemOutputs.getOrDefault(i, Map.of())));
            return list;
        }

        JobRecord snapshot() {
            String sum;
            if (items != null) {
                sum = (ok.get() + bad.get()) + "/" + items + " ✓" + ok.get() + " ✗" + bad.get();
            } else {
                sum = lastSummary;
            }
            JsonNode outs = RunStore.JSON.valueToTree(outputsValue());
            List<String> ids;
            synchronized (runs) {
                ids = List.copyOf(runs);
            }
            return new JobRecord(def.id(), state, reason, items, ok.get(), bad.get(), running.get(), Math.max(1, attempt), outs, ids,
                    started, ended, sum, def.inline() ? null : def.uses());
        }
    }
}
