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
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.script.Interpreter;
import dev.ao.engine.script.ScriptResolver;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.ParameterDoc;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.skill.SkillLinter;
import dev.ao.engine.skill.SkillTemplates;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static dev.ao.cli.command.SkillCommand.parametersJson;
import static dev.ao.cli.command.SkillCommand.parametersTable;
import static dev.ao.cli.command.SkillCommand.rel;
import static dev.ao.cli.command.SkillCommand.shorten;
import static dev.ao.cli.command.SkillCommand.sourceJson;

/** {@code ao script}: runnable units (script.json + one script file), in skills or anywhere. */
@Command(name = "script", description = "Create, list, inspect and validate scripts (a script.json plus one .py/.sh/.js file).",
        subcommands = {ScriptCommand.New.class, ScriptCommand.ListScripts.class, ScriptCommand.Show.class, ScriptCommand.Validate.class})
public final class ScriptCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    // ---- new --------------------------------------------------------------------------------------------

    @Command(name = "new", description = {"Create a script and its script.json from the templates; runs as is ('ao run PATH').",
            "--from SCRIPT: only a script.json for a script that exists (an Agent Skill's scripts/x.py): name from the file,",
            "description from its docstring or leading comment, no parameters, risk auto.",
            "Refuses to overwrite: one script.json per folder."})
    static final class New implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "0..1", paramLabel = "PATH", description = "The script file to create (tools/cleanup.py); the extension may come from --lang.")
        Path path;
        @Option(names = "--from", paramLabel = "SCRIPT", description = "An existing .py/.sh/.js file to write a script.json for, next to it.")
        Path from;
        @Option(names = "--lang", paramLabel = "LANG", description = "python, bash or js (default: from the extension, else python).")
        String lang;
        @Option(names = {"--description", "-d"}, paramLabel = "TEXT", description = "One sentence: what the script does.")
        String description;

        New(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            if (from != null) {
                if (path != null || lang != null || description != null) {
                    throw AoException.usage("--from takes the script as it is: give no PATH, --lang or --description with it");
                }
                SkillTemplates.Created c = new SkillTemplates(ctx.config().projectRoot().orElse(null)).scriptJsonFrom(ctx.cwd().resolve(from).normalize());
                PrintWriter out = spec.commandLine().getOut();
                String script = rel(ctx, ctx.cwd().resolve(from).normalize());
                out.println("created " + rel(ctx, c.files().get(0)) + " for " + script + " (no parameters: its own arguments go after --)");
                out.println("try it:  ao run " + (script.contains("/") ? script : "./" + script) + " -- --help");
                out.println("check:   ao script validate " + script);
                return 0;
            }
            if (path == null) throw AoException.usage("give the PATH of the script to create, or --from SCRIPT");
            SkillTemplates.Lang l = lang == null ? null : SkillTemplates.Lang.parse(lang);
            SkillTemplates t = new SkillTemplates(ctx.config().projectRoot().orElse(null));
            SkillTemplates.Created c = t.newScript(ctx.cwd().resolve(path).normalize(), l, description);
            PrintWriter out = spec.commandLine().getOut();
            out.println("created " + String.join(" and ", c.files().stream().map(f -> rel(ctx, f)).toList()));
            String script = rel(ctx, c.files().get(0));
            out.println("try it:  ao run " + (script.contains("/") ? script : "./" + script) + " -p dry_run=true");
            out.println("check:   ao script validate " + script);
            return 0;
        }
    }

    // ---- list -------------------------------------------------------------------------------------------

    /** A runnable unit found by list: its spec, or why it cannot run. */
    private record Found(String label, Path specFile, ScriptSpec spec, String error, Skill skill) {}

    @Command(name = "list", aliases = "ls", description = "List runnable scripts: every skill with a script.json, plus scripts under the given paths.")
    static final class ListScripts implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "0..*", paramLabel = "PATH", description = "Folders to search for script.json files, or script files.")
        List<Path> paths = new ArrayList<>();
        @Mixin OutputOptions output;

        ListScripts(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            SkillCatalog catalog = ctx.catalog();
            List<Found> found = new ArrayList<>();
            Set<Path> seen = new LinkedHashSet<>();
            for (Skill s : catalog.all()) {
                if (!s.runnable()) continue;
                seen.add(s.specFile().toAbsolutePath().normalize());
                found.add(read(s.id(), s.specFile(), s));
            }
            for (Path p : paths) {
                Path abs = ctx.cwd().resolve(p).normalize();
                if (!Files.exists(abs)) throw AoException.usage(p + ": no such file or folder");
                if (Files.isDirectory(abs)) {
                    for (Path spec : specFiles(abs)) {
                        if (seen.add(spec)) found.add(read(ctx, spec));
                    }
                } else if (abs.getFileName().toString().equals(ScriptSpecReader.FILE)) {
                    if (seen.add(abs)) found.add(read(ctx, abs));
                } else {
                    Path sibling = abs.resolveSibling(ScriptSpecReader.FILE);
                    if (Files.isRegularFile(sibling)) {
                        if (seen.add(sibling)) found.add(read(ctx, sibling));
                    } else {
                        found.add(new Found(rel(ctx, abs), null, ScriptSpecReader.bare(abs), null, null));
                    }
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Terminal t = ctx.terminal();
            for (Found f : found) {
                if (f.error() != null) err.println(t.yellow("ao: warning: " + f.error()));
            }
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (Found f : found) {
                    ObjectNode o = arr.addObject();
                    o.put("name", f.label());
                    o.put("skill", f.skill() == null ? null : f.skill().id());
                    o.put("spec_file", f.specFile() == null ? null : f.specFile().toString());
                    if (f.spec() != null) {
                        o.put("script", f.spec().scriptFile().toString());
                        o.put("description", f.spec().description());
                        if (f.spec().timeout() != null) o.put("timeout", f.spec().timeout());
                        o.put("risk", f.spec().risk());
                        o.set("parameters", parametersJson(ParameterDoc.of(f.spec().parametersSchema())));
                    } else {
                        o.put("error", f.error());
                    }
                    o.set("source", f.skill() == null ? null : sourceJson(f.skill().source()));
                    o.put("valid", f.error() == null);
                }
                out.println(Json.write(arr));
                return 0;
            }
            if (found.isEmpty()) {
                err.println("no runnable scripts: no skill has a script.json" + (paths.isEmpty() ? "" : " and none under the given paths")
                        + "; create one with 'ao script new PATH' or 'ao skill new NAME'");
                return 0;
            }
            Table table = new Table("NAME", "SCRIPT", "PARAMETERS", "TIMEOUT", "RISK", "SOURCE");
            for (Found f : found) {
                if (f.spec() == null) {
                    table.row(SafeText.line(f.label()), t.red("invalid"), "-", "-", "-", f.skill() == null ? "path" : f.skill().origin());
                    continue;
                }
                List<String> params = ParameterDoc.of(f.spec().parametersSchema()).stream()
                        .map(p -> p.name() + (p.required() ? "*" : "")).toList();
                table.row(t.bold(SafeText.line(f.label())), f.spec().scriptFile().getFileName().toString(),
                        params.isEmpty() ? "-" : shorten(String.join(" ", params), 48),
                        f.spec().timeout() == null ? "default" : f.spec().timeout() + "s",
                        f.spec().approvalRequired() ? t.yellow(f.spec().risk()) : f.spec().risk(),
                        f.skill() == null ? "path" : f.skill().origin());
            }
            out.print(table);
            return 0;
        }

        /** A script found by path is named by its script file, which is what 'ao run' takes. */
        private static Found read(Context ctx, Path specFile) {
            Found f = read(rel(ctx, specFile.getParent()), specFile, null);
            return f.spec() == null ? f : new Found(rel(ctx, f.spec().scriptFile()), specFile, f.spec(), null, null);
        }

        private static Found read(String label, Path specFile, Skill skill) {
            try {
                return new Found(label, specFile, ScriptSpecReader.read(specFile), null, skill);
            } catch (AoException e) {
                return new Found(label, specFile, null, e.getMessage(), skill);
            }
        }

        private static List<Path> specFiles(Path root) {
            return ScriptSpecReader.findAll(root);
        }
    }

    // ---- show -------------------------------------------------------------------------------------------

    @Command(name = "show", description = "Show what a script takes and needs: parameters, demands, timeout, risk, sandbox, where it lives.")
    static final class Show implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME|PATH", description = "A skill name or a path to a script, a script.json or a script folder.")
        String target;
        @Mixin OutputOptions output;

        Show(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig config = ctx.config();
            ScriptSpec s = ScriptResolver.resolve(target, ctx.cwd(), ctx.catalog(), config.skillPaths());
            List<ParameterDoc> params = ParameterDoc.of(s.parametersSchema());
            int timeout = s.timeout() != null ? s.timeout() : config.executionTimeout();
            String sandbox = s.sandbox() != null ? s.sandbox() : config.sandboxMode();
            List<String> interpreter;
            String interpreterError = null;
            try {
                interpreter = Interpreter.command(s.scriptFile());
            } catch (AoException e) {
                interpreter = List.of();
                interpreterError = e.getMessage();
            }
            String pathEnv = ctx.env().get("PATH");
            List<String> needed = new ArrayList<>();
            if (!interpreter.isEmpty()) needed.add(Interpreter.program(interpreter));
            for (String b : s.demands().binaries()) if (!needed.contains(b)) needed.add(b);
            List<String> missing = needed.stream().filter(b -> Binaries.which(b, pathEnv).isEmpty()).toList();
            List<String> missingEnv = s.demands().env().stream().filter(v -> ctx.env().get(v) == null).toList();
            boolean allowed = config.allowedExtensions().contains(s.extension());
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode n = Json.object();
                n.put("name", s.name());
                n.put("description", s.description());
                n.put("skill", s.skill());
                n.put("script", s.scriptFile().toString());
                n.put("spec_file", s.specFile() == null ? null : s.specFile().toString());
                n.set("source", sourceJson(s.source()));
                n.set("interpreter", Json.MAPPER.valueToTree(interpreter));
                n.set("parameters", parametersJson(params));
                ObjectNode d = n.putObject("demands");
                d.set("binaries", Json.MAPPER.valueToTree(s.demands().binaries()));
                d.set("env", Json.MAPPER.valueToTree(s.demands().env()));
                if (s.demands().network() != null) d.put("network", s.demands().network());
                else d.putNull("network");
                d.set("missing_binaries", Json.MAPPER.valueToTree(missing));
                d.set("missing_env", Json.MAPPER.valueToTree(missingEnv));
                n.put("timeout", timeout);
                n.put("timeout_from", s.timeout() != null ? "script.json" : config.origin(dev.ao.engine.config.ConfigKey.EXECUTION_TIMEOUT));
                n.put("risk", s.risk());
                n.put("sandbox_mode", sandbox);
                n.put("extension_allowed", allowed);
                out.println(Json.write(n));
                return 0;
            }
            Terminal t = ctx.terminal();
            out.println(t.bold(SafeText.line(s.skill() != null ? s.skill() : s.name())) + (s.description().isEmpty() ? "" : "  " + SafeText.line(s.description())));
            Table info = new Table("", "");
            info.row("script", rel(ctx, s.scriptFile()) + (allowed ? "" : t.red("  (extension " + s.extension() + " not in allowed_extensions)")));
            info.row("script.json", s.specFile() == null ? "(none: a bare script, any -p passes as a string)" : rel(ctx, s.specFile()));
            if (s.source() != null) info.row("source", SafeText.line("git " + s.source().name() + " " + s.source().url() + " @ " + s.source().commit()));
            info.row("runs with", interpreter.isEmpty() ? t.red(interpreterError) : String.join(" ", interpreter) + " " + s.scriptFile().getFileName());
            info.row("timeout", timeout + " s" + (s.timeout() != null ? "" : " (default from " + config.origin(dev.ao.engine.config.ConfigKey.EXECUTION_TIMEOUT) + ")"));
            info.row("risk", s.approvalRequired() ? t.yellow(s.risk() + " (a person approves each run; --approve in CI)") : s.risk());
            info.row("sandbox", sandbox + (s.sandbox() != null ? " (script.json)" : ""));
            info.row("needs", needed.isEmpty() ? "-" : String.join(", ", needed.stream().map(b -> missing.contains(b) ? t.red(b + " (missing)") : b).toList()));
            if (!s.demands().env().isEmpty()) {
                info.row("env", String.join(", ", s.demands().env().stream().map(v -> missingEnv.contains(v) ? t.red(v + " (unset)") : v).toList()));
            }
            info.row("network", s.demands().network() == null ? "not declared" : s.demands().network() ? "yes" : "no");
            out.print(info.toString().lines().skip(1).map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));
            out.println();
            if (params.isEmpty()) {
                out.println("  no parameters");
            } else {
                out.print(parametersTable(params).lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));
            }
            return 0;
        }
    }

    // ---- validate ---------------------------------------------------------------------------------------

    @Command(name = "validate", description = {"Check a script.json the way 'ao run' reads it: JSON, script file, extension,",
            "the script's syntax (its own interpreter parses it, runs none of it), parameters_schema as JSON Schema,",
            "defaults against their schema, every key. Prints every problem at once, one per line:",
            "FILE[:LINE]: error|warning: [KEY: ]MESSAGE."},
            exitCodeListHeading = "%nExit codes (the same as 'ao skill lint'):%n",
            exitCodeList = {"0:no errors (warnings are printed and do not fail)",
                    "2:at least one error: a finding in a file, or a PATH that is not there"})
    static final class Validate implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "PATH", description = "A script.json, a folder holding one, or a script file next to one.")
        List<Path> paths;
        @Mixin OutputOptions output;

        Validate(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig config = ctx.config();
            SkillLinter linter = new SkillLinter(new SkillLinter.Options(config.allowedExtensions(), null));
            List<SkillLinter.Finding> findings = new ArrayList<>();
            int scripts = 0;
            for (Path p : paths) {
                Path abs = ctx.cwd().resolve(p).normalize();
                if (!Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    findings.add(new SkillLinter.Finding(abs, 0, SkillLinter.Severity.ERROR, "missing", "no such file or folder"));
                    continue;
                }
                Path specFile;
                if (Files.isDirectory(abs)) specFile = abs.resolve(ScriptSpecReader.FILE);
                else if (abs.getFileName().toString().equals(ScriptSpecReader.FILE)) specFile = abs;
                else specFile = abs.resolveSibling(ScriptSpecReader.FILE);
                scripts++;
                if (!Files.isRegularFile(specFile)) {
                    findings.add(new SkillLinter.Finding(abs, 0, SkillLinter.Severity.ERROR, "script-json",
                            "no script.json " + (Files.isDirectory(abs) ? "in this folder" : "next to this script")
                                    + "; create one with 'ao script new' or run the file as a bare script"));
                    continue;
                }
                List<SkillLinter.Finding> f = linter.lintScript(specFile);
                findings.addAll(f);
                if (Files.isRegularFile(abs) && !abs.equals(specFile) && f.stream().noneMatch(x -> x.severity() == SkillLinter.Severity.ERROR)) {
                    ScriptSpec s = ScriptSpecReader.read(specFile);
                    if (!s.scriptFile().equals(abs)) {
                        findings.add(new SkillLinter.Finding(specFile, 1, SkillLinter.Severity.WARNING, "script-json",
                                "describes " + s.scriptFile().getFileName() + ", not " + abs.getFileName()));
                    }
                }
            }
            findings.sort(java.util.Comparator.comparing((SkillLinter.Finding f) -> f.file().toString()).thenComparingInt(SkillLinter.Finding::line));
            SkillLinter.Report r = new SkillLinter.Report(List.copyOf(findings), 0, scripts);
            boolean errors = SkillCommand.printReport(ctx, r, output.json(), spec.commandLine().getOut(), spec.commandLine().getErr());
            return errors ? ExitCode.USAGE.code() : 0;
        }
    }
}
