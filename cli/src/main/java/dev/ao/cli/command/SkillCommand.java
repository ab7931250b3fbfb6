package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Table;
import dev.ao.cli.Terminal;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.script.SourceRef;
import dev.ao.engine.skill.ParameterDoc;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.skill.SkillLinter;
import dev.ao.engine.skill.SkillSearch;
import dev.ao.engine.skill.SkillTemplates;
import dev.ao.engine.source.SkillSources;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code ao skill}: find, read, write, check and share skills. */
@Command(name = "skill", description = "Find, read, create, lint and share skills (folders with a SKILL.md; runnable when they hold a script.json).",
        subcommands = {SkillCommand.ListSkills.class, SkillCommand.Show.class, SkillCommand.Search.class, SkillCommand.New.class,
                SkillCommand.Lint.class, SkillCommand.Add.class, SkillCommand.Update.class, SkillCommand.Remove.class,
                SkillCommand.Sync.class, SkillCommand.Sources.class})
public final class SkillCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    // ---- shared rendering ---------------------------------------------------------------------------------

    /** Conflicts and broken skills go to stderr: they never hide the skills that did load. */
    static void warnings(SkillCatalog c, PrintWriter err, Terminal t) {
        for (SkillCatalog.Conflict x : c.conflicts()) {
            err.println(t.yellow(SafeText.line("ao: warning: skill '" + x.id() + "' is in two places; using " + x.kept() + ", ignoring " + x.ignored())));
        }
        for (String p : c.problems()) err.println(t.yellow("ao: warning: " + SafeText.line(p)));
        err.flush();
    }

    static ObjectNode sourceJson(SourceRef s) {
        if (s == null) return null;
        ObjectNode n = Json.object();
        n.put("name", s.name());
        n.put("url", s.url());
        n.put("commit", s.commit());
        return n;
    }

    static ObjectNode skillJson(Skill s) {
        ObjectNode n = Json.object();
        n.put("id", s.id());
        n.put("name", s.name());
        n.put("description", s.description());
        ArrayNode tags = n.putArray("tags");
        s.tags().forEach(tags::add);
        n.put("runnable", s.runnable());
        List<Path> loose = s.looseScripts();
        if (!loose.isEmpty()) {
            ArrayNode scripts = n.putArray("scripts");
            loose.forEach(p -> scripts.add(s.dir().relativize(p).toString()));
            n.put("not_runnable", NOT_RUNNABLE);
        }
        n.put("script_first", s.scriptFirst());
        n.put("always_load", s.alwaysLoad());
        n.put("origin", s.origin());
        n.set("source", sourceJson(s.source()));
        n.put("dir", s.dir().toString());
        return n;
    }

    static final String NOT_RUNNABLE = "has scripts, not runnable: add a script.json";

    /** The command that makes a loose script runnable, with the script's path as the person would type it. */
    static String fromHint(Context ctx, Path script) {
        return "ao script new --from " + SafeText.line(rel(ctx, script));
    }

    static String shorten(String s, int max) {
        String one = SafeText.line(s).replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1).stripTrailing() + "…";
    }

    static String rel(Context ctx, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(ctx.cwd()) && !abs.equals(ctx.cwd()) ? ctx.cwd().relativize(abs).toString() : abs.toString();
    }

    static Skill find(Context ctx, String name) {
        SkillCatalog c = ctx.catalog();
        return c.find(name).orElseThrow(() -> {
            List<SkillSearch.Hit> hits = new SkillSearch(c.all()).search(name.replace('/', ' ').replace('-', ' '), 3);
            String hint = hits.isEmpty() ? "see 'ao skill list'" : "did you mean " + String.join(", ", hits.stream().map(h -> h.skill().id()).toList()) + "?";
            return AoException.usage("no skill named '" + name + "'; " + hint);
        });
    }

    /** The findings of a lint or validate, as text lines or one JSON document; returns whether there were errors. */
    static boolean printReport(Context ctx, SkillLinter.Report r, boolean json, PrintWriter out, PrintWriter err) {
        if (json) {
            ObjectNode n = Json.object();
            n.put("ok", r.ok());
            n.put("errors", r.errors());
            n.put("warnings", r.warnings());
            n.put("skills", r.skills());
            n.put("scripts", r.scripts());
            ArrayNode arr = n.putArray("findings");
            for (SkillLinter.Finding f : r.findings()) {
                ObjectNode o = arr.addObject();
                o.put("file", f.file().toString());
                if (f.line() > 0) o.put("line", f.line());
                o.put("severity", f.severity().label());
                o.put("rule", f.rule());
                if (f.key() != null) o.put("key", f.key());
                o.put("message", f.message());
            }
            out.println(Json.write(n));
        } else {
            Terminal t = ctx.terminal();
            for (SkillLinter.Finding f : r.findings()) {
                String line = SafeText.line(f.render(ctx.cwd()));
                out.println(f.severity() == SkillLinter.Severity.ERROR ? line.replace(": error: ", ": " + t.red("error") + ": ")
                        : line.replace(": warning: ", ": " + t.yellow("warning") + ": "));
            }
            String what = (r.skills() > 0 ? r.skills() + " skill" + (r.skills() == 1 ? "" : "s") : "")
                    + (r.skills() > 0 && r.scripts() > 0 ? ", " : "") + (r.scripts() > 0 ? r.scripts() + " script" + (r.scripts() == 1 ? "" : "s") : "");
            err.println((what.isEmpty() ? "nothing" : what) + " checked: " + r.errors() + " error" + (r.errors() == 1 ? "" : "s")
                    + ", " + r.warnings() + " warning" + (r.warnings() == 1 ? "" : "s"));
        }
        out.flush();
        err.flush();
        return !r.ok();
    }

    static ArrayNode parametersJson(List<ParameterDoc> params) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (ParameterDoc p : params) {
            ObjectNode o = arr.addObject();
            o.put("name", p.name());
            o.put("type", p.type());
            o.put("required", p.required());
            if (p.defaultValue() != null) o.put("default", p.defaultValue());
            else o.putNull("default");
            o.put("description", p.description());
            o.put("secret", p.secret());
        }
        return arr;
    }

    static String parametersTable(List<ParameterDoc> params) {
        Table t = new Table("PARAMETER", "TYPE", "REQUIRED", "DEFAULT", "SECRET", "DESCRIPTION");
        for (ParameterDoc p : params) {
            t.row(SafeText.line(p.name()), SafeText.line(p.type()), p.required() ? "yes" : "-",
                    p.defaultValue() == null ? "-" : SafeText.line(p.defaultValue()), p.secret() ? "yes" : "-", SafeText.line(p.description()));
        }
        return t.toString();
    }

    // ---- list -------------------------------------------------------------------------------------------

    @Command(name = "list", aliases = "ls", description = "List the skills ao can see: [skills] paths first, then git sources.")
    static final class ListSkills implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Option(names = "--tag", paramLabel = "TAG", description = "Only skills with this tag (repeat for any of several).")
        List<String> tags = new ArrayList<>();
        @Option(names = "--runnable", description = "Only skills with a script.json (what 'ao run' takes).")
        boolean runnable;
        @Mixin OutputOptions output;

        ListSkills(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillCatalog c = ctx.catalog();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Set<String> wanted = new java.util.HashSet<>(tags.stream().map(x -> x.toLowerCase(Locale.ROOT)).toList());
            List<Skill> skills = c.all().stream()
                    .filter(s -> wanted.isEmpty() || s.tags().stream().anyMatch(x -> wanted.contains(x.toLowerCase(Locale.ROOT))))
                    .filter(s -> !runnable || s.runnable()).toList();
            warnings(c, err, ctx.terminal());
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                skills.forEach(s -> arr.add(skillJson(s)));
                out.println(Json.write(arr));
                return 0;
            }
            if (skills.isEmpty()) {
                err.println("no skills" + (wanted.isEmpty() ? "" : " tagged " + String.join(" or ", tags)) + " in "
                        + String.join(", ", ctx.config().skillPaths().stream().map(p -> rel(ctx, p)).toList())
                        + " or git sources; create one with 'ao skill new NAME' or add a source with 'ao skill add <git-url>'");
                return 0;
            }
            Terminal t = ctx.terminal();
            Table table = new Table("ID", "TAGS", "RUN", "SOURCE", "DESCRIPTION");
            Skill loose = null;
            for (Skill s : skills) {
                boolean hasScripts = !s.looseScripts().isEmpty();
                if (hasScripts && loose == null) loose = s;
                table.row(t.bold(SafeText.line(s.id())), SafeText.line(String.join(",", s.tags())),
                        s.runnable() ? t.green("yes") : hasScripts ? t.yellow("scripts") : "-",
                        SafeText.line(s.origin()), shorten(s.description(), 72));
            }
            out.print(table);
            if (loose != null) {
                err.println("RUN 'scripts': " + NOT_RUNNABLE + " (e.g. " + fromHint(ctx, loose.looseScripts().get(0))
                        + "; 'ao skill show ID' lists them)");
            }
            return 0;
        }
    }

    // ---- show -------------------------------------------------------------------------------------------

    @Command(name = "show", description = "Show a skill: front matter, parameters of its script, where it lives, its source commit, and its body.")
    static final class Show implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "A skill id (k8s/bulk-restart) or an unambiguous name (bulk-restart).")
        String name;
        @Option(names = "--raw", description = "Print the body as written (Markdown) instead of rendered.")
        boolean raw;
        @Mixin OutputOptions output;

        Show(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            Skill s = find(ctx, name);
            PrintWriter out = spec.commandLine().getOut();
            ScriptSpec script = null;
            String scriptError = null;
            dev.ao.engine.workflow.Workflow workflow = null;
            if (s.workflow()) {
                try {
                    workflow = dev.ao.engine.workflow.WorkflowParser.parse(s.workflowFile());
                } catch (AoException e) {
                    scriptError = e.getMessage();
                }
            } else if (s.runnable()) {
                try {
                    script = ScriptSpecReader.read(s.specFile());
                } catch (AoException e) {
                    scriptError = e.getMessage();
                }
            }
            List<ParameterDoc> params = script != null ? ParameterDoc.of(script.parametersSchema())
                    : workflow != null && workflow.parametersSchema() != null ? ParameterDoc.of(workflow.parametersSchema()) : List.of();
            if (output.json()) {
                ObjectNode n = skillJson(s);
                n.put("skill_file", s.skillFile().toString());
                n.set("front_matter", Json.MAPPER.valueToTree(s.frontMatter()));
                n.put("body", s.body());
                if (script != null) {
                    ObjectNode sc = n.putObject("script");
                    sc.put("file", script.scriptFile().toString());
                    sc.put("spec_file", script.specFile().toString());
                    if (script.timeout() != null) sc.put("timeout", script.timeout());
                    sc.put("risk", script.risk());
                    if (script.sandbox() != null) sc.put("sandbox_mode", script.sandbox());
                    sc.set("demands", Json.MAPPER.valueToTree(script.demands()));
                    sc.set("parameters", parametersJson(params));
                } else if (workflow != null) {
                    ObjectNode w = n.putObject("workflow");
                    w.put("file", workflow.file().toString());
                    w.put("risk", workflow.risk() == null ? "auto" : workflow.risk());
                    w.putArray("jobs").addAll(workflow.jobs().keySet().stream().map(Json.MAPPER.getNodeFactory()::textNode).toList());
                    w.set("parameters", parametersJson(params));
                    n.putNull("script");
                } else if (scriptError != null) {
                    n.putObject(s.workflow() ? "workflow" : "script").put("error", scriptError);
                } else {
                    n.putNull("script");
                }
                out.println(Json.write(n));
                return 0;
            }
            Terminal t = ctx.terminal();
            List<Path> loose = s.looseScripts();
            out.println(t.bold(SafeText.line(s.id())) + "  " + (s.runnable() ? t.green("runnable")
                    : !loose.isEmpty() ? t.yellow(NOT_RUNNABLE) : t.dim("know-how only (no script.json)")));
            if (!s.description().isEmpty()) out.println("  " + SafeText.line(s.description()));
            out.println();
            Table fm = new Table("", "");
            fm.row("name", SafeText.line(s.name()));
            if (!s.tags().isEmpty()) fm.row("tags", SafeText.line(String.join(", ", s.tags())));
            fm.row("script_first", String.valueOf(s.scriptFirst()));
            if (s.alwaysLoad()) fm.row("always_load", "true");
            for (Map.Entry<String, Object> e : s.frontMatter().entrySet()) {
                if (Set.of("name", "description", "intent", "tags", "script_first", "always_load").contains(e.getKey())) continue;
                Object v = e.getValue();
                fm.row(SafeText.line(e.getKey()), v instanceof String str ? shorten(str, 100) : SafeText.line(Json.MAPPER.valueToTree(v).toString()));
            }
            if (s.frontMatter().get("intent") instanceof String intent && s.frontMatter().get("description") != null) {
                fm.row("intent", shorten(intent, 100));
            }
            fm.row("file", rel(ctx, s.skillFile()));
            SourceRef src = s.source();
            fm.row("source", src == null ? "local" : SafeText.line("git " + src.name() + " " + src.url() + " @ " + src.commit()));
            out.print(fm.toString().lines().skip(1).map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));

            if (workflow != null) {
                out.println();
                out.println(t.bold("Workflow") + "  " + rel(ctx, workflow.file()) + "  · " + workflow.jobs().size() + " jobs: "
                        + SafeText.line(String.join(", ", workflow.jobs().keySet())));
                if (params.isEmpty()) {
                    out.println("  no parameters");
                } else {
                    out.print(parametersTable(params).lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));
                }
                out.println("  run: ao run " + s.id() + params.stream().filter(ParameterDoc::required).map(p -> " -p " + p.name() + "=...").reduce("", String::concat)
                        + "   · graph: ao workflow graph " + s.id());
            } else if (script != null) {
                out.println();
                out.println(t.bold("Script") + "  " + rel(ctx, script.scriptFile()) + "  · timeout "
                        + (script.timeout() != null ? script.timeout() + " s" : "default (" + ctx.config().executionTimeout() + " s)")
                        + " · risk " + script.risk() + (script.demands().binaries().isEmpty() ? "" : " · needs " + String.join(", ", script.demands().binaries())));
                if (params.isEmpty()) {
                    out.println("  no parameters");
                } else {
                    out.print(parametersTable(params).lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));
                }
                out.println("  run: ao run " + s.id() + params.stream().filter(ParameterDoc::required).map(p -> " -p " + p.name() + "=...").reduce("", String::concat));
            } else if (scriptError != null) {
                out.println();
                out.println(t.red((s.workflow() ? "workflow.yml" : "script.json") + " is invalid: ") + SafeText.block(scriptError));
            } else if (!loose.isEmpty()) {
                out.println();
                out.println(t.bold("Scripts") + "  " + NOT_RUNNABLE + "; ao runs none of these until then:");
                int w = loose.stream().mapToInt(p -> s.dir().relativize(p).toString().length()).max().orElse(0);
                for (Path p : loose) {
                    String r = SafeText.line(s.dir().relativize(p).toString());
                    out.println("  " + r + " ".repeat(Math.max(0, w - r.length())) + "   " + fromHint(ctx, p));
                }
            }
            out.println();
            out.println(t.dim("─── SKILL.md " + "─".repeat(40)));
            // a SKILL.md from a git source is someone else's text
            out.print(raw ? SafeText.block(s.body()) : Markdown.render(SafeText.block(s.body()), t));
            return 0;
        }
    }

    /** Just enough Markdown for a terminal: headings bold, fences indented, HTML comments and emphasis markers dropped. */
    static final class Markdown {
        private Markdown() {}

        static String render(String md, Terminal t) {
            StringBuilder sb = new StringBuilder();
            boolean fenced = false;
            boolean blank = true;
            for (String line : md.replace("\r\n", "\n").split("\n", -1)) {
                String s = line.strip();
                if (s.startsWith("```") || s.startsWith("~~~")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced) {
                    sb.append("    ").append(t.dim(line)).append('\n');
                    blank = false;
                    continue;
                }
                if (s.startsWith("<!--") && s.endsWith("-->")) continue;
                if (s.isEmpty()) {
                    if (!blank) sb.append('\n');
                    blank = true;
                    continue;
                }
                blank = false;
                if (s.startsWith("#")) {
                    String h = s.replaceFirst("^#+\\s*", "");
                    sb.append(t.bold(s.startsWith("# ") ? h.toUpperCase(Locale.ROOT) : h)).append('\n');
                    continue;
                }
                String l = line.replaceAll("\\[([^\\]]+)\\]\\(([^)]+)\\)", "$1 <$2>");
                l = l.replaceAll("\\*\\*([^*]+)\\*\\*", t.bold("$1")).replaceAll("`([^`]+)`", "$1");
                if (l.strip().matches("^\\|?\\s*:?-{3,}.*")) continue;
                sb.append(l).append('\n');
            }
            String out = sb.toString();
            return out.endsWith("\n") ? out : out + "\n";
        }
    }

    // ---- search -----------------------------------------------------------------------------------------

    @Command(name = "search", description = {"Find skills for a task, best first.",
            "Ranks by name and id, tags, description (or intent) and body, with stemming: 'restart crashing pods' finds k8s/crashloop-restart."})
    static final class Search implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "QUERY", description = "What you want to do, in your own words.")
        List<String> words;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "10", description = "At most N results (0 = all; default: ${DEFAULT-VALUE}).")
        int limit;
        @Mixin OutputOptions output;

        Search(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            if (limit < 0) throw AoException.usage("--limit must be 0 or more, got " + limit);
            String query = String.join(" ", words);
            SkillCatalog c = ctx.catalog();
            List<SkillSearch.Hit> hits = new SkillSearch(c.all()).search(query, limit);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            warnings(c, err, ctx.terminal());
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                int rank = 1;
                for (SkillSearch.Hit h : hits) {
                    ObjectNode o = skillJson(h.skill());
                    o.put("rank", rank++);
                    o.put("score", Math.round(h.score() * 1000) / 1000.0);
                    ArrayNode m = o.putArray("matched");
                    h.matched().forEach(m::add);
                    arr.add(o);
                }
                out.println(Json.write(arr));
                return 0;
            }
            if (hits.isEmpty()) {
                err.println("no skill matches '" + query + "' among " + c.all().size() + " skills; try other words or 'ao skill list'");
                return 0;
            }
            Terminal t = ctx.terminal();
            Table table = new Table("#", "ID", "SCORE", "RUN", "DESCRIPTION");
            int rank = 1;
            for (SkillSearch.Hit h : hits) {
                table.row(String.valueOf(rank++), t.bold(SafeText.line(h.skill().id())), String.format(Locale.ROOT, "%.2f", h.score()),
                        h.skill().runnable() ? t.green("yes") : "-", shorten(h.skill().description(), 72));
            }
            out.print(table);
            return 0;
        }
    }

    // ---- new --------------------------------------------------------------------------------------------

    @Command(name = "new", description = {"Create a skill from the templates, ready to run: SKILL.md, script.json and a script.",
            "It lints clean and 'ao run NAME' works at once; then make it yours."})
    static final class New implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "The skill id: lowercase words with hyphens, optionally under a category (k8s/drain-node).")
        String name;
        @Option(names = "--script", paramLabel = "LANG", defaultValue = "python", description = "python, bash or js (default: ${DEFAULT-VALUE}).")
        String script;
        @Option(names = "--dir", paramLabel = "DIR", description = "Skills folder to create it in (default: the first of [skills] paths).")
        Path dir;
        @Option(names = {"--description", "-d"}, paramLabel = "TEXT", description = "One sentence: what it does and when to use it.")
        String description;
        @Option(names = "--workflow", description = "A workflow skill (SKILL.md + workflow.yml: jobs, needs, for_each, retries) instead of a script.")
        boolean workflow;

        New(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig config = ctx.config();
            List<Path> paths = config.skillPaths();
            Path root = dir != null ? ctx.cwd().resolve(dir).normalize() : paths.isEmpty() ? ctx.cwd().resolve("skills") : paths.get(0);
            if (workflow) {
                SkillTemplates.Created c = new SkillTemplates(config.projectRoot().orElse(null)).newWorkflowSkill(root, name, description);
                PrintWriter out = spec.commandLine().getOut();
                out.println("created " + rel(ctx, c.dir()) + "/ (SKILL.md, workflow.yml)");
                boolean visible = paths.stream().anyMatch(p -> c.dir().startsWith(p));
                String target = visible ? name : rel(ctx, c.dir());
                out.println("try it:  ao run " + target + "    (dry_run defaults to true)");
                out.println("then:    edit " + rel(ctx, c.dir().resolve("workflow.yml")) + "; check with 'ao workflow validate " + target + "'");
                return 0;
            }
            SkillTemplates.Lang lang = SkillTemplates.Lang.parse(script);
            SkillTemplates.Created c = new SkillTemplates(config.projectRoot().orElse(null)).newSkill(root, name, description, lang);
            PrintWriter out = spec.commandLine().getOut();
            out.println("created " + rel(ctx, c.dir()) + "/ (" + String.join(", ", c.files().stream().map(f -> f.getFileName().toString()).toList()) + ")");
            boolean visible = paths.stream().anyMatch(p -> c.dir().startsWith(p));
            String target = visible ? name : rel(ctx, c.dir());
            out.println("try it:  ao run " + target + " -p dry_run=true");
            out.println("then:    edit " + rel(ctx, c.dir().resolve(lang.template)) + " (collect_items, process_item), script.json and SKILL.md;"
                    + " check with 'ao skill lint " + rel(ctx, c.dir()) + "'");
            if (!visible) {
                spec.commandLine().getErr().println("ao: note: " + rel(ctx, root) + " is not in [skills] paths, so 'ao run " + name
                        + "' will not find it; run it by path or add the folder to [skills] paths in dotcodex/config.toml");
            }
            return 0;
        }
    }

    // ---- lint -------------------------------------------------------------------------------------------

    @Command(name = "lint", description = {"Check skills and their scripts: YAML, name and description, name = folder, script.json,",
            "parameters_schema as JSON Schema, script file and extension, the SCRIPT-FIRST directive, broken links.",
            "the script's syntax, skills of the git sources too (--local: only the [skills] paths).",
            "Prints every problem at once, one per line: FILE[:LINE]: error|warning: [KEY: ]MESSAGE."},
            exitCodeListHeading = "%nExit codes (the same as 'ao script validate'):%n",
            exitCodeList = {"0:no errors (warnings are printed and do not fail)",
                    "2:at least one error: a finding in a file, or a PATH that is not there"})
    static final class Lint implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "0..*", paramLabel = "PATH", description = "A skill folder, a SKILL.md, a folder of skills or a script.json (default: every [skills] path and git source).")
        List<Path> paths = new ArrayList<>();
        @Option(names = "--local", description = "Only the [skills] paths, not the skills of git sources ('ao skill add').")
        boolean local;
        @Mixin OutputOptions output;

        Lint(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig config = ctx.config();
            List<Path> targets = new ArrayList<>();
            if (paths.isEmpty()) {
                for (Path p : config.skillPaths()) if (Files.isDirectory(p)) targets.add(p);
            } else {
                for (Path p : paths) targets.add(ctx.cwd().resolve(p).normalize());
            }
            Path doc = null;
            if (config.projectRoot().isPresent()) {
                Path root = config.projectRoot().get();
                boolean inProject = targets.stream().allMatch(p -> p.startsWith(root) && !p.startsWith(config.stateDir()));
                if (inProject) doc = root.resolve("dotcodex").resolve("docs").resolve("SCRIPT-FIRST-SKILLS.md");
            }
            SkillLinter linter = new SkillLinter(new SkillLinter.Options(config.allowedExtensions(), doc));
            SkillLinter.Report r = targets.isEmpty() ? new SkillLinter.Report(List.of(), 0, 0) : linter.lint(targets);
            if (paths.isEmpty() && !local) r = withSources(r, config);
            if (targets.isEmpty() && r.skills() == 0 && !output.json()) {
                spec.commandLine().getErr().println("no skill folders to lint (looked for " + String.join(", ",
                        config.skillPaths().stream().map(p -> rel(ctx, p)).toList()) + ")");
            }
            boolean errors = printReport(ctx, r, output.json(), spec.commandLine().getOut(), spec.commandLine().getErr());
            return errors ? ExitCode.USAGE.code() : 0;
        }

        /** The skills of every git source, by the ids 'ao run' takes, dot-folders included, as the catalog reads them. */
        private SkillLinter.Report withSources(SkillLinter.Report local, AoConfig config) {
            List<SkillLinter.Finding> findings = new ArrayList<>(local.findings());
            int skills = local.skills();
            int scripts = local.scripts();
            SkillLinter linter = new SkillLinter(new SkillLinter.Options(config.allowedExtensions(), null));
            for (SkillCatalog.Root root : ctx.catalog().roots()) {
                if (root.source() == null || !Files.isDirectory(root.dir())) continue;
                for (Path dir : SkillCatalog.skillDirs(root.dir(), true)) {
                    String rel = root.dir().relativize(dir).toString().replace('\\', '/');
                    findings.addAll(linter.lintSkill(dir, SkillCatalog.sourceId(root.source().name(), rel)));
                    skills++;
                    if (Files.isRegularFile(dir.resolve(ScriptSpecReader.FILE))) scripts++;
                }
            }
            return new SkillLinter.Report(List.copyOf(findings), skills, scripts);
        }
    }

    // ---- git sources ------------------------------------------------------------------------------------

    @Command(name = "add", description = {"Add a git repository of skills: clone it into .ao/sources/NAME and pin its commit in",
            "dotcodex/skills.lock (commit that file: teammates and CI then get the same skills)."})
    static final class Add implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "GIT-URL", description = "https://, git://, file:// or a local path (credentials for https from ~/.netrc).")
        String url;
        @Option(names = "--name", paramLabel = "NAME", description = "What to call the source (default: the repository's name).")
        String name;
        @Option(names = "--ref", paramLabel = "REF", description = "Branch or tag to follow, or a commit to stay on (default: the remote's default branch).")
        String ref;
        @Option(names = "--path", paramLabel = "DIR", description = "Folder of the repository that holds the skills (default: all of it).")
        String path;
        @Mixin OutputOptions output;

        Add(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillSources sources = new SkillSources(ctx.config());
            PrintWriter out = spec.commandLine().getOut();
            if (!output.json() && ctx.terminal().interactive()) {
                spec.commandLine().getErr().println(ctx.terminal().dim("cloning " + url + " ..."));
                spec.commandLine().getErr().flush();
            }
            SkillSources.Added a = sources.add(url, name, ref, path);
            SkillSources.Pin p = a.pin();
            if (output.json()) {
                ObjectNode n = pinJson(p);
                n.put("clone", sources.cloneDir(p.name()).toString());
                n.put("lock_file", sources.lockFile().toString());
                ArrayNode skills = n.putArray("skills");
                a.skills().forEach(skills::add);
                out.println(Json.write(n));
                return 0;
            }
            out.println("added " + p.name() + " (" + p.url() + ") at " + p.ref() + " " + p.commit().substring(0, 12) + ": "
                    + a.skills().size() + " skill" + (a.skills().size() == 1 ? "" : "s")
                    + (a.skills().isEmpty() ? "" : ": " + String.join(", ", a.skills().stream().limit(20).toList()) + (a.skills().size() > 20 ? ", ..." : "")));
            out.println("pinned in " + rel(ctx, sources.lockFile()) + "; commit it so teammates and CI get the same skills");
            if (a.skills().isEmpty()) {
                spec.commandLine().getErr().println(ctx.terminal().yellow("ao: warning: no SKILL.md in " + SafeText.line(p.url())
                        + (p.path() == null ? "" : " under " + SafeText.line(p.path())) + " (only .git is skipped); point --path at the folder of skills,"
                        + " or remove the source with 'ao skill remove " + p.name() + "'"));
            }
            return 0;
        }
    }

    static ObjectNode pinJson(SkillSources.Pin p) {
        ObjectNode n = Json.object();
        n.put("name", p.name());
        n.put("url", p.url());
        n.put("ref", p.ref());
        n.put("commit", p.commit());
        if (p.path() != null) n.put("path", p.path());
        return n;
    }

    @Command(name = "update", description = {"Fetch git sources and move their pins to where their ref points now; prints which skills",
            "were added (+), modified (~) and removed (-)."})
    static final class Update implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this source (default: all).")
        String name;
        @Option(names = "--ref", paramLabel = "REF", description = "Follow another branch or tag from now on (with NAME).")
        String ref;
        @Mixin OutputOptions output;

        Update(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillSources sources = new SkillSources(ctx.config());
            List<SkillSources.Change> changes = sources.update(name, ref);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SkillSources.Change c : changes) {
                    ObjectNode o = arr.addObject();
                    o.put("name", c.name());
                    o.put("url", c.url());
                    o.put("ref", c.ref());
                    o.put("old_commit", c.oldCommit());
                    o.put("new_commit", c.newCommit());
                    o.put("moved", c.moved());
                    o.set("added", Json.MAPPER.valueToTree(c.added()));
                    o.set("removed", Json.MAPPER.valueToTree(c.removed()));
                    o.set("modified", Json.MAPPER.valueToTree(c.modified()));
                }
                out.println(Json.write(arr));
                return 0;
            }
            Terminal t = ctx.terminal();
            for (SkillSources.Change c : changes) {
                if (!c.moved()) {
                    out.println(c.name() + ": up to date at " + c.ref() + " " + c.newCommit().substring(0, 12));
                    continue;
                }
                out.println(c.name() + ": " + c.oldCommit().substring(0, 12) + " -> " + c.newCommit().substring(0, 12) + " (" + c.ref() + ")");
                c.added().forEach(s -> out.println("  " + t.green("+ " + s)));
                c.modified().forEach(s -> out.println("  " + t.yellow("~ " + s)));
                c.removed().forEach(s -> out.println("  " + t.red("- " + s)));
                if (c.added().isEmpty() && c.modified().isEmpty() && c.removed().isEmpty()) out.println("  (no skill changed)");
            }
            if (changes.stream().anyMatch(SkillSources.Change::moved)) {
                out.println("pins moved in " + rel(ctx, sources.lockFile()) + "; commit it");
            }
            return 0;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Remove a git source: its pin in dotcodex/skills.lock and its clone.")
    static final class Remove implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        Remove(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillSources sources = new SkillSources(ctx.config());
            SkillSources.Pin p = sources.remove(name);
            spec.commandLine().getOut().println("removed " + p.name() + " (" + p.url() + ") from " + rel(ctx, sources.lockFile()) + " and deleted its clone");
            return 0;
        }
    }

    @Command(name = "sync", description = {"Make every clone match dotcodex/skills.lock: clone missing sources and check out the pinned",
            "commits (after a fresh clone of the project, or a teammate moved a pin). Clones that match are not touched."})
    static final class Sync implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        Sync(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillSources sources = new SkillSources(ctx.config());
            List<SkillSources.Synced> results = sources.sync();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SkillSources.Synced s : results) {
                    ObjectNode o = arr.addObject();
                    o.put("name", s.name());
                    o.put("action", s.action());
                    o.put("commit", s.commit());
                    if (s.error() != null) o.put("error", s.error());
                }
                out.println(Json.write(arr));
            } else {
                if (results.isEmpty()) err.println("no skill sources in " + rel(ctx, sources.lockFile()));
                for (SkillSources.Synced s : results) {
                    if (s.error() != null) err.println("ao: " + s.name() + ": " + s.error());
                    else out.println(s.name() + ": " + s.action() + " at " + s.commit().substring(0, 12));
                }
            }
            return results.stream().anyMatch(s -> s.error() != null) ? ExitCode.FAILED.code() : 0;
        }
    }

    @Command(name = "sources", description = "List the git sources pinned in dotcodex/skills.lock and whether each is cloned.")
    static final class Sources implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        Sources(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillSources sources = new SkillSources(ctx.config());
            List<SkillSources.Pin> pins = sources.pins();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SkillSources.Pin p : pins) {
                    ObjectNode o = pinJson(p);
                    o.put("cloned", Files.isDirectory(sources.cloneDir(p.name())));
                    o.put("clone", sources.cloneDir(p.name()).toString());
                    arr.add(o);
                }
                out.println(Json.write(arr));
                return 0;
            }
            if (pins.isEmpty()) {
                spec.commandLine().getErr().println("no skill sources in " + rel(ctx, sources.lockFile()) + "; add one with 'ao skill add <git-url>'");
                return 0;
            }
            Table t = new Table("NAME", "URL", "REF", "COMMIT", "CLONED");
            for (SkillSources.Pin p : pins) {
                t.row(p.name(), p.url() + (p.path() == null ? "" : " (" + p.path() + ")"), p.ref() == null ? "-" : p.ref(),
                        p.commit().substring(0, 12), Files.isDirectory(sources.cloneDir(p.name())) ? "yes" : "no (ao skill sync)");
            }
            out.print(t);
            return 0;
        }
    }
}
