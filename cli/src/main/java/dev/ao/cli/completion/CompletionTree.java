package dev.ao.cli.completion;

import dev.ao.cli.render.CommandListRenderer;
import dev.ao.engine.run.RunState;
import dev.ao.engine.sandbox.SandboxMode;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a shell's completion script needs to know, read once from picocli's command tree: per command path the
 * subcommands, the options and the values an option takes; and which positions take values only ao can list at
 * the time of the Tab ({@code ao __complete}). The script generators read this, never picocli.
 */
public record CompletionTree(List<Node> nodes) {
    /** Dynamic values: skill ids, run ids, a skill's parameter names ({@code name=}). */
    public static final String SKILLS = "skills", RUNS = "runs", PARAMS = "params";

    /** Whose first positional is a skill id or a run id. */
    static final Map<String, String> POSITIONAL = Map.ofEntries(
            Map.entry("run", SKILLS), Map.entry("skill show", SKILLS), Map.entry("script show", SKILLS),
            Map.entry("workflow validate", SKILLS), Map.entry("workflow graph", SKILLS),
            Map.entry("runs show", RUNS), Map.entry("runs logs", RUNS), Map.entry("runs wait", RUNS),
            Map.entry("runs cancel", RUNS), Map.entry("runs approve", RUNS), Map.entry("runs reject", RUNS),
            Map.entry("runs rerun", RUNS), Map.entry("runs pause", RUNS), Map.entry("runs resume", RUNS));
    /** Options whose value is a parameter name of the skill given as the first positional. */
    static final Set<String> PARAM_OPTIONS = Set.of("run --param");

    /** One command: its path from the root ("" for ao itself, "runs show"). */
    public record Node(String path, List<Sub> subs, List<Opt> options, String positional) {}

    /** A subcommand: every name it answers to, its canonical name, and its one-line summary. */
    public record Sub(List<String> names, String name, String summary) {}

    /**
     * An option: its names (with the negated form of a negatable one), whether it takes a value, the fixed values
     * it takes (empty: any; files are then offered), and whether the value is a parameter name.
     */
    public record Opt(List<String> names, String summary, boolean takesValue, List<String> values, boolean params) {}

    public static CompletionTree of(CommandSpec root) {
        List<Node> nodes = new ArrayList<>();
        walk(root, "", nodes);
        return new CompletionTree(nodes);
    }

    private static void walk(CommandSpec spec, String path, List<Node> nodes) {
        Map<String, List<String>> names = new LinkedHashMap<>();
        Map<String, CommandSpec> specs = new LinkedHashMap<>();
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden()) continue;
            names.computeIfAbsent(sub.name(), k -> new ArrayList<>()).add(e.getKey());
            specs.put(sub.name(), sub);
        }
        List<Sub> subs = new ArrayList<>();
        names.forEach((name, all) -> subs.add(new Sub(List.copyOf(all), name, CommandListRenderer.summary(specs.get(name)))));
        List<Opt> options = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            List<String> optionNames = new ArrayList<>(Arrays.asList(o.names()));
            if (o.negatable()) optionNames.add(spec.negatableOptionTransformer().makeNegative(o.longestName(), spec));
            boolean value = o.arity().min() > 0;
            String key = (path + " " + o.longestName()).strip();
            options.add(new Opt(optionNames, firstLine(o.description()), value, value ? values(key, o) : List.of(),
                    PARAM_OPTIONS.contains(key)));
        }
        nodes.add(new Node(path, subs, options, POSITIONAL.get(path)));
        specs.forEach((name, sub) -> walk(sub, path.isEmpty() ? name : path + " " + name, nodes));
    }

    /** The fixed values of an option: its enum's, the ones ao knows, or those its label lists (auto|github|none). */
    private static List<String> values(String key, OptionSpec o) {
        switch (key) {
            case "run --sandbox":
                return Arrays.stream(SandboxMode.values()).map(SandboxMode::id).toList();
            case "runs list --state":
                return Arrays.stream(RunState.values()).map(RunState::id).toList();
            default:
                break;
        }
        List<String> out = new ArrayList<>();
        if (o.completionCandidates() != null) o.completionCandidates().forEach(out::add);
        if (out.isEmpty() && o.paramLabel().matches("[a-z0-9-]+(\\|[a-z0-9-]+)+")) out.addAll(Arrays.asList(o.paramLabel().split("\\|")));
        return out;
    }

    private static String firstLine(String[] description) {
        return description == null || description.length == 0 ? "" : CommandListRenderer.firstSentence(Arrays.asList(description));
    }
}
