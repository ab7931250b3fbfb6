package dev.ao.cli.workflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.Terminal;
import dev.ao.cli.render.TtyApprover;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.concurrency.GroupSlots;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.script.BoundParameters;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.Workflow;
import dev.ao.engine.workflow.WorkflowParser;
import dev.ao.engine.workflow.WorkflowRunner;
import dev.ao.engine.workflow.WorkflowTarget;
import dev.ao.engine.workflow.WorkflowValidator;
import dev.ao.engine.workflow.WorkflowView;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ao run} of a workflow: parse and validate it (nothing is recorded when it is wrong), bind {@code -p} against
 * its parameters_schema, then run it with a live job tree at a terminal and plain lines elsewhere; at the end only
 * its summary and the run line.
 */
public final class WorkflowRun {

    /** The options of {@code ao run} a workflow uses. */
    public record Request(WorkflowTarget target, List<String> params, List<String> literalParams, String sandbox, Boolean network,
                          List<Path> allowRead, List<Path> allowWrite, boolean approve, boolean follow, boolean json,
                          String runId) {}

    private final Context ctx;
    private final PrintWriter out;
    private final PrintWriter err;

    public WorkflowRun(Context ctx, PrintWriter out, PrintWriter err) {
        this.ctx = ctx;
        this.out = out;
        this.err = err;
    }

    /** Everything decided before anything runs. */
    public record Prepared(Workflow workflow, BoundParameters params, WorkflowValidator.Checked checked) {}

    public Prepared prepare(Request req) {
        Workflow wf = WorkflowParser.parse(req.target().file());
        WorkflowValidator.Checked checked = WorkflowValidator.validate(wf, ctx::catalog);
        Map<String, List<String>> raw = new LinkedHashMap<>(ParameterBinder.readSources(ParameterBinder.parsePairs(req.params()), ctx.cwd(), ctx.env()));
        ParameterBinder.parsePairs(req.literalParams()).forEach((k, v) -> raw.merge(k, v, (a, b) -> {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }));
        ObjectNode schema = wf.parametersSchema() != null ? wf.parametersSchema() : open();
        BoundParameters bound = ParameterBinder.bind(schema, raw, wf.file().toString()).resolvePaths(schema, ctx.cwd());
        return new Prepared(wf, bound, checked);
    }

    private static ObjectNode open() {
        ObjectNode s = Json.object();
        s.put("type", "object");
        s.putObject("properties");
        s.put("additionalProperties", true);
        return s;
    }

    public int run(Request req, Prepared p) throws InterruptedException {
        return run(req, p, runner -> runner.start(req.runId()));
    }

    /** Takes over a recorded workflow run (see {@link WorkflowRunner#resume}) and runs it to its end here. */
    public int resume(RunRecord old, List<String> params, boolean approve, boolean json, boolean rerunInterrupted, boolean allowChanged)
            throws InterruptedException {
        Path file = Path.of(old.script());
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw AoException.usage("run " + old.id() + ": its workflow file " + file + " is gone; nothing to resume from");
        }
        WorkflowTarget target = new WorkflowTarget(file, old.skill(), old.source());
        // the recorded parameters, secrets excepted: those are asked for again (-p name=@file or env:VAR)
        List<String> literal = new ArrayList<>();
        java.util.Set<String> given = ParameterBinder.parsePairs(params).keySet();
        List<String> missing = new ArrayList<>();
        if (old.params() != null) {
            old.params().fields().forEachRemaining(e -> {
                if (given.contains(e.getKey())) return;
                if ("***".equals(e.getValue().asText())) missing.add(e.getKey());
                else literal.addAll(ParameterBinder.pairsOf(e.getKey(), e.getValue()));
            });
        }
        if (!missing.isEmpty()) {
            throw AoException.usage("run " + old.id() + ": secret parameter" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " must be given again to resume: -p NAME=@FILE or -p NAME=env:VAR");
        }
        com.fasterxml.jackson.databind.JsonNode o = WorkflowView.options(ctx.store(), old.id());
        List<Path> read = new ArrayList<>();
        o.path("allow_read").forEach(x -> read.add(Path.of(x.asText())));
        List<Path> write = new ArrayList<>();
        o.path("allow_write").forEach(x -> write.add(Path.of(x.asText())));
        Request req = new Request(target, params, literal, o.hasNonNull("sandbox") ? o.get("sandbox").asText() : null,
                o.hasNonNull("network") ? o.get("network").asBoolean() : null, read, write, approve, false, json, null);
        Prepared p = prepare(req);
        return run(req, p, runner -> runner.resume(old, rerunInterrupted, allowChanged));
    }

    private int run(Request req, Prepared p, java.util.function.Consumer<WorkflowRunner> begin) throws InterruptedException {
        Terminal term = ctx.terminal();
        RunService service = ctx.runs();
        boolean tty = term.interactive() && !req.json() && !req.follow();
        ChildFollower follower = req.follow() && !req.json() ? new ChildFollower(out, err, Terminal.outputIsTerminal()) : null;
        LiveTree[] tree = new LiveTree[1];
        Approver base = req.runId() != null ? dev.ao.engine.run.DetachedRuns.approver(service.store(), req.runId())
                : term.interactive() ? new TtyApprover(err, term) : Approver.NOBODY;
        Approver approver = r -> {
            if (tree[0] != null) tree[0].clear();
            return base.decide(r);
        };
        int[] lastPrinted = {0};
        Map<String, RunState> printed = new LinkedHashMap<>();
        WorkflowRunner.Listener listener = new WorkflowRunner.Listener() {
            @Override
            public void warning(String message) {
                if (tree[0] != null) tree[0].clear();
                synchronized (err) {
                    err.println(term.yellow("ao: warning: " + message));
                    err.flush();
                }
            }

            @Override
            public void childStarted(RunRecord child) {
                if (follower != null) follower.add(child, service.store().dir(child.id()));
            }

            @Override
            public void changed(WorkflowRunner run) {
                if (tty || req.json()) return;
                // plain: a line per job transition, in CI logs and pipes
                synchronized (printed) {
                    for (JobRecord j : run.jobs()) {
                        if (printed.get(j.id()) == j.state() || j.state() == RunState.QUEUED) continue;
                        printed.put(j.id(), j.state());
                        synchronized (err) {
                            err.println(JobTree.lines(List.of(j), Terminal.PLAIN, 0).get(0).strip());
                            err.flush();
                        }
                    }
                }
            }
        };
        WorkflowRunner runner = new WorkflowRunner(service, ctx.config(), ctx::catalog, p.workflow(), p.params(), approver, listener,
                new GroupSlots(ctx.config()), new WorkflowRunner.Options(req.approve(), ctx.cwd(), req.sandbox(), req.network(),
                req.allowRead(), req.allowWrite(), null, null, null, null, req.target().skill(), req.target().source(), 0));
        begin.accept(runner);
        sun.misc.SignalHandler stop = s -> runner.cancel();
        Signal.handle(new Signal("INT"), stop);
        Signal.handle(new Signal("TERM"), stop);
        if (Thread.interrupted()) runner.cancel();
        if (tty) {
            tree[0] = new LiveTree(err, term, runner);
            tree[0].start();
        }
        if (follower != null) follower.start();
        RunRecord r;
        try {
            r = runner.run();
        } finally {
            if (tree[0] != null) tree[0].stop();
            if (follower != null) follower.stop();
        }
        if (req.json()) {
            out.println(Json.write(json(r, runner.jobs())));
        } else {
            if (r.summary() != null && !r.summary().isBlank()) out.println(SafeText.block(r.summary()));
            err.println(dev.ao.cli.command.RunCommand.trailer(r, term));
        }
        out.flush();
        err.flush();
        return RunService.exitCode(r);
    }

    /** The run and its jobs, as {@code -o json} prints them. */
    public static ObjectNode json(RunRecord r, List<JobRecord> jobs) {
        ObjectNode n = dev.ao.cli.command.RunJson.of(r);
        ArrayNode arr = n.putArray("jobs");
        for (JobRecord j : jobs) arr.add(Json.MAPPER.valueToTree(j));
        return n;
    }

    /** The tree of a recorded workflow run, read from its folder. */
    public static List<JobRecord> jobsOf(RunStore store, String id) {
        return WorkflowView.jobs(store, id);
    }

    static AoException notWorkflow(String id) {
        return AoException.usage("run " + id + " is not a workflow run");
    }
}
