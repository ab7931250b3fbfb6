package dev.ao.engine.run;

import dev.ao.engine.k8s.K8sAttach;
import dev.ao.engine.k8s.K8sJobRun;
import dev.ao.engine.k8s.K8sManifests;
import dev.ao.engine.k8s.K8sSettings;
import dev.ao.engine.k8s.PodLogSink;
import io.fabric8.kubernetes.client.KubernetesClient;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.MaskingOutputStream;
import dev.ao.engine.exec.ProcessCgroup;
import dev.ao.engine.exec.ProcessSupervisor;
import dev.ao.engine.sandbox.BwrapCommand;
import dev.ao.engine.sandbox.DiskQuota;
import dev.ao.engine.sandbox.Identity;
import dev.ao.engine.sandbox.Ownership;
import dev.ao.engine.sandbox.SandboxHints;
import dev.ao.engine.sandbox.SeccompFilter;
import dev.ao.engine.sandbox.EnvPolicy;
import dev.ao.engine.sandbox.Limits;
import dev.ao.engine.sandbox.SandboxMode;
import dev.ao.engine.sandbox.SandboxPlanner;
import dev.ao.engine.sandbox.SandboxPolicy;
import dev.ao.engine.script.BoundParameters;
import dev.ao.engine.script.Interpreter;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.script.ScriptResolver;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.skill.SkillCatalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs one script: resolve, validate, check demands, record, ask for approval, sandbox, execute under a
 * timeout, extract the summary, clean up. The front ends (CLI, TUI, shell) only build the request and show
 * what comes back.
 */
public final class RunService {
    /** Time between SIGTERM and SIGKILL when a run is stopped. */
    public static final Duration GRACE = Duration.ofSeconds(2);
    /** The run's folder for what the script writes for ao: summary.md, outputs.env. Removed when the run ends. */
    static final String IO_DIR = "io";
    /** Exit code of a run whose process the kernel's OOM killer ended (SIGKILL): 128 + 9. */
    private static final int OOM_KILLED_EXIT = 137;
    /** Exit code of a process killed by SIGXFSZ (file size limit): 128 + 25. */
    private static final int SIGXFSZ_EXIT = 153;

    private final AoConfig config;
    private final Map<String, String> env;
    private final RunStore store;
    private final java.util.function.Supplier<SkillCatalog> catalog;

    public RunService(AoConfig config, Map<String, String> env, SkillCatalog catalog) {
        this(config, env, () -> catalog);
    }

    /** The catalog is asked for only when the target is not a script path: scanning skills costs start-up time. */
    public RunService(AoConfig config, Map<String, String> env, java.util.function.Supplier<SkillCatalog> catalog) {
        this.config = config;
        this.env = env;
        this.store = new RunStore(config.runsDir());
        this.catalog = catalog;
    }

    public RunStore store() {
        return store;
    }

    /** Everything decided before anything runs; building it is where bad input is refused. */
    public record Prepared(RunRequest request, ScriptSpec spec, BoundParameters params, List<String> interpreter,
                           SandboxMode mode, boolean network, int timeoutSeconds, String approvalWhy, Path bwrap,
                           Path prlimit, Path setpriv) {
        public boolean needsApproval() {
            return approvalWhy != null;
        }
    }

    public Prepared prepare(RunRequest req) {
        if (req.runId() != null) DetachedRuns.requireReserved(store, req.runId());
        ScriptSpec spec = ScriptResolver.resolve(req.target(), req.cwd(), catalog, config.skillPaths());
        List<String> allowed = config.allowedExtensions();
        if (!allowed.contains(spec.extension())) {
            throw AoException.refused(spec.scriptFile() + ": extension '" + spec.extension()
                    + "' is not in [scripts] allowed_extensions (" + String.join(", ", allowed) + ")");
        }
        Map<String, List<String>> raw = rawParams(req);
        BoundParameters params = ParameterBinder.bind(spec, raw).resolvePaths(spec.parametersSchema(), req.cwd());
        // files and env vars are read once, here: a detached supervisor gets the values (@/dev/stdin cannot be read twice)
        List<String> read = new ArrayList<>();
        raw.forEach((k, vs) -> vs.forEach(v -> read.add(k + "=" + v)));
        req = req.withParams(List.of(), read);
        String modeText = req.sandbox() != null ? req.sandbox() : spec.sandbox() != null ? spec.sandbox() : config.sandboxMode();
        SandboxMode mode = SandboxMode.parse(modeText, req.sandbox() != null ? "--sandbox" : spec.sandbox() != null
                ? String.valueOf(spec.specFile()) : config.origin(ConfigKey.SANDBOX_MODE));
        boolean network = Boolean.FALSE.equals(req.network()) ? false
                : Boolean.TRUE.equals(req.network()) || config.networkAccess() || Boolean.TRUE.equals(spec.demands().network());
        int timeout = req.timeoutSeconds() != null ? req.timeoutSeconds() : spec.timeout() != null ? spec.timeout() : config.executionTimeout();
        if (timeout <= 0) throw AoException.usage("--timeout must be a positive number of seconds, got " + timeout);
        List<String> interpreter = Interpreter.command(spec.scriptFile());
        if (req.placement().k8s()) {
            // the script's binaries are the image's; the pod is the sandbox (hardened, see K8sManifests)
            if (mode == SandboxMode.DANGER_FULL_ACCESS) {
                throw AoException.usage("--on k8s: a Kubernetes run always runs hardened; danger-full-access is for local runs only");
            }
            K8sSettings.of(config).placement(req.placement().tags());
            String why = spec.approvalRequired() ? "script.json says risk: approval_required" : null;
            // a pushed credential is the person's, not the skill's: a skill (maybe from someone's git repository) that
            // names one gets it only with a person's yes, as a local script's secret-looking demands.env does
            if (!spec.demands().credentials().isEmpty()) {
                why = (why == null ? "" : why + "; ") + "demands the credential" + (spec.demands().credentials().size() > 1 ? "s " : " ")
                        + String.join(", ", spec.demands().credentials()) + " (their values reach the script)";
            }
            return new Prepared(req, spec, params, interpreter, mode, network, timeout, why, null, null, null);
        }
        String path = env.get("PATH");
        List<String> needed = new ArrayList<>();
        needed.add(Interpreter.program(interpreter));
        needed.addAll(spec.demands().binaries());
        for (String b : needed) {
            if (Binaries.which(b, path).isEmpty()) {
                throw new AoException(ExitCode.MISSING_DEMAND, spec.label() + " demands the binary '" + b
                        + "', which is not on PATH; install it or fix PATH");
            }
        }
        List<String> missingEnv = EnvPolicy.missing(env, spec.demands());
        if (!missingEnv.isEmpty()) {
            throw new AoException(ExitCode.MISSING_DEMAND, spec.label() + " demands the env var" + (missingEnv.size() > 1 ? "s " : " ")
                    + String.join(", ", missingEnv) + ", not set");
        }
        Path bwrap = null;
        if (mode != SandboxMode.DANGER_FULL_ACCESS) {
            bwrap = Binaries.which("bwrap", path).orElseThrow(() -> AoException.refused(
                    "sandbox unavailable: bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap) "
                            + "or choose --sandbox danger-full-access explicitly"));
        }
        Path prlimit = Binaries.which("prlimit", path).or(() -> Binaries.which("/usr/bin/prlimit", null)).orElse(null);
        Path setpriv = Binaries.which("setpriv", path).or(() -> Binaries.which("/usr/bin/setpriv", null)).orElse(null);
        if (mode != SandboxMode.DANGER_FULL_ACCESS && Identity.current().root() && setpriv == null) {
            throw AoException.refused("ao runs as root, and a script never does: setpriv (util-linux) is needed to run it as uid "
                    + config.get(ConfigKey.RUN_AS_UID) + "; install util-linux");
        }
        String why = null;
        if (spec.approvalRequired()) why = "script.json says risk: approval_required";
        if (mode == SandboxMode.DANGER_FULL_ACCESS) why = (why == null ? "" : why + "; ") + "sandbox danger-full-access";
        String envWhy = EnvPolicy.approvalReason(env, spec.demands());
        if (envWhy != null) why = (why == null ? "" : why + "; ") + envWhy;
        return new Prepared(req, spec, params, interpreter, mode, network, timeout, why, bwrap, prlimit, setpriv);
    }

    /** {@code -p} values with files and env vars read, then the literal ones; a key in both lists repeats, as -p does. */
    private Map<String, List<String>> rawParams(RunRequest req) {
        Map<String, List<String>> raw = new LinkedHashMap<>(ParameterBinder.readSources(ParameterBinder.parsePairs(req.params()), req.cwd(), env));
        ParameterBinder.parsePairs(req.literalParams()).forEach((k, v) -> raw.merge(k, v, (a, b) -> {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }));
        return raw;
    }

    /**
     * What a run is called in listings: the skill id, else the script's path relative to the project (or to the
     * folder ao ran in), so that two {@code migrate.py} in different folders differ; absolute when outside both.
     */
    public String label(Prepared p) {
        if (p.spec().skill() != null) return p.spec().skill();
        Path script = p.spec().scriptFile().toAbsolutePath().normalize();
        for (Path base : new Path[] {config.projectRoot().orElse(null), p.request().cwd()}) {
            if (base != null && script.startsWith(base.toAbsolutePath().normalize())) {
                return base.toAbsolutePath().normalize().relativize(script).toString();
            }
        }
        return script.toString();
    }

    /**
     * Every secret value ao knows for this run before it starts: secret parameters and the values of secret-looking
     * env vars passed through. A CI front end masks them in its log before printing anything.
     */
    public List<String> secretValues(Prepared p) {
        List<String> out = new ArrayList<>(p.params().secretValues());
        out.addAll(EnvPolicy.apply(env, p.spec().demands(), config.list(ConfigKey.ENV_INCLUDE)).secretValues());
        return out;
    }

    /**
     * A child run's place in a workflow's tree, and what it gets besides its parameters.
     *
     * @param env {@code AO_ITEM}, {@code AO_INDEX} for a for_each item
     */
    public record Tree(String parent, String job, Integer item, Integer attempt, Map<String, String> env, String label,
                       List<String> secrets) {
        public Tree {
            env = env == null ? Map.of() : Map.copyOf(env);
            secrets = secrets == null ? List.of() : List.copyOf(secrets);
        }
    }

    /** Records the run as queued; {@link Active#await} then approves, runs and finishes it. */
    public Active start(Prepared p, Approver approver, RunListener listener) {
        return start(p, approver, listener, null);
    }

    /** {@link #start(Prepared, Approver, RunListener)} for a workflow's child run, linked to its parent. */
    public Active start(Prepared p, Approver approver, RunListener listener, Tree tree) {
        RunRequest req = p.request();
        PhaseClock clock = PhaseClock.start();
        String id = req.runId() != null ? req.runId() : store.newRunDir();
        Path runDir = store.dir(id);
        try {
            Files.createDirectories(runDir);
            Path workspace = req.workspace() != null ? req.workspace().toAbsolutePath().normalize() : runDir.resolve("workspace");
            Files.createDirectories(workspace);
            Path scriptCopy = runDir.resolve(p.spec().scriptFile().getFileName().toString());
            // the file checked in prepare may have been swapped for a link since: check again, copy bytes, never a link
            dev.ao.engine.script.ContainedFile.require(p.spec().scriptFile(), p.spec().scriptFile().getParent());
            Files.copy(p.spec().scriptFile().toRealPath(), scriptCopy, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.write(runDir.resolve(RunStore.STDOUT), new byte[0]);
            Files.write(runDir.resolve(RunStore.STDERR), new byte[0]);
            RunStore.writeAtomically(runDir.resolve(RunStore.PARAMS), RunStore.toJson(p.params().masked()));
            RunRecord r = new RunRecord(id, tree != null && tree.label() != null ? tree.label() : label(p), p.spec().skill(), p.spec().scriptFile().toString(),
                    scriptCopy.getFileName().toString(), p.spec().source(), RunState.QUEUED, null, null, Instant.now().toString(),
                    null, null, null, p.timeoutSeconds(), p.params().masked(), null, RunRecord.Supervisor.current(),
                    workspace.toString(), null, null, null, null, runDir.resolve(RunStore.STDOUT).toString(),
                    runDir.resolve(RunStore.STDERR).toString(), null, req.cwd().toString(), req.origin());
            if (tree != null) r = r.withTree(RunRecord.KIND_JOB, tree.parent(), tree.job(), tree.item(), tree.attempt());
            store.write(r);
            store.event(id, RunState.QUEUED, Map.of("label", r.label()));
            listener.state(r);
            clock.mark("queued");
            return new Active(p, r, workspace, approver, listener, tree, clock);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, runDir + ": cannot prepare the run: " + e.getMessage());
        }
    }

    /** A recorded run on its way. */
    public final class Active {
        private final Prepared p;
        private final Path workspace;
        private final Approver approver;
        private final RunListener listener;
        private volatile RunRecord record;
        private volatile ProcessSupervisor.Running running;
        private volatile boolean canceled;
        private volatile Thread approving;
        private final Tree tree;
        private final PhaseClock clock;

        private Active(Prepared p, RunRecord r, Path workspace, Approver approver, RunListener listener, Tree tree, PhaseClock clock) {
            this.tree = tree;
            this.clock = clock;
            this.p = p;
            this.record = r;
            this.workspace = workspace;
            this.approver = approver;
            this.listener = listener;
        }

        public String id() { return record.id(); }

        public RunRecord record() { return record; }

        public long bytesWritten() {
            ProcessSupervisor.Running r = running;
            return r == null ? 0 : r.bytesWritten();
        }

        /** Stops the run (Ctrl-C, {@code ao runs cancel}): the tree is killed and the run ends canceled. */
        public void cancel() {
            canceled = true;
            ProcessSupervisor.Running r = running;
            if (r != null) r.cancel();
            // a run waiting for a decision from the store (detached) stops waiting
            Thread t = approving;
            if (t != null) t.interrupt();
        }

        /** Whether {@link #cancel} was called: a front end waiting for a concurrency slot stops waiting. */
        public boolean cancelRequested() {
            return canceled;
        }

        /**
         * Recorded {@code blocked}: waiting for a slot of concurrency group {@code group}, {@code detail} says who holds it.
         * {@link #slotTaken} then {@link #await} go on from here, or {@link #endBeforeStart} ends the run.
         */
        public synchronized void blocked(String group, String detail) {
            if (record.state().terminal()) return;
            transition(record.withState(RunState.BLOCKED, "waiting for concurrency group '" + group + "': " + detail),
                    Map.of("group", group, "detail", detail));
        }

        /** The run holds slot {@code slot} of {@code group}: an event says so, and a blocked run's reason goes. */
        public synchronized void slotTaken(String group, int slot) {
            if (record.state().terminal()) return;
            if (record.state() == RunState.BLOCKED) {
                record = record.withState(RunState.BLOCKED, null);
                store.write(record);
            }
            try {
                store.event(record.id(), record.state(), Map.of("group", group, "slot", slot, "concurrency", "acquired"));
            } catch (AoException e) {
                listener.warning(e.getMessage());
            }
        }

        /** Ends a run that never started: canceled while blocked, or refused a concurrency slot. */
        public RunRecord endBeforeStart(RunState state, int exitCode, String why) {
            if (!state.terminal()) throw new IllegalArgumentException(state + " is not an end");
            finish(state, exitCode, why, Map.of(), null);
            return record;
        }

        private void transition(RunRecord next, Map<String, ?> detail) {
            record = next;
            store.write(next);
            try {
                store.event(next.id(), next.state(), detail);
            } catch (AoException e) {
                // no room for the event line (a full disk): run.json, written first, holds the state
                listener.warning(e.getMessage());
            }
            listener.state(next);
        }

        /** Runs to the end and returns the final record. */
        public RunRecord await() throws InterruptedException {
            if (p.needsApproval()) {
                transition(record.withState(RunState.WAITING_APPROVAL, p.approvalWhy()), Map.of("why", p.approvalWhy()));
                Approver.Decision d;
                if (p.request().approve()) {
                    d = new Approver.Decision(true, "--approve (" + env.getOrDefault("USER", "unknown user") + ")");
                } else {
                    approving = Thread.currentThread();
                    try {
                        d = approver.decide(new Approver.Request(record.id(), record.label(), p.params().masked(), p.mode().id(),
                                p.network(), head(p.spec().scriptFile()), p.approvalWhy()));
                    } catch (InterruptedException e) {
                        if (!canceled) throw e;
                        d = new Approver.Decision(false, "nobody: canceled while waiting");
                    } finally {
                        approving = null;
                        Thread.interrupted();
                    }
                }
                RunRecord.Approval a = new RunRecord.Approval(d.approved() ? "approved" : "rejected", d.by(), Instant.now().toString());
                record = record.withApproval(a);
                if (!d.approved() || canceled) {
                    String why = canceled ? "canceled while waiting for approval" : d.reason() != null ? d.reason() : "rejected by " + d.by();
                    finish(canceled ? RunState.CANCELED : RunState.REJECTED, canceled ? ExitCode.CANCELED.code() : ExitCode.REFUSED.code(),
                            why, Map.of("by", d.by()), null);
                    return record;
                }
                store.event(record.id(), RunState.WAITING_APPROVAL, Map.of("decision", "approved", "by", d.by()));
            }
            if (canceled) {
                finish(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled before it started", Map.of(), null);
                return record;
            }
            if (p.request().placement().k8s()) return awaitOnK8s();
            if (p.mode() == SandboxMode.DANGER_FULL_ACCESS) {
                listener.warning("danger-full-access: this run is NOT sandboxed: it can read, write and reach everything you can");
            }
            Path runDir = store.dir(record.id());
            Path io = runDir.resolve(IO_DIR);
            Path dangerParams = null;
            Optional<ProcessCgroup> cgroup = Optional.empty();
            Identity me = Identity.current();
            Optional<Identity.RunAs> runAs = p.mode() == SandboxMode.DANGER_FULL_ACCESS ? Optional.empty()
                    : me.runAs((Integer) config.get(ConfigKey.RUN_AS_UID));
            List<Path> lent = new ArrayList<>();
            try {
                // the script's own files: the summary and outputs it writes, read back as hostile input
                Files.createDirectories(io);
                // files to keep: written here, renamed into the run's folder when it ends (see Artifacts)
                Path artifacts = Files.createDirectories(io.resolve(Artifacts.DIR));
                Path summaryFile = io.resolve("summary.md");
                Path outputFile = io.resolve("outputs.env");
                Files.write(summaryFile, new byte[0]);
                Files.write(outputFile, new byte[0]);
                byte[] paramsJson = RunStore.toJson(p.params().values());

                EnvPolicy.Result envResult = EnvPolicy.apply(env, p.spec().demands(), config.list(ConfigKey.ENV_INCLUDE));
                Map<String, String> childEnv = new LinkedHashMap<>(envResult.env());
                childEnv.putAll(p.params().env());
                childEnv.put("AO_RUN_ID", record.id());
                childEnv.put("AO_WORKSPACE", workspace.toString());
                childEnv.put("AO_SUMMARY", summaryFile.toString());
                childEnv.put("AO_OUTPUT", outputFile.toString());
                childEnv.put("AO_ARTIFACTS", artifacts.toString());
                childEnv.put("AO_SANDBOX_MODE", p.mode().id());
                childEnv.put("AO_CWD", p.request().cwd().toString());
                if (tree != null) childEnv.putAll(tree.env());
                Path lib = SkillLib.pythonDir(config.stateDir());   // ao_skill.py for Python scripts
                String libSeen = p.mode() == SandboxMode.DANGER_FULL_ACCESS ? lib.toString() : SandboxPolicy.LIB;
                childEnv.put("AO_LIB", libSeen);
                childEnv.merge("PYTHONPATH", libSeen, (old, ours) -> old.isBlank() ? ours : ours + java.io.File.pathSeparator + old);
                if (p.mode() == SandboxMode.DANGER_FULL_ACCESS) {
                    // no sandbox to copy them into: a private file, removed when the run ends
                    dangerParams = io.resolve("params.json");
                    Files.write(dangerParams, paramsJson);
                    Files.setPosixFilePermissions(dangerParams, PosixFilePermissions.fromString("rw-------"));
                    childEnv.put("AO_PARAMS", dangerParams.toString());
                } else {
                    childEnv.put("AO_PARAMS", SandboxPolicy.PARAMS);
                }

                Limits limits = new Limits((Integer) config.get(ConfigKey.MAX_PROCESSES), config.size(ConfigKey.MAX_FILE_SIZE),
                        config.size(ConfigKey.MAX_MEMORY), config.size(ConfigKey.MAX_DISK));
                cgroup = ProcessCgroup.create(record.id(), limits.maxProcesses(), limits.maxMemory());
                boolean cgroupMemory = cgroup.map(ProcessCgroup::limitsMemory).orElse(false);
                List<String> cmd = new ArrayList<>();
                if (p.prlimit() != null) {
                    cmd.add(p.prlimit().toString());
                    long fsize = minPositive(limits.maxFileSize(), limits.maxDisk());
                    if (fsize > 0) cmd.add("--fsize=" + fsize);
                    // the whole run's memory is the cgroup's to bound; per process only where there is none
                    if (limits.maxMemory() > 0 && !cgroupMemory) cmd.add("--as=" + limits.maxMemory());
                    if (cgroup.isEmpty() && limits.maxProcesses() > 0) cmd.add("--nproc=" + limits.maxProcesses());
                    cmd.add("--");
                }
                cmd.addAll(p.interpreter());
                cmd.add(p.spec().scriptFile().toString());
                cmd.addAll(p.params().argv(p.spec().parametersSchema()));
                cmd.addAll(p.request().args());

                List<Path> readable = new ArrayList<>(List.of(p.spec().scriptFile().getParent(), p.request().cwd()));
                config.projectRoot().ifPresent(readable::add);
                List<Path> named = new ArrayList<>();
                List<Path> writable = new ArrayList<>(config.writableRoots());
                for (BoundParameters.PathParam pp : p.params().paths(p.spec().parametersSchema())) {
                    (pp.write() ? writable : named).add(pp.path());
                }
                // a project's own config comes with its repository: what it opens never shows through a hidden path
                // (~/.ssh, the run store); a person's flags and user config do
                boolean readFromProject = fromProject(ConfigKey.ALLOW_READ);
                List<Path> explicit = new ArrayList<>(readFromProject ? List.of() : config.allowRead());
                if (readFromProject) named.addAll(config.allowRead());
                explicit.addAll(p.request().allowRead());
                List<Path> projectWritable = fromProject(ConfigKey.ALLOW_WRITE) ? config.allowWrite() : List.of();
                if (projectWritable.isEmpty()) writable.addAll(config.allowWrite());
                writable.addAll(p.request().allowWrite());
                List<Path> stores = new ArrayList<>(List.of(config.stateDir()));
                Optional<Path> seccomp = p.network() ? Optional.empty() : SeccompFilter.installIfSupported(config.stateDir());
                java.util.function.Function<List<Path>, SandboxPolicy> planWith = w -> SandboxPlanner.plan(new SandboxPlanner.Request(
                        p.mode(), p.network(), workspace, io, lib, readable, named, explicit, w, config.denyRead(), stores,
                        p.spec().demands(), env, me, (Integer) config.get(ConfigKey.RUN_AS_UID), seccomp, limits));
                SandboxPolicy policy = planWith.apply(writable);
                if (!projectWritable.isEmpty()) {
                    for (Path w : projectWritable) {
                        if (policy.hidden().stream().noneMatch(w::startsWith)) writable.add(w);
                    }
                    policy = planWith.apply(writable);
                }

                if (runAs.isPresent()) {
                    lent.add(io);
                    lent.addAll(policy.writable());
                }
                ObjectNode applied = describe(policy, cgroup, envResult, p.prlimit() != null, lent);
                if (runAs.isPresent()) {
                    // the script is not root: what it may write is lent to its uid for the run and taken back after;
                    // recorded first, so that the next ao takes it back if this one is killed
                    record = record.withSandbox(applied);
                    store.write(record);
                    List<Path> skip = new ArrayList<>(policy.readOnly());
                    skip.addAll(policy.hidden());
                    for (Path w : lent) Ownership.lendShared(w, me.uid(), runAs.get().uid(), skip);
                    // bwrap changes into the workspace before it drops root (and every capability that bypasses modes)
                    Ownership.openForSearch(workspace);
                }
                List<String> mask = new ArrayList<>(p.params().secretValues());
                mask.addAll(envResult.secretValues());
                // the workflow's secret parameters, wherever a with: template put them
                if (tree != null) mask.addAll(tree.secrets());
                ProcessSupervisor.Spec spec;
                DiskQuota quota = new DiskQuota(List.of(workspace, io), limits.maxDisk(), String.valueOf(config.get(ConfigKey.MAX_DISK)));
                if (p.mode() == SandboxMode.DANGER_FULL_ACCESS) {
                    spec = new ProcessSupervisor.Spec(cmd, childEnv, workspace, runDir.resolve(RunStore.STDOUT),
                            runDir.resolve(RunStore.STDERR), mask, cgroup, null, List.of(), quota::check);
                } else {
                    BwrapCommand.Launch launch = BwrapCommand.wrap(p.bwrap().toString(), p.setpriv() == null ? "setpriv" : p.setpriv().toString(), policy, cmd);
                    spec = new ProcessSupervisor.Spec(launch.argv(), childEnv, workspace, runDir.resolve(RunStore.STDOUT),
                            runDir.resolve(RunStore.STDERR), mask, cgroup, paramsJson, launch.fdFiles(), quota::check);
                }

                clock.mark("setup");
                Instant started = Instant.now();
                running = ProcessSupervisor.start(spec);
                clock.mark("spawn");
                transition(record.withStart(started, applied), Map.of("pid", running.pid()));
                clock.mark("running");
                if (canceled) running.cancel();
                ProcessSupervisor.Outcome out = running.await(Duration.ofSeconds(p.timeoutSeconds()), GRACE);
                clock.mark("child");
                RunState state;
                int exit = out.exitCode();
                String why = null;
                switch (out.ending()) {
                    case TIMED_OUT -> { state = RunState.TIMED_OUT; exit = ExitCode.TIMEOUT.code(); why = "timed out after " + p.timeoutSeconds() + " s"; }
                    case CANCELED -> { state = RunState.CANCELED; exit = ExitCode.CANCELED.code(); why = "canceled"; }
                    case LIMIT -> { state = RunState.FAILED; exit = exit == 0 ? 1 : exit; why = out.reason(); }
                    default -> {
                        if (exit == 0 && cgroup.map(ProcessCgroup::memoryLimitHit).orElse(false)) {
                            // the kernel killed a process of the run; a script that shrugged it off did not do its job
                            exit = OOM_KILLED_EXIT;
                        }
                        state = exit == 0 ? RunState.SUCCEEDED : RunState.FAILED;
                        if (exit != 0) why = failureReason(exit, cgroup, limits, runDir.resolve(RunStore.STDERR), policy);
                        if (exit != 0 && why.startsWith("sandbox could not start")) exit = ExitCode.REFUSED.code();
                    }
                }
                RunRecord done = conclude(state, exit, why, summaryFile, outputFile, mask);
                clock.mark("result");
                return done;
            } catch (IOException e) {
                finish(RunState.FAILED, ExitCode.FAILED.code(), "ao could not run the script: " + e.getMessage(), Map.of(), List.of());
                throw new AoException(ExitCode.FAILED, record.id() + ": " + e.getMessage(), e);
            } finally {
                cgroup.ifPresent(ProcessCgroup::remove);
                if (dangerParams != null) deleteQuietly(dangerParams);
                if (runAs.isPresent()) {
                    for (Path w : lent) {
                        try {
                            Ownership.takeBackShared(w, runAs.get().uid(), runAs.get().gid(), me.uid(), me.gid());
                        } catch (IOException e) {
                            // what could not be taken back stays the sandbox uid's: it is not root's either
                        }
                    }
                }
                Artifacts.keep(io, runDir);
                deleteTree(io);
                clock.mark("teardown");
                clock.write(record.id());
            }
        }

        /**
         * Ends a run whose script ended: the summary and outputs it wrote (hostile input: masked, bounded, checked
         * against outputs_schema), the last lines of stderr when it failed, then the end state.
         */
        private RunRecord conclude(RunState state, int exit, String why, Path summaryFile, Path outputFile, List<String> mask) {
            Path runDir = store.dir(record.id());
            Summary s = Summary.extract(summaryFile, runDir.resolve(RunStore.STDOUT), record.id());
            if (state == RunState.FAILED || state == RunState.TIMED_OUT) {
                s = s.withStderr(Summary.stderrTail(runDir.resolve(RunStore.STDERR), mask));
            }
            Map<String, String> outputs = new LinkedHashMap<>();
            Summary.outputs(outputFile).forEach((k, v) -> outputs.put(k, MaskingOutputStream.mask(v, mask)));
            if (state == RunState.SUCCEEDED && p.spec().outputsSchema() != null) {
                List<String> wrong = OutputsCheck.problems(p.spec().outputsSchema(), outputs, String.valueOf(p.spec().specFile()));
                if (!wrong.isEmpty()) {
                    state = RunState.FAILED;
                    exit = 1;
                    why = "outputs do not match outputs_schema: " + String.join("; ", wrong);
                }
            }
            String full = MaskingOutputStream.mask(s.full(), mask);
            if (!full.isEmpty()) {
                try {
                    RunStore.writeAtomically(runDir.resolve(RunStore.SUMMARY), full.getBytes(StandardCharsets.UTF_8));
                } catch (AoException noRoom) {
                    // run.json holds the bounded summary; the full text is a convenience
                    listener.warning(noRoom.getMessage());
                }
            }
            record = record.withEnd(record.state(), null, null, Instant.now(), MaskingOutputStream.mask(s.text(), mask),
                    s.truncated(), outputs, null);
            finish(state, exit, why, Map.of("exit_code", exit), mask);
            return record;
        }

        /**
         * The script as a Kubernetes Job ({@code --on k8s}): its objects are recorded in run.json before they are
         * created, so that if this ao dies the Job goes on and any later ao reattaches ({@link K8sAttach}).
         */
        private RunRecord awaitOnK8s() throws InterruptedException {
            Path runDir = store.dir(record.id());
            Path io = runDir.resolve(IO_DIR);
            List<String> mask = new ArrayList<>(p.params().secretValues());
            if (tree != null) mask.addAll(tree.secrets());
            try {
                Files.createDirectories(io);
                Path summaryFile = io.resolve("summary.md");
                Path outputFile = io.resolve("outputs.env");
                K8sSettings settings = K8sSettings.of(config);
                K8sManifests.Input in = k8sInput(p, record, tree, settings);
                // one client per context for the whole process: a workflow's 200 k8s children share its connections
                KubernetesClient c = K8sJobRun.shared(settings.context());
                {
                    String ns = K8sJobRun.namespace(c, settings);
                    // a demanded credential must be pushed; its values are masked in the logs like secret parameters
                    mask.addAll(dev.ao.engine.k8s.Credentials.values(c, ns, in.credentials()));
                    K8sManifests.Objects objects = K8sManifests.build(in, settings, ns);
                    K8sJobRun.Target t = new K8sJobRun.Target(settings.context(), ns, objects.job().getMetadata().getName(), in.marker(),
                            record.id());
                    ObjectNode applied = K8sAttach.describe(t, in.image(), p.request().placement().tags());
                    record = record.withSandbox(applied);
                    store.write(record);
                    try (K8sJobRun run = K8sJobRun.submit(c, objects, t)) {
                        Instant started = Instant.now();
                        transition(record.withStart(started, applied), Map.of("runner", "k8s", "job", ns + "/" + t.job()));
                        K8sJobRun.Outcome o;
                        try (PodLogSink sink = new PodLogSink(runDir, runDir.resolve(RunStore.STDOUT), runDir.resolve(RunStore.STDERR),
                                summaryFile, outputFile, t.marker(), mask)) {
                            o = run.follow(sink, started.plusSeconds(p.timeoutSeconds() + K8sAttach.DEADLINE_SLACK), p.timeoutSeconds(),
                                    settings.scheduleTimeoutSeconds(), () -> canceled);
                        }
                        if (o.state() == RunState.LOST) {
                            finish(RunState.LOST, o.exitCode(), o.reason(), Map.of(), mask);
                            return record;
                        }
                        return conclude(o.state(), o.exitCode(), o.reason(), summaryFile, outputFile, mask);
                    }
                }
            } catch (IOException e) {
                finish(RunState.FAILED, ExitCode.FAILED.code(), "ao could not follow the k8s run: " + e.getMessage(), Map.of(), mask);
                throw new AoException(ExitCode.FAILED, record.id() + ": " + e.getMessage(), e);
            } catch (AoException e) {
                finish(RunState.FAILED, e.exitCode().code(), e.getMessage(), Map.of(), mask);
                throw e;
            } finally {
                deleteQuietly(runDir.resolve(PodLogSink.CURSOR));
                deleteTree(io);
            }
        }

        /**
         * Ends a run that is still waiting for a person who is being asked at a terminal: the prompt's read cannot be
         * interrupted, so the front end records the cancel here and then exits. Returns false if a decision won.
         */
        public synchronized boolean cancelWhileWaiting() {
            canceled = true;
            if (record.state() != RunState.WAITING_APPROVAL) return false;
            finish(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled while waiting for approval", Map.of(), null);
            return true;
        }

        private synchronized void finish(RunState state, int exit, String why, Map<String, ?> detail, List<String> mask) {
            if (record.state().terminal()) return;
            boolean defaultWorkspace = p.request().workspace() == null;
            boolean keep = !defaultWorkspace || p.request().keepWorkspace() || !config.cleanupAfterRun();
            if (!keep) deleteTree(workspace);
            clock.mark("workspace");
            RunRecord done = record.withEnd(state, exit, why, Instant.now(), record.summary(), record.summaryTruncated(),
                    record.outputs(), keep);
            Map<String, Object> d = new LinkedHashMap<>(detail);
            if (why != null) d.put("reason", why);
            transition(done, d);
            clock.mark("ended");
        }
    }

    /** Whether {@code key}'s value came from the project's own {@code dotcodex/config.toml}. */
    private boolean fromProject(ConfigKey key) {
        return config.projectRoot().map(r -> config.origin(key).startsWith(r.resolve("dotcodex").toString())).orElse(false);
    }

    /** Credential files a demanded binary is pointed at by env; kept visible even when they sit in /tmp. */
    private List<Path> credentialFiles(dev.ao.engine.script.Demands d) {
        List<Path> out = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        if (d.demandsBinary("kubectl")) vars.add("KUBECONFIG");
        if (d.demandsBinary("aws")) vars.addAll(List.of("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"));
        for (String v : vars) {
            String val = env.get(v);
            if (val == null || val.isBlank()) continue;
            for (String part : val.split(":")) if (!part.isBlank()) out.add(Path.of(part).toAbsolutePath().normalize());
        }
        return out;
    }

    private String failureReason(int exit, Optional<ProcessCgroup> cgroup, Limits limits, Path stderr, SandboxPolicy policy) {
        String head = "";
        try (var in = Files.newInputStream(stderr)) {
            head = new String(in.readNBytes(512), StandardCharsets.UTF_8);
        } catch (IOException ignored) {
            // no stderr to explain it
        }
        if (head.startsWith("bwrap:")) {
            return "sandbox could not start: " + head.lines().findFirst().orElse("").strip()
                    + "; check 'ao doctor', or choose --sandbox danger-full-access explicitly";
        }
        if (cgroup.map(ProcessCgroup::memoryLimitHit).orElse(false)) {
            return "memory limit reached (sandbox.max_memory = " + config.get(ConfigKey.MAX_MEMORY) + ")";
        }
        if (exit == SIGXFSZ_EXIT) {
            long fsize = config.size(ConfigKey.MAX_FILE_SIZE);
            long disk = config.size(ConfigKey.MAX_DISK);
            return disk > 0 && (fsize <= 0 || disk < fsize)
                    ? "disk limit reached (sandbox.max_disk = " + config.get(ConfigKey.MAX_DISK) + "): one file grew past it"
                    : "file size limit exceeded (sandbox.max_file_size = " + config.get(ConfigKey.MAX_FILE_SIZE) + ")";
        }
        if (cgroup.map(ProcessCgroup::limitHit).orElse(false)) {
            return "process limit reached (sandbox.max_processes = " + limits.maxProcesses() + "); exit code " + exit;
        }
        String tail = String.join("\n", RunLogs.lastLines(stderr, 20));
        String lowerTail = tail.toLowerCase(java.util.Locale.ROOT);
        if (cgroup.isEmpty() && limits.maxProcesses() > 0 && (lowerTail.contains("resource temporarily unavailable")
                || lowerTail.contains("cannot fork") || lowerTail.contains("fork: retry"))) {
            return "process limit reached (sandbox.max_processes = " + limits.maxProcesses()
                    + ", a per-user rlimit here: no pids cgroup); exit code " + exit;
        }
        if (tail.toLowerCase(java.util.Locale.ROOT).contains("no space left on device") || full(stderr)) {
            return "no space left on device (exit code " + exit + "); free space where the run writes, or lower sandbox.max_disk";
        }
        String hint = SandboxHints.explain(tail, policy);
        if (hint != null) return "exit code " + exit + "; " + hint;
        if (exit > 128 && exit < 160) return "killed by signal " + (exit - 128) + " (exit code " + exit + ")";
        return "exit code " + exit;
    }

    private static ObjectNode describe(SandboxPolicy p, Optional<ProcessCgroup> cgroup, EnvPolicy.Result env, boolean prlimit,
                                       List<Path> lent) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("mode", p.mode().id());
        n.put("network", p.network());
        n.put("mechanism", p.confined() ? "bwrap" : "none");
        n.put("workspace", p.workspace().toString());
        if (p.confined()) {
            p.runAs().ifPresentOrElse(r -> n.put("run_as_uid", r.uid()), () -> n.put("run_as_uid", Identity.current().uid()));
            n.put("seccomp", p.seccomp().isPresent() ? "unix sockets refused" : p.network() ? "off (network on)" : "unavailable");
        }
        ArrayNode w = n.putArray("writable");
        p.writable().forEach(x -> w.add(x.toString()));
        ArrayNode ro = n.putArray("read_only");
        p.readOnly().stream().filter(Files::exists).forEach(x -> ro.add(x.toString()));
        ArrayNode rd = n.putArray("readable");
        p.readable().forEach(x -> rd.add(x.toString()));
        ArrayNode h = n.putArray("hidden");
        p.hidden().forEach(x -> h.add(x.toString()));
        if (!lent.isEmpty()) {
            ArrayNode l = n.putArray("lent");
            lent.forEach(x -> l.add(x.toString()));
            n.put("owner_uid", Identity.current().uid());
            n.put("owner_gid", Identity.current().gid());
        }
        ObjectNode l = n.putObject("limits");
        l.put("max_processes", p.limits().maxProcesses());
        l.put("max_file_size", p.limits().maxFileSize());
        l.put("max_memory", p.limits().maxMemory());
        l.put("max_disk", p.limits().maxDisk());
        l.put("processes_enforced_by", cgroup.map(c -> "cgroup " + c.describe()).orElse(prlimit ? "rlimit" : "none"));
        l.put("memory_enforced_by", cgroup.filter(ProcessCgroup::limitsMemory).map(c -> "cgroup (whole run)")
                .orElse(prlimit ? "rlimit (per process)" : "none"));
        l.put("files_enforced_by", prlimit ? "rlimit" : "none");
        ArrayNode dropped = n.putArray("env_dropped");
        env.dropped().forEach(dropped::add);
        return n;
    }

    /** Whether the file system holding {@code file} is full (the script's own error message may not have fit on it). */
    private static boolean full(Path file) {
        try {
            return Files.getFileStore(file).getUsableSpace() < 64 * 1024;
        } catch (IOException e) {
            return false;
        }
    }

    private static long minPositive(long a, long b) {
        if (a <= 0) return b;
        if (b <= 0) return a;
        return Math.min(a, b);
    }

    /** Takes back what was lent to the sandbox uid; see {@link Ownership}. */
    static void giveBack(List<Path> lent, Identity.RunAs runAs, Identity owner) {
        giveBack(lent, runAs.uid(), runAs.gid(), owner.uid(), owner.gid());
    }

    static void giveBack(List<Path> lent, int uid, int gid, int ownerUid, int ownerGid) {
        for (Path w : lent) {
            try {
                Ownership.takeBack(w, uid, gid, ownerUid, ownerGid);
            } catch (IOException e) {
                // what could not be taken back stays the sandbox uid's: it is not root's either
            }
        }
    }

    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // the run's folder is the owner's only
        }
    }

    private static List<String> head(Path script) {
        try (var lines = Files.lines(script, StandardCharsets.UTF_8)) {
            return lines.limit(15).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // what is left is harmless; the run is recorded either way
        }
    }

    /** The exit code {@code ao run} returns for a finished run. */
    /**
     * The objects {@code ao run --on k8s} would create, for {@code --dry-run}: nothing is recorded or created, the
     * cluster is not asked (the namespace comes from the config, else the kubeconfig's context).
     */
    public K8sManifests.Objects k8sDryRun(Prepared p) {
        K8sSettings settings = K8sSettings.of(config);
        String id = RunStore.newRunId();
        String scriptName = p.spec().scriptFile().getFileName().toString();
        RunRecord r = new RunRecord(id, label(p), p.spec().skill(), p.spec().scriptFile().toString(), scriptName, p.spec().source(),
                RunState.QUEUED, null, null, Instant.now().toString(), null, null, null, p.timeoutSeconds(), p.params().masked(),
                null, null, null, null, null, null, null, null, null, null, p.request().cwd().toString(), p.request().origin());
        try (KubernetesClient c = K8sJobRun.client(settings.context())) {
            return K8sManifests.build(k8sInput(p, r, null, settings), settings, K8sJobRun.namespace(c, settings));
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, p.spec().scriptFile() + ": cannot read: " + e.getMessage());
        }
    }

    /** What the k8s runner ships: the copied script, parameters (secrets apart), the workflow's variables. */
    static K8sManifests.Input k8sInput(Prepared p, RunRecord record, Tree tree, K8sSettings settings) throws IOException {
        java.util.Set<String> secretVars = new java.util.HashSet<>();
        for (String s : p.params().secrets()) secretVars.add("AO_PARAM_" + s.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"));
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> secretEnv = new LinkedHashMap<>();
        p.params().env().forEach((k, v) -> (secretVars.contains(k) ? secretEnv : env).put(k, v));
        if (tree != null) env.putAll(tree.env());
        env.put("AO_SANDBOX_MODE", p.mode().id());
        String scriptName = record.scriptCopy();
        List<String> command = new ArrayList<>(p.interpreter());
        command.add(K8sManifests.AO_DIR + "/" + scriptName);
        command.addAll(p.params().argv(p.spec().parametersSchema()));
        command.addAll(p.request().args());
        byte[] script = Files.readAllBytes(p.spec().scriptFile().toRealPath());
        String image = p.spec().demands().image() != null ? p.spec().demands().image() : settings.image();
        byte[] random = new byte[8];
        new java.security.SecureRandom().nextBytes(random);
        String marker = "AO-" + java.util.HexFormat.of().formatHex(random);
        return new K8sManifests.Input(record.id(), record.label(), record.skill(), scriptName, script, command, p.params().values(),
                p.params().masked(), env, secretEnv, SkillLib.pythonSource(), p.timeoutSeconds(), image, marker,
                p.request().placement().tags(), p.spec().demands().credentials());
    }

    public static int exitCode(RunRecord r) {
        return switch (r.state()) {
            case SUCCEEDED -> 0;
            case TIMED_OUT -> ExitCode.TIMEOUT.code();
            case CANCELED -> ExitCode.CANCELED.code();
            case REJECTED -> ExitCode.REFUSED.code();
            case FAILED -> r.exitCode() == null || r.exitCode() == 0 ? 1 : r.exitCode();
            default -> 1;
        };
    }

    static Set<RunState> live() {
        return Set.of(RunState.QUEUED, RunState.WAITING_APPROVAL, RunState.BLOCKED, RunState.RUNNING, RunState.PAUSED);
    }
}
