package dev.ao.tui;

import dev.ao.engine.AoException;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.run.DetachedRuns;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.source.SkillSources;
import dev.ao.engine.workflow.Control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the TUI reads and does, all through the engine: the layered config, the skill catalog, the run store,
 * starting detached runs, approving and cancelling. Config and skills are read once and kept until
 * {@link #reload()}; a broken config is not kept, so fixing the file is seen on the next refresh.
 * Every method may block (disk, processes): call them off the UI thread.
 */
public final class Backend {
    private final Path cwd;
    private final Map<String, String> env;
    private final List<String> launcher;
    private AoConfig config;
    private SkillCatalog catalog;
    private RunStore store;
    private RunIndex index;
    private String indexProblem;
    /** The runs table's first screen, read while the terminal is set up; taken by the first load. */
    private java.util.concurrent.CompletableFuture<RunIndex.Page> firstPage;
    static final RunIndex.View FIRST_VIEW = new RunIndex.View(null, false, "", RunIndex.Sort.NEWEST);
    static final int FIRST_ROWS = 60;

    /**
     * @param launcher how to start this ao again ({@code java -jar ao.jar}); a detached run's supervisor is
     *                 {@code launcher + run TARGET -p ...}
     */
    public Backend(Path cwd, Map<String, String> env, List<String> launcher) {
        this.cwd = cwd.toAbsolutePath().normalize();
        this.env = Map.copyOf(env);
        this.launcher = List.copyOf(launcher);
    }

    public Path cwd() { return cwd; }

    public Map<String, String> env() { return env; }

    public synchronized AoConfig config() {
        if (config == null) config = new ConfigLoader(cwd, env).load(Map.of());
        return config;
    }

    public synchronized SkillCatalog catalog() {
        if (catalog == null) catalog = SkillSources.catalog(config());
        return catalog;
    }

    public synchronized RunStore store() {
        if (store == null) store = new RunStore(config().runsDir());
        return store;
    }

    /** The TUI's view of the run store (one per TUI: it remembers the states of ended runs). */
    synchronized RunIndex index() {
        if (index == null) {
            try {
                index = new RunIndex(RunIndex.indexFrom(env));
            } catch (IllegalArgumentException e) {
                index = new RunIndex();
                indexProblem = e.getMessage();
            }
        }
        return index;
    }

    /** A bad {@code AO_INDEX_FROM}, said once; null when there is none. */
    synchronized String indexProblem() {
        return indexProblem;
    }

    /**
     * Starts reading the runs table's first screen now, off this thread, so it overlaps the JVM's and the terminal's
     * set-up (on a long history: loading SQLite and opening the index); {@link #takeFirstPage} hands it to the page.
     */
    public synchronized void prefetchRuns() {
        java.util.concurrent.CompletableFuture<RunIndex.Page> f = new java.util.concurrent.CompletableFuture<>();
        firstPage = f;
        Thread t = new Thread(() -> {
            try {
                f.complete(index().page(store(), FIRST_VIEW, 0, FIRST_ROWS));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "ao-tui-prefetch");
        t.setDaemon(true);
        t.start();
    }

    /** The prefetched first screen when it is what the page asks for (once), else null. */
    synchronized java.util.concurrent.CompletableFuture<RunIndex.Page> takeFirstPage(RunIndex.View v, int offset, int limit) {
        java.util.concurrent.CompletableFuture<RunIndex.Page> f = firstPage;
        firstPage = null;
        return f != null && v.equals(FIRST_VIEW) && offset == 0 && limit == FIRST_ROWS ? f : null;
    }

    /** Forget config and skills: the next call reads them again. */
    public synchronized void reload() {
        config = null;
        catalog = null;
        store = null;
    }

    /** The script a runnable skill carries, as {@code ao run <skill>} would read it. */
    public ScriptSpec spec(Skill skill) {
        if (skill.workflow()) {
            // a workflow skill: the form asks for the workflow's parameters
            dev.ao.engine.workflow.Workflow wf = dev.ao.engine.workflow.WorkflowParser.parse(skill.workflowFile());
            com.fasterxml.jackson.databind.JsonNode schema = wf.parametersSchema() != null ? wf.parametersSchema() : openSchema();
            return new ScriptSpec(wf.name(), wf.description(), skill.workflowFile(), null, schema, dev.ao.engine.script.Demands.NONE,
                    wf.timeout(), wf.risk() == null ? "auto" : wf.risk(), null, skill.id(), skill.source());
        }
        return ScriptSpecReader.read(skill.specFile()).withSkill(skill.id(), skill.source());
    }

    /** The script {@code ao run TARGET} would run: a skill's (a workflow skill's form too), or a script file's. */
    public ScriptSpec specFor(String target) {
        java.util.Optional<Skill> skill = catalog().find(target);
        if (skill.isPresent() && skill.get().id().equals(target)) return spec(skill.get());
        return dev.ao.engine.script.ScriptResolver.resolve(target, cwd, catalog(), new ArrayList<>());
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode openSchema() {
        com.fasterxml.jackson.databind.node.ObjectNode s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        s.put("type", "object");
        s.putObject("properties");
        s.put("additionalProperties", true);
        return s;
    }

    /**
     * Starts {@code ao run TARGET -p ...} as a detached run and returns its id at once. Everything {@code ao run}
     * checks before anything runs (parameters, demands, sandbox, extension) is checked here first, so a bad
     * request is an {@link dev.ao.engine.AoException} with the CLI's message and nothing is started.
     */
    public String start(String target, List<String> params) {
        RunService service;
        synchronized (this) {
            service = new RunService(config(), env, catalog());
        }
        // the values go to the supervisor in the run's owner-only folder, never on its command line (argv is public)
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add("run");
        cmd.add(target);
        java.util.Optional<dev.ao.engine.workflow.WorkflowTarget> wt = dev.ao.engine.workflow.WorkflowTarget.find(target, cwd, this::catalog);
        if (wt.isPresent()) {
            java.nio.file.Path file = wt.get().file();
            dev.ao.engine.workflow.Workflow wf = dev.ao.engine.workflow.WorkflowParser.parse(file);
            dev.ao.engine.workflow.WorkflowValidator.validate(wf, this::catalog);
            com.fasterxml.jackson.databind.node.ObjectNode schema = wf.parametersSchema() != null ? wf.parametersSchema() : openSchema();
            dev.ao.engine.script.BoundParameters bound = dev.ao.engine.script.ParameterBinder.bind(schema,
                    dev.ao.engine.script.ParameterBinder.parsePairs(params), file.toString()).resolvePaths(schema, cwd);
            return DetachedRuns.launchWorkflow(store(), wt.get().skill() != null ? wt.get().skill() : target, wt.get().skill(), file,
                    bound.masked(), List.of(), params, cmd, cwd, env);
        }
        RunService.Prepared prepared = service.prepare(RunRequest.of(target, params, cwd));
        return DetachedRuns.launch(store(), prepared, cmd, cwd, env);
    }

    public void decide(String id, boolean approve) {
        DetachedRuns.decide(store(), id, approve, by());
    }

    /**
     * Stops a live run's whole tree; waits a little for its supervisor to record the end. A workflow's child run
     * shares its supervisor with the workflow: only that child is stopped (as {@code ao runs cancel CHILD} does),
     * and the workflow goes on with its result.
     */
    public RunRecord cancel(String id) throws InterruptedException {
        RunRecord r = store().resolve(id);
        if (r.parent() == null || r.state().terminal()) return DetachedRuns.cancel(store(), id, Duration.ofSeconds(10));
        Control.cancelChild(store().dir(r.id()), by());
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RunRecord now = r;
        while (!now.state().terminal() && System.nanoTime() < end) {
            Thread.sleep(100);
            now = store().read(r.id()).orElse(now);
        }
        return now;
    }

    /**
     * Asks a live workflow run's supervisor to {@code pause} (running jobs finish, nothing new starts) or to
     * {@code resume} a paused one, through the request file it polls (as {@code ao runs pause|resume} do).
     */
    public void control(String id, String action) {
        RunRecord r = store().resolve(id);
        if (!RunRecord.KIND_WORKFLOW.equals(r.kind())) {
            throw AoException.usage("run " + r.id() + " is not a workflow run; only a workflow can " + action);
        }
        if (r.state().terminal()) throw AoException.usage("run " + r.id() + " already ended: " + r.state().id());
        if (action.equals("resume") && r.state() != RunState.PAUSED) {
            throw AoException.usage("run " + r.id() + " is " + r.state().id() + ", not paused");
        }
        if (action.equals("pause") && r.state() == RunState.PAUSED) throw AoException.usage("run " + r.id() + " is paused already");
        Control.request(store().dir(r.id()), action, by());
    }

    private String by() {
        return env.getOrDefault("USER", "unknown") + " via ao tui";
    }
}
