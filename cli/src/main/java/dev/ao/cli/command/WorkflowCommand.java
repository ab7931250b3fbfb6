package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.engine.AoException;
import dev.ao.engine.workflow.Workflow;
import dev.ao.engine.workflow.WorkflowGraph;
import dev.ao.engine.workflow.WorkflowParser;
import dev.ao.engine.workflow.WorkflowTarget;
import dev.ao.engine.workflow.WorkflowValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao workflow}: check a workflow and draw its graph without running it. */
@Command(name = "workflow", description = {"Check a workflow.yml and draw its DAG without running anything.",
        "A workflow runs with 'ao run <skill|file.yml>'; see DESIGN in the README for its format."},
        subcommands = {WorkflowCommand.Validate.class, WorkflowCommand.Graph.class})
public final class WorkflowCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Workflow load(Context ctx, String target) {
        WorkflowTarget t = WorkflowTarget.find(target, ctx.cwd(), ctx::catalog).orElseThrow(() -> AoException.usage(
                "'" + target + "' is not a workflow: give a .yml/.yaml file, a folder with a workflow.yml, or a workflow skill's id"));
        if (!Files.isRegularFile(t.file())) throw AoException.usage("no such file: " + t.file());
        return WorkflowParser.parse(t.file());
    }

    /** Every workflow skill in the catalog, or the given targets. */
    static List<String> targets(Context ctx, List<String> given) {
        if (!given.isEmpty()) return given;
        List<String> out = new ArrayList<>();
        ctx.catalog().all().stream().filter(dev.ao.engine.skill.Skill::workflow).forEach(s -> out.add(s.id()));
        return out;
    }

    @Command(name = "validate", description = {"Check workflows: the file against its schema, needs and cycles, the skills jobs use and their",
            "parameters, every ${{ }} expression compiled. Every problem is one line FILE:LINE: ...; exit 2 if any."},
            footerHeading = "%nExamples:%n", footer = {"  ao workflow validate                      # every workflow skill",
                    "  ao workflow validate ops/rotate-nodes ./deploy.yml -o json"})
    static final class Validate implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "PATH|SKILL", arity = "0..*", description = "Workflow files or workflow skill ids (default: every workflow skill).")
        List<String> targets = new ArrayList<>();
        @Mixin OutputOptions output;

        Validate(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ArrayNode arr = Json.MAPPER.createArrayNode();
            int bad = 0;
            List<String> all = targets(ctx, targets);
            for (String t : all) {
                ObjectNode n = arr.addObject();
                n.put("target", t);
                ArrayNode problems = n.putArray("problems");
                try {
                    Workflow wf = load(ctx, t);
                    n.put("file", wf.file().toString());
                    WorkflowValidator.validate(wf, ctx::catalog);
                    n.put("ok", true);
                    if (!output.json()) out.println("ok  " + t + " (" + wf.jobs().size() + " jobs)");
                } catch (AoException e) {
                    bad++;
                    n.put("ok", false);
                    for (String l : e.getMessage().split("\n")) problems.add(l);
                    if (!output.json()) for (String l : e.getMessage().split("\n")) out.println(l);
                }
            }
            if (output.json()) out.println(Json.write(arr));
            else if (all.isEmpty()) spec.commandLine().getErr().println("no workflows found (a skill folder with a workflow.yml is one)");
            out.flush();
            return bad == 0 ? 0 : 2;
        }
    }

    @Command(name = "graph", description = "Draw a workflow's DAG: a line per job with what it needs (or Graphviz DOT with --format dot).",
            footerHeading = "%nExamples:%n", footer = {"  ao workflow graph k8s/heal-crashloops",
                    "  ao workflow graph ./deploy.yml --format dot | dot -Tsvg > deploy.svg"})
    static final class Graph implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "PATH|SKILL", description = "A workflow file or a workflow skill's id.")
        String target;
        @Option(names = "--format", paramLabel = "text|dot", defaultValue = "text", description = "text (default) or dot.")
        String format;

        Graph(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            if (!format.equals("text") && !format.equals("dot")) throw AoException.usage("--format must be text or dot, got '" + format + "'");
            WorkflowGraph g = WorkflowGraph.of(load(ctx, target));
            spec.commandLine().getOut().print(format.equals("dot") ? g.dot() : g.text());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
