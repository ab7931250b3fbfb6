package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.RunOutputOptions;
import dev.ao.cli.Terminal;
import dev.ao.cli.render.Durations;
import dev.ao.cli.render.LogFollower;
import dev.ao.cli.render.StatusLine;
import dev.ao.cli.render.TtyApprover;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.SafeText;
import dev.ao.engine.concurrency.ConcurrencyGroups;
import dev.ao.engine.concurrency.Holder;
import dev.ao.engine.concurrency.Slot;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.DetachedRuns;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.script.MissingSecretsException;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.workflow.Workflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao run}: one script, sandboxed, under a timeout; prints only its summary. */
@Command(name = "run", sortOptions = false,
        description = {"Run a skill's script or a script file in a sandboxed workspace and print only its summary.",
                "The raw output stays in the run's folder: see it with 'ao runs logs ID'."},
        footerHeading = "%nExamples:%n",
        footer = {"  ao run logs/error-summary -p path=skills/logs/error-summary/sample/app.log",
                "  ao run ./fix.sh -p verbose=true -- first second     (the script gets: --verbose first second)",
                "  ao run k8s/bulk-restart -p namespace=prod -p selector=app=web -p dry_run=true",
                "  ao run ./fix.py --timeout 60 -o json",
                "  ao run ./deploy.sh --concurrency deploy-prod   (blocked while another holds the group)",
                "",
                "Secrets: -p token=@token.txt or -p token=env:MY_TOKEN keep the value out of shell history and every",
                "command line; at a terminal, a required \"secret\": true parameter that is not given is asked for, unechoed.",
                "Parameters reach the script as CLI args (--namespace prod), as AO_PARAM_<NAME> env vars and as",
                "JSON in the file $AO_PARAMS. The script writes its summary to $AO_SUMMARY and key=value",
                "outputs to $AO_OUTPUT.",
                "",
                "Exit codes:",
                "  0    success",
                "  1-   the script's own non-zero exit code passes through (a workflow: 1 when a job failed)",
                "  2    usage or validation error (nothing ran)",
                "  124  the run timed out",
                "  126  refused: sandbox, extension or approval",
                "  127  a demanded binary or env var is missing",
                "  130  canceled"})
public final class RunCommand implements Callable<Integer> {
    private final Context ctx;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SKILL|SCRIPT", description = "A skill name (see 'ao skill list') or a path to a script or script folder.")
    String target;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Positional arguments for the script, after '--' "
            + "(ao run ./fix.sh -- a b): passed after the parameters' --flags, never through a shell.")
    List<String> args = new ArrayList<>();

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A parameter; repeat for more. Validated against the script's parameters_schema before anything runs. "
            + "KEY=@FILE reads the value from FILE (up to 1 MiB, one trailing newline dropped), KEY=env:VAR from ao's environment; "
            + "KEY=@@text passes the literal @text (put a literal starting with env: in a file).")
    List<String> params = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Kill the run after this many seconds (default: script.json, then [scripts] execution_timeout).")
    Integer timeout;

    @Option(names = "--sandbox", paramLabel = "MODE", description = "read-only, workspace-write or danger-full-access (default: script.json, then config).")
    String sandbox;

    @Option(names = "--network", negatable = true, description = "Allow (or with --no-network, forbid) network access; --no-network wins over everything.")
    Boolean network;

    @Option(names = "--workspace", paramLabel = "DIR", description = "Run in this directory (it is never deleted) instead of a fresh one.")
    Path workspace;

    @Option(names = "--allow-read", paramLabel = "PATH", description = "Let the script read PATH although the sandbox would hide it (the host's /tmp, a hidden credential); repeatable.")
    List<Path> allowRead = new ArrayList<>();

    @Option(names = "--allow-write", paramLabel = "PATH", description = "Let the script write PATH besides its workspace (workspace-write only); repeatable.")
    List<Path> allowWrite = new ArrayList<>();

    @Option(names = "--keep-workspace", description = "Keep the run's temporary workspace after the run.")
    boolean keepWorkspace;

    @Option(names = "--approve", description = "Approve a run that needs approval (risk: approval_required, danger-full-access, secret-looking or wildcard demands.env) without asking.")
    boolean approve;

    @Option(names = {"-f", "--follow"}, description = "Stream the script's output while it runs instead of a status line.")
    boolean follow;

    @Option(names = {"-d", "--detach"}, description = "Start the run in the background, print its id and return at once.")
    boolean detach;

    @Option(names = "--concurrency", paramLabel = "GROUP", description = "Run only while holding a slot of concurrency group GROUP, "
            + "across every ao on this machine: [concurrency.groups.GROUP] limit = N in config (default 1). Waits in line, "
            + "first come first served, recorded as blocked; see 'ao concurrency list'.")
    String concurrency;

    @Option(names = "--ci", paramLabel = "auto|github|gitlab|none", description = "Report to a CI system: GitHub Actions (step summary, "
            + "$GITHUB_OUTPUT, annotations, masked secrets) or GitLab (collapsed sections, a dotenv file). Default auto: "
            + "GITHUB_ACTIONS=true or GITLAB_CI=true.")
    String ci;

    @Option(names = "--junit", paramLabel = "FILE", description = "Write a JUnit XML report of the run to FILE (Jenkins, GitLab, GitHub test reporters).")
    Path junit;

    @Option(names = "--dotenv", paramLabel = "FILE", description = "Write the run's outputs as KEY=value lines to FILE (GitLab artifacts:reports:dotenv; "
            + "default with --ci gitlab: " + dev.ao.cli.ci.CiOutput.DEFAULT_DOTENV + " in the current folder).")
    Path dotenv;

    /** Values taken as they are, never read as @FILE or env:VAR: what {@code ao runs rerun} hands over in-process. */
    @Option(names = "--on", paramLabel = "RUNNER", description = "Where the script runs: local (default, in the sandbox here) or k8s "
            + "(a Kubernetes Job, [runners.k8s] in config; logs, summary and outputs come back here as for a local run).")
    String on;

    @Option(names = "--tag", paramLabel = "TAG", description = "With --on k8s: place the pod by [runners.k8s.tags.TAG] (node selector, "
            + "tolerations, resources); repeat for more, every tag applies.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--dry-run", description = "With --on k8s: print the ConfigMap, Secret (values hidden) and Job ao would create "
            + "(-o yaml, the default, or -o json) and create nothing.")
    boolean dryRun;

    @Option(names = "--literal-param", hidden = true)
    List<String> literalParams = new ArrayList<>();

    @Option(names = "--run-id", hidden = true, description = "Internal: the reserved run folder of a detached run.")
    String runId;

    @Mixin RunOutputOptions output;

    public RunCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Terminal term = ctx.terminal();
        RunService service = ctx.runs();
        // a bad name is refused before anything is recorded
        if (concurrency != null) ConcurrencyGroups.validate(concurrency);
        RunRequest req = new RunRequest(target, params, timeout, sandbox, network, workspace, keepWorkspace, approve,
                ctx.cwd(), runId, literalParams, absolute(allowRead), absolute(allowWrite), args)
                .withPlacement(dev.ao.engine.run.Placement.parse(on, tags, "--on", "--tag"));
        if (dryRun && !req.placement().k8s()) throw AoException.usage("--dry-run shows the Kubernetes objects of a run: add --on k8s");
        if (output.yaml() && !dryRun) throw AoException.usage("-o yaml prints the Kubernetes objects of --on k8s --dry-run; a run's result is -o text or -o json");
        dev.ao.cli.ci.CiOutput ciOut = dev.ao.cli.ci.CiOutput.of(ci, junit, dotenv, ctx.env(), ctx.cwd(), err);
        java.util.Optional<dev.ao.engine.workflow.WorkflowTarget> workflow = dev.ao.engine.workflow.WorkflowTarget.find(target, ctx.cwd(), ctx::catalog);
        if (workflow.isPresent()) return runWorkflow(workflow.get(), out, err);
        if (runId != null) {
            // a detached supervisor gets its parameters from the reserved folder, never on its command line
            DetachedRuns.Params given = DetachedRuns.takeParams(service.store(), runId);
            req = req.withParams(given.typed(), given.literal());
        }
        RunService.Prepared prepared;
        try {
            prepared = service.prepare(req);
        } catch (MissingSecretsException e) {
            if (runId != null || !term.interactive() || System.console() == null) throw e;
            prepared = service.prepare(req.withLiteral(askSecrets(e)));
        }
        // before anything else reaches the CI log: the runner masks these values from here on
        ciOut.mask(service.secretValues(prepared));
        if (dryRun) {
            dev.ao.engine.k8s.K8sManifests.Objects objects = service.k8sDryRun(prepared);
            if (output.json()) {
                com.fasterxml.jackson.databind.node.ArrayNode a = Json.MAPPER.createArrayNode();
                for (io.fabric8.kubernetes.api.model.HasMetadata o : objects.shown()) {
                    a.add(Json.MAPPER.readTree(io.fabric8.kubernetes.client.utils.Serialization.asJson(o)));
                }
                out.println(Json.write(a));
            } else {
                out.print(objects.yaml());
            }
            out.flush();
            return 0;
        }

        if (detach) {
            String id = DetachedRuns.launch(service.store(), prepared, childCommand(), ctx.cwd(), ctx.env());
            if (output.json()) {
                ObjectNode n = Json.object();
                n.put("id", id);
                n.put("state", RunState.QUEUED.id());
                n.put("run_dir", service.store().dir(id).toString());
                out.println(Json.write(n));
            } else {
                out.println(id);
                err.println(term.dim("started in the background; see it with: ao runs show " + id + "  ·  ao runs logs " + id + " -f"));
            }
            out.flush();
            err.flush();
            return 0;
        }

        boolean detachedChild = runId != null;
        Approver approver = detachedChild ? DetachedRuns.approver(service.store(), runId)
                : term.interactive() ? new TtyApprover(err, term) : Approver.NOBODY;
        RunListener listener = new RunListener() {
            @Override
            public void warning(String message) {
                err.println(term.yellow("ao: warning: " + message));
                err.flush();
            }
        };
        RunService.Active active = service.start(prepared, approver, listener);
        sun.misc.SignalHandler stop = s -> {
            active.cancel();
            // at a y/N prompt the console read cannot be interrupted: record the cancel and leave
            if (!detachedChild && term.interactive() && active.cancelWhileWaiting()) {
                err.println();
                err.println(RunCommand.trailer(active.record(), term));
                err.flush();
                System.exit(ExitCode.CANCELED.code());
            }
        };
        // SIGTERM (kill, a closing terminal emulator, systemd) stops a run exactly like Ctrl-C, at the prompt too
        Signal.handle(new Signal("INT"), stop);
        Signal.handle(new Signal("TERM"), stop);
        // a Ctrl-C that came before the handler was in place (ao shell interrupts the command's thread) cancels too
        if (Thread.interrupted()) active.cancel();

        StatusLine status = !follow && term.interactive() && !output.json() ? new StatusLine(err, term, active) : null;
        LogFollower follower = follow && !output.json() ? new LogFollower(service.store().dir(active.id()), out, err)
                .sanitized(Terminal.outputIsTerminal()) : null;
        if (status != null) status.start();
        if (follower != null) follower.start();
        RunRecord r;
        try {
            r = concurrency == null ? active.await()
                    : prepared.request().placement().k8s() ? awaitInClusterGroup(active, err, term) : awaitInGroup(active, err, term);
        } finally {
            if (status != null) status.stop();
            if (follower != null) follower.stop();
        }
        int code = RunService.exitCode(r);
        boolean refusedHere = r.state() == RunState.REJECTED && !detachedChild;
        if (output.json()) {
            // a refusal is an error: its JSON object (naming the run) is the one document on stdout
            if (!refusedHere) out.println(Json.write(RunJson.of(r)));
        } else {
            if (r.summary() != null && !r.summary().isBlank()) {
                // -f has just shown stdout: a summary that is its last line would be printed twice
                if (follower == null || !r.summary().strip().equals(lastStdoutLine(r))) {
                    ciOut.summary(SafeText.block(r.summary())).forEach(out::println);
                }
            }
            boolean ci = ciOut.target() != dev.ao.engine.ci.CiTarget.NONE;
            boolean summarized = r.summary() != null && !r.summary().isBlank();
            if ((r.state() == RunState.FAILED || r.state() == RunState.TIMED_OUT) && (ci || !summarized)) {
                // say why from the end of stderr (stored masked, like every log); in CI also in a collapsed group,
                // where the runner's log viewer shows it whole
                List<String> tail = dev.ao.engine.run.RunLogs.lastLines(Path.of(r.stderrLog()), 5).stream().map(l -> "  " + SafeText.line(l)).toList();
                if (!tail.isEmpty()) ciOut.log("stderr of run " + r.id(), tail).forEach(l -> err.println(term.dim(l)));
            }
            err.println(trailer(r, term));
        }
        out.flush();
        err.flush();
        ciOut.finished(r, r.state() == RunState.SUCCEEDED ? List.of() : dev.ao.engine.run.RunLogs.lastLines(Path.of(r.stderrLog()), 20),
                listener::warning);
        autoPrune(err, term);
        if (refusedHere) {
            // say what needed the approval: in CI this line is all a person gets
            String why = prepared.approvalWhy() == null ? "" : " (it needs approval: " + prepared.approvalWhy() + ")";
            throw new AoException(ExitCode.REFUSED, "run " + r.id() + ": " + r.reason() + why);
        }
        return code;
    }

    /** A workflow: the same options, a tree of runs. */
    private int runWorkflow(dev.ao.engine.workflow.WorkflowTarget wt, PrintWriter out, PrintWriter err) throws InterruptedException {
        if (!args.isEmpty()) throw AoException.usage("a workflow takes parameters (-p key=value), not positional arguments");
        if (timeout != null || workspace != null || keepWorkspace) {
            throw AoException.usage("--timeout, --workspace and --keep-workspace are per script: set timeout: in the workflow or its jobs");
        }
        List<String> typed = params;
        List<String> literal = literalParams;
        if (runId != null) {
            DetachedRuns.Params given = DetachedRuns.takeParams(ctx.store(), runId);
            typed = given.typed();
            literal = given.literal();
        }
        dev.ao.cli.workflow.WorkflowRun wr = new dev.ao.cli.workflow.WorkflowRun(ctx, out, err);
        dev.ao.cli.workflow.WorkflowRun.Request req = new dev.ao.cli.workflow.WorkflowRun.Request(wt, typed, literal, sandbox, network,
                absolute(allowRead), absolute(allowWrite), approve, follow, output.json(), runId);
        dev.ao.cli.workflow.WorkflowRun.Prepared prepared = wr.prepare(req);
        if (detach) {
            List<String> read = new ArrayList<>();
            prepared.params().values().fields().forEachRemaining(e -> read.addAll(ParameterBinder.pairsOf(e.getKey(), e.getValue())));
            String id = DetachedRuns.launchWorkflow(ctx.store(), wt.skill() != null ? wt.skill() : target, wt.skill(), wt.file(),
                    prepared.params().masked(), List.of(), read, childCommand(), ctx.cwd(), ctx.env());
            if (output.json()) {
                ObjectNode n = Json.object();
                n.put("id", id);
                n.put("state", RunState.QUEUED.id());
                n.put("run_dir", ctx.store().dir(id).toString());
                out.println(Json.write(n));
            } else {
                out.println(id);
                err.println(ctx.terminal().dim("started in the background; see it with: ao runs show " + id));
            }
            out.flush();
            err.flush();
            return 0;
        }
        int code = wr.run(req, prepared);
        autoPrune(err, ctx.terminal());
        return code;
    }

    /**
     * At most once a day, after a run has been reported: old runs go by the [runs] retention settings. Never fails
     * the run; what goes wrong is one warning.
     */
    private void autoPrune(PrintWriter err, Terminal term) {
        java.util.function.Consumer<String> warn = w -> err.println(term.yellow("ao: warning: " + w));
        try {
            dev.ao.engine.run.RunStore store = ctx.store();
            boolean index = dev.ao.engine.run.RunIndex.worthUsing(store, dev.ao.engine.run.RunIndex.indexFrom(ctx.env()));
            dev.ao.engine.run.Retention.Result r = dev.ao.engine.run.Retention.afterRun(ctx.config(), store, index, warn);
            if (r != null && !r.runs().isEmpty()) {
                err.println(term.dim("ao: pruned " + r.runs().size() + " old run(s) by the [runs] retention settings, "
                        + dev.ao.cli.render.Durations.bytes(r.bytesFreed()) + " freed"));
            }
        } catch (RuntimeException e) {
            warn.accept("automatic prune of old runs failed (" + e.getMessage() + "); 'ao runs prune' says more");
        }
        err.flush();
    }

    /**
     * Takes a slot of the --concurrency group (recorded blocked while it waits), then runs; the slot goes when the run
     * ends. Ctrl-C while blocked ends the run canceled and gives up its place in line.
     */
    private RunRecord awaitInGroup(RunService.Active active, PrintWriter err, Terminal term) throws InterruptedException {
        int limit = ctx.config().concurrencyLimit(concurrency, 1);
        ConcurrencyGroups groups = new ConcurrencyGroups(ctx.config().stateDir());
        Slot slot;
        try {
            slot = groups.acquire(concurrency, limit, Workflow.OnConflict.QUEUE, Holder.current(active.id(), active.record().label()),
                    (group, holders, position) -> {
                        String detail = (holders.isEmpty() ? "full" : "held by " + String.join(", ", holders.stream().map(Holder::describe).toList()))
                                + "; number " + position + " in line (limit " + limit + ")";
                        active.blocked(group, detail);
                        err.println(term.yellow("ao: blocked: concurrency group '" + group + "' " + SafeText.line(detail)));
                        err.flush();
                    }, active::cancelRequested);
        } catch (InterruptedException e) {
            return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled while waiting for concurrency group '" + concurrency + "'");
        } catch (AoException e) {
            if (e.exitCode() == ExitCode.CANCELED) return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), e.getMessage());
            active.endBeforeStart(RunState.FAILED, e.exitCode().code(), e.getMessage());
            throw e;
        }
        try (slot) {
            // a cancel-in-progress workflow of the same group cancels this run, and only this run
            slot.onCancelRequest(active::cancel);
            active.slotTaken(concurrency, slot.index());
            if (active.cancelRequested()) {
                return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled before it started");
            }
            return active.await();
        }
    }

    /**
     * A k8s run's --concurrency group is kept in the cluster (Lease objects, see {@link dev.ao.engine.k8s.LeaseSlots}),
     * so every ao sharing the cluster keeps to one limit; recorded blocked while it waits, like a local group.
     */
    private RunRecord awaitInClusterGroup(RunService.Active active, PrintWriter err, Terminal term) throws InterruptedException {
        int limit = ctx.config().concurrencyLimit(concurrency, 1);
        dev.ao.engine.k8s.K8sSettings settings = dev.ao.engine.k8s.K8sSettings.of(ctx.config());
        try (io.fabric8.kubernetes.client.KubernetesClient c = dev.ao.engine.k8s.K8sJobRun.client(settings.context())) {
            dev.ao.engine.k8s.LeaseSlots slots = new dev.ao.engine.k8s.LeaseSlots(c, dev.ao.engine.k8s.K8sJobRun.namespace(c, settings));
            dev.ao.engine.k8s.LeaseSlots.Slot slot;
            try {
                slot = slots.acquire(concurrency, limit, dev.ao.engine.k8s.LeaseSlots.identity(active.id()), active.record().label(),
                        holders -> {
                            String detail = (holders.isEmpty() ? "full" : "held in the cluster by "
                                    + String.join(", ", holders.stream().map(h -> h.holder() + (h.label() == null || h.label().isEmpty() ? "" : " (" + h.label() + ")")).toList()))
                                    + " (limit " + limit + ")";
                            active.blocked(concurrency, detail);
                            err.println(term.yellow("ao: blocked: concurrency group '" + concurrency + "' " + SafeText.line(detail)));
                            err.flush();
                        }, active::cancelRequested);
            } catch (InterruptedException e) {
                return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled while waiting for concurrency group '" + concurrency + "'");
            } catch (AoException e) {
                if (e.exitCode() == ExitCode.CANCELED) return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), e.getMessage());
                active.endBeforeStart(RunState.FAILED, e.exitCode().code(), e.getMessage());
                throw e;
            }
            try (slot) {
                active.slotTaken(concurrency, slot.index());
                if (active.cancelRequested()) {
                    return active.endBeforeStart(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled before it started");
                }
                return active.await();
            }
        }
    }

    private static String lastStdoutLine(RunRecord r) {
        List<String> last = dev.ao.engine.run.RunLogs.lastLines(Path.of(r.stdoutLog()), 1);
        return last.isEmpty() ? "" : last.get(0).strip();
    }

    private List<Path> absolute(List<Path> paths) {
        return paths.stream().map(p -> ctx.cwd().resolve(p).toAbsolutePath().normalize()).toList();
    }

    /** Asks for each missing secret at the terminal without echo; an empty answer or end of input keeps the error. */
    private static List<String> askSecrets(MissingSecretsException e) {
        java.io.Console console = System.console();
        List<String> out = new ArrayList<>();
        for (String name : e.names()) {
            char[] typed = console.readPassword("%s (secret, not shown): ", name);
            if (typed == null || typed.length == 0) throw e;
            out.add(name + "=" + new String(typed));
            java.util.Arrays.fill(typed, ' ');
        }
        return out;
    }

    public static String trailer(RunRecord r, Terminal t) {
        String state = switch (r.state()) {
            case SUCCEEDED -> t.green("✓ " + r.state().id());
            case FAILED, TIMED_OUT, LOST, REJECTED -> t.red("✗ " + r.state().id());
            default -> t.yellow("• " + r.state().id());
        };
        String why = r.reason() != null && r.state() != RunState.SUCCEEDED ? " (" + SafeText.line(r.reason()) + ")" : "";
        Long d = r.durationMs();
        return state + why + " · run " + r.id() + (d != null ? " · " + Durations.human(d) : "")
                + " · logs: ao runs logs " + r.id();
    }

    /**
     * The same run, for the detached supervisor: every option but --detach (it adds --run-id itself) and the
     * parameters, which {@link DetachedRuns#launch} hands over in the run's folder: argv is readable by every user.
     */
    private List<String> childCommand() {
        List<String> cmd = launcherCommand();
        cmd.add("run");
        cmd.add(target);
        if (timeout != null) { cmd.add("--timeout"); cmd.add(timeout.toString()); }
        if (sandbox != null) { cmd.add("--sandbox"); cmd.add(sandbox); }
        if (network != null) cmd.add(network ? "--network" : "--no-network");
        if (workspace != null) { cmd.add("--workspace"); cmd.add(workspace.toAbsolutePath().toString()); }
        if (keepWorkspace) cmd.add("--keep-workspace");
        for (Path r : absolute(allowRead)) { cmd.add("--allow-read"); cmd.add(r.toString()); }
        for (Path w : absolute(allowWrite)) { cmd.add("--allow-write"); cmd.add(w.toString()); }
        if (approve) cmd.add("--approve");
        if (concurrency != null) { cmd.add("--concurrency"); cmd.add(concurrency); }
        if (on != null) { cmd.add("--on"); cmd.add(on); }
        for (String t : tags) { cmd.add("--tag"); cmd.add(t); }
        if (!args.isEmpty()) {
            cmd.add("--");
            cmd.addAll(args);
        }
        return cmd;
    }

    /** How to start this very ao again: the same java and jar (detached runs, the TUI). */
    public static List<String> launcherCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        // the same JVM options (class data sharing archive, heap) as this ao, but never the archive-writing one
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:ArchiveClassesAtExit")) cmd.add(a);
        }
        try {
            java.security.CodeSource source = RunCommand.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                // loaded from the boot class path: the JVM options above already carry it
                cmd.add("dev.ao.cli.Main");
                return cmd;
            }
            Path jar = Path.of(source.getLocation().toURI());
            if (jar.toString().endsWith(".jar")) {
                cmd.add("-jar");
                cmd.add(jar.toString());
            } else {
                cmd.add("-cp");
                cmd.add(System.getProperty("java.class.path"));
                cmd.add("dev.ao.cli.Main");
            }
        } catch (Exception e) {
            throw new AoException(ExitCode.FAILED, "cannot find ao's own jar to start a detached run: " + e.getMessage());
        }
        return cmd;
    }
}
