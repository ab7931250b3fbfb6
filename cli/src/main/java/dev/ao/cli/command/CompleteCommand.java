package dev.ao.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.cli.Context;
import dev.ao.cli.completion.CompletionTree;
import dev.ao.engine.AoException;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ao __complete skills|runs|params SKILL}: the values a completion script cannot carry, one per line. It
 * reads the skill catalog, the run folders' names or one script.json, and nothing else; it never runs anything.
 * A value a shell would have to quote (spaces, control characters, quotes, '$') is left out: a completion must
 * be a word the person can see and run as typed.
 */
@Command(name = "__complete", hidden = true, description = "Internal: values for the shell completion scripts.")
public final class CompleteCommand implements Callable<Integer> {
    private final Context ctx;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND") String kind;
    @Parameters(index = "1..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    public CompleteCommand(Context ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        List<String> values = new ArrayList<>();
        try {
            switch (kind) {
                case CompletionTree.SKILLS -> ctx.catalog().all().forEach(s -> {
                    if (plainWord(s.id())) values.add(s.id());
                });
                case CompletionTree.RUNS -> runIds().stream().filter(CompleteCommand::plainWord).forEach(values::add);
                case CompletionTree.PARAMS -> {
                    if (!args.isEmpty()) values.addAll(params(args.get(0)));
                }
                default -> {
                    return 2;
                }
            }
        } catch (AoException e) {
            return 1; // a broken config or store: the command itself will say why; Tab offers nothing
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String v : values) out.println(v);
        out.flush();
        return 0;
    }

    /** Newest first: from the run index when the history is long enough to use it, else the folders' names. */
    private List<String> runIds() {
        dev.ao.engine.run.RunStore store = ctx.store();
        if (!dev.ao.engine.run.RunIndex.worthUsing(store, dev.ao.engine.run.RunIndex.indexFrom(ctx.env()))) return store.ids();
        String prefix = args.isEmpty() ? "" : args.get(0);
        try (dev.ao.engine.run.RunIndex index = dev.ao.engine.run.RunIndex.open(store, w -> { })) {
            return index.briefs(null, prefix, 0).stream().map(dev.ao.engine.run.RunIndex.Brief::id).toList();
        } catch (RuntimeException | LinkageError e) {
            return store.ids();
        }
    }

    /** {@code name=} for each parameter the skill's script.json declares. */
    private List<String> params(String target) {
        Optional<Skill> skill = ctx.catalog().find(target);
        if (skill.isEmpty()) return List.of();
        JsonNode schema;
        if (skill.get().workflow()) schema = dev.ao.engine.workflow.WorkflowParser.parse(skill.get().workflowFile()).parametersSchema();
        else if (skill.get().runnable()) schema = ScriptSpecReader.read(skill.get().specFile()).parametersSchema();
        else return List.of();
        if (schema == null) return List.of();
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = schema.path("properties").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (plainWord(name)) names.add(name + "=");
        }
        return names;
    }

    /** Letters, digits and {@code . _ - / @ + ,}: nothing a shell splits, expands or breaks a word at. */
    static boolean plainWord(String s) {
        if (s == null || s.isEmpty() || s.startsWith("-")) return false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (!Character.isLetterOrDigit(c) && "._-/@+,".indexOf(c) < 0) return false;
            i += Character.charCount(c);
        }
        return true;
    }
}
