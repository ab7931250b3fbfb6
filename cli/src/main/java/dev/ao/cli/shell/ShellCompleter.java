package dev.ao.cli.shell;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.cli.Context;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.run.RunIndex;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.sandbox.SandboxMode;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Tab completion over the picocli command tree: subcommands and options with their descriptions, enum option
 * values, and the values picocli cannot know, read live on every Tab: skill ids ({@code run}, {@code skill show}),
 * run ids ({@code runs show|logs|cancel|approve|reject}), a skill's parameter names ({@code run SKILL -p}),
 * sandbox modes and run states. The context is refreshed on each such Tab, so what changed on disk since the
 * last command (another terminal added a skill, a detached run started) is offered.
 *
 * <p>It walks picocli's {@link CommandSpec} itself rather than delegating to {@code PicocliJLineCompleter}: that
 * one offers hidden options, lists every option on an empty word, and has no descriptions.
 */
public final class ShellCompleter implements Completer {
    /** Words the shell itself understands. */
    static final Map<String, String> BUILTINS = Map.of("exit", "leave the shell (also quit, Ctrl-D)", "quit", "leave the shell",
            "help", "list commands, or 'help COMMAND' for one");
    private static final Set<String> RUN_ID_COMMANDS = Set.of("runs show", "runs logs", "runs cancel", "runs approve", "runs reject");
    private static final Set<String> SKILL_COMMANDS = Set.of("run", "skill show");
    /** Run ids read with their run.json for a description; older ones are offered bare, to keep Tab fast. */
    private static final int DESCRIBED_RUNS = 50;

    private final CommandSpec root;
    private final Context ctx;
    private final Completer files;

    public ShellCompleter(CommandSpec root, Context ctx) {
        this.root = root;
        this.ctx = ctx;
        this.files = new Completers.FileNameCompleter() {
            @Override
            protected Path getUserDir() {
                return ctx.cwd();
            }
        };
    }

    /** Where the cursor is in the command tree. */
    record Position(CommandSpec spec, String path, List<String> positionals, OptionSpec pending, Set<OptionSpec> used,
                    boolean endOfOptions) {}

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        String current = line.word().substring(0, Math.min(line.wordCursor(), line.word().length()));
        int start = 0;
        // people type 'ao runs list' out of habit; the shell accepts it, so completion does too
        if (index > 0 && words.get(0).equals("ao")) start = 1;
        boolean help = index > start && words.get(start).equals("help");
        if (help) start++;
        Position pos = locate(root, words.subList(start, index));
        if (index == start && !help) {
            BUILTINS.forEach((name, descr) -> candidates.add(new Candidate(name, name, "shell", descr, null, null, true)));
        }
        if (pos.pending() != null) {
            optionValues(reader, line, pos, candidates);
            return;
        }
        if (help) {
            if (pos.positionals().isEmpty()) subcommands(pos.spec(), candidates);
            return;
        }
        if (current.startsWith("-") && !pos.endOfOptions()) {
            options(pos, candidates);
            return;
        }
        if (pos.positionals().isEmpty()) subcommands(pos.spec(), candidates);
        positionalValues(reader, line, pos, current, candidates);
    }

    /** Walks the words before the cursor through subcommands, options and their values. */
    static Position locate(CommandSpec root, List<String> words) {
        CommandSpec spec = root;
        String path = "";
        List<String> positionals = new ArrayList<>();
        Set<OptionSpec> used = new java.util.HashSet<>();
        OptionSpec pending = null;
        boolean endOfOptions = false;
        for (String w : words) {
            if (pending != null) {
                pending = null;
                continue;
            }
            if (!endOfOptions && w.equals("--")) {
                endOfOptions = true;
                continue;
            }
            if (!endOfOptions && w.startsWith("-") && w.length() > 1) {
                int eq = w.indexOf('=');
                OptionSpec o = spec.findOption(eq > 0 ? w.substring(0, eq) : w);
                if (o == null && !w.startsWith("--")) o = spec.findOption(w.substring(0, 2)); // -pkey=value
                if (o != null) {
                    used.add(o);
                    boolean attached = eq > 0 || (!w.startsWith("--") && w.length() > 2);
                    if (!attached && o.arity().min() > 0) pending = o;
                }
                continue;
            }
            CommandLine sub = positionals.isEmpty() ? spec.subcommands().get(w) : null;
            if (sub != null) {
                spec = sub.getCommandSpec();
                path = path.isEmpty() ? spec.name() : path + " " + spec.name();
                used.clear();
                continue;
            }
            positionals.add(w);
        }
        return new Position(spec, path, positionals, pending, used, endOfOptions);
    }

    private static void subcommands(CommandSpec spec, List<Candidate> candidates) {
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden()) continue;
            String name = e.getKey();
            if (spec.parent() == null && BUILTINS.containsKey(name)) continue; // 'help' is the shell's own word too
            // aliases ('ls') complete too, listed under the command's own name
            candidates.add(new Candidate(name, name, "commands", first(sub.usageMessage().description()), null, sub.name(), true));
        }
    }

    private static void options(Position pos, List<Candidate> candidates) {
        for (OptionSpec o : pos.spec().options()) {
            if (o.hidden() || (pos.used().contains(o) && !o.isMultiValue())) continue;
            String descr = first(o.description());
            for (String name : o.names()) {
                candidates.add(new Candidate(name, name, "options", descr, null, o.longestName(), true));
            }
            if (o.negatable()) {
                String neg = pos.spec().negatableOptionTransformer().makeNegative(o.longestName(), pos.spec());
                candidates.add(new Candidate(neg, neg, "options", descr, null, neg, true));
            }
        }
    }

    private void optionValues(LineReader reader, ParsedLine line, Position pos, List<Candidate> candidates) {
        OptionSpec o = pos.pending();
        String key = pos.path() + " " + o.longestName();
        switch (key) {
            case "run --sandbox" -> {
                for (SandboxMode m : SandboxMode.values()) candidates.add(new Candidate(m.id(), m.id(), null, null, null, null, true));
            }
            case "runs list --state" -> {
                for (RunState s : RunState.values()) candidates.add(new Candidate(s.id(), s.id(), null, null, null, null, true));
            }
            case "run --param" -> parameterNames(pos, candidates);
            case "run --workspace" -> files.complete(reader, line, candidates);
            default -> {
                Iterable<String> values = o.completionCandidates();
                if (values != null) for (String v : values) candidates.add(new Candidate(v, v, null, null, null, null, true));
            }
        }
    }

    private void positionalValues(LineReader reader, ParsedLine line, Position pos, String current, List<Candidate> candidates) {
        if (!pos.positionals().isEmpty()) return;
        if (SKILL_COMMANDS.contains(pos.path())) {
            skills(candidates);
            // ao run also takes a path to a script
            if (pos.path().equals("run") && (current.startsWith(".") || current.startsWith("/") || current.startsWith("~"))) {
                files.complete(reader, line, candidates);
            }
        } else if (RUN_ID_COMMANDS.contains(pos.path())) {
            runIds(pos.path(), candidates);
        }
    }

    private void skills(List<Candidate> candidates) {
        List<Skill> all;
        try {
            ctx.refresh(); // live: a skill added or pulled in another terminal since the last command
            all = ctx.catalog().all();
        } catch (AoException e) {
            return; // a broken config or lock file: the command itself will say so
        }
        for (Skill s : all) {
            candidates.add(new Candidate(SafeText.line(s.id()), SafeText.line(s.id()), "skills", shorten(s.description()), null, null, true));
        }
    }

    private void runIds(String path, List<Candidate> candidates) {
        RunStore store;
        try {
            ctx.refresh(); // live: the config may have moved the state dir since the last command
            store = ctx.store();
        } catch (AoException e) {
            return;
        }
        // cancel, approve and reject only make sense for some runs; show and logs take any
        Predicate<RunState> wanted = switch (path) {
            case "runs cancel" -> s -> !s.terminal();
            case "runs approve", "runs reject" -> s -> s == RunState.WAITING_APPROVAL;
            default -> null;
        };
        if (fromIndex(store, wanted, candidates)) return;
        List<String> ids;
        try {
            ids = store.ids();
        } catch (AoException e) {
            return;
        }
        int described = 0;
        for (String id : ids) {
            Optional<RunRecord> r = wanted != null || described++ < DESCRIBED_RUNS ? store.read(id) : Optional.empty();
            if (wanted != null && (r.isEmpty() || !wanted.test(r.get().state()))) continue;
            String descr = r.map(x -> SafeText.line(x.label()) + " · " + x.state().id()).orElse(null);
            candidates.add(new Candidate(id, id, "runs", descr, null, null, true));
        }
    }

    /**
     * A long history: the run index answers in one query, every run described, where the files would be read one by
     * one (100,000 run.json for 'runs cancel'). False when the history is short or the index cannot be used.
     */
    private boolean fromIndex(RunStore store, Predicate<RunState> wanted, List<Candidate> candidates) {
        java.util.Set<RunState> states = null;
        if (wanted != null) {
            states = java.util.EnumSet.noneOf(RunState.class);
            for (RunState s : RunState.values()) if (wanted.test(s)) states.add(s);
        }
        List<RunIndex.Brief> briefs;
        try {
            if (!RunIndex.worthUsing(store, RunIndex.indexFrom(ctx.env()))) return false;
            try (RunIndex index = RunIndex.open(store, w -> { })) {
                briefs = index.briefs(states, "", 0);
            }
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
        for (RunIndex.Brief b : briefs) {
            candidates.add(new Candidate(b.id(), b.id(), "runs", SafeText.line(b.label()) + " · " + b.state().id(), null, null, true));
        }
        return true;
    }

    /** {@code run SKILL -p <Tab>}: the parameter names its script.json declares, as {@code name=}. */
    private void parameterNames(Position pos, List<Candidate> candidates) {
        if (pos.positionals().isEmpty()) return;
        try {
            Optional<Skill> skill = ctx.catalog().find(pos.positionals().get(0));
            if (skill.isEmpty() || !skill.get().runnable()) return;
            JsonNode schema = ScriptSpecReader.read(skill.get().specFile()).parametersSchema();
            Set<String> required = new java.util.HashSet<>();
            schema.path("required").forEach(n -> required.add(n.asText()));
            Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> p = it.next();
                String type = p.getValue().path("type").asText("");
                String d = p.getValue().path("description").asText("");
                String descr = (required.contains(p.getKey()) ? "required " : "") + type + (d.isEmpty() ? "" : ": " + shorten(d));
                candidates.add(new Candidate(p.getKey() + "=", p.getKey(), "parameters", descr.strip(), null, null, false));
            }
        } catch (AoException e) {
            // an unreadable script.json: nothing to offer, 'ao run' will explain
        }
    }

    private static String first(String[] description) {
        return description == null || description.length == 0 ? null : shorten(description[0]);
    }

    private static String shorten(String s) {
        if (s == null) return null;
        String line = SafeText.line(s.strip().lines().findFirst().orElse(""));
        return line.length() <= 70 ? line : line.substring(0, 69) + "…";
    }
}
