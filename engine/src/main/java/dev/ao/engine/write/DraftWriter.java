package dev.ao.engine.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.llm.ModelClient;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunLogs;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.skill.SkillLinter;
import dev.ao.engine.skill.SkillSearch;
import dev.ao.engine.skill.SkillTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code ao write}: asks a model for a script and its script.json, validates them (script.json by the rules every
 * script follows; the syntax by the interpreter itself, inside the sandbox: model output never runs outside it),
 * asks once more with the error if they fail, and saves a draft skill that needs approval to run. Nothing is saved
 * until everything passed.
 */
public final class DraftWriter {
    /** How much of each relevant skill's SKILL.md and script.json goes into the prompt. */
    static final int SKILL_BYTES = 6000;
    static final int SPEC_BYTES = 3000;
    static final int MAX_SKILLS = 3;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,80}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the model is asked; {@code lang} is python, bash or js, or null to let it choose. */
    public record Request(String task, String skillName, String lang) {}

    /** A saved draft. */
    public record Draft(String skillId, Path dir, Path specFile, Path scriptFile, String script, ScriptSpec spec,
                        List<String> skillsUsed, int attempts, String model, List<String> warnings) {}

    /** One question to the model. */
    public interface Model {
        ModelClient.Reply ask(String system, List<ModelClient.Message> messages) throws InterruptedException;
    }

    /** Progress for the person waiting: one line each. */
    public interface Progress {
        void step(String line);
    }

    private final AoConfig config;
    private final SkillCatalog catalog;
    private final RunService runs;
    private final Model model;
    private final String modelName;

    public DraftWriter(AoConfig config, SkillCatalog catalog, RunService runs, Model model, String modelName) {
        this.config = config;
        this.catalog = catalog;
        this.runs = runs;
        this.model = model;
        this.modelName = modelName;
    }

    public Draft write(Request req, Progress progress) throws InterruptedException {
        if (req.task() == null || req.task().isBlank()) throw AoException.usage("say what the script should do: ao write \"<task>\"");
        String lang = req.lang() == null ? null : SkillTemplates.Lang.parse(req.lang()).id;
        if (req.skillName() != null) slug(req.skillName(), true);
        List<Skill> relevant = new SkillSearch(catalog.all()).search(req.task(), MAX_SKILLS).stream()
                .filter(h -> h.score() > 0).map(SkillSearch.Hit::skill).toList();
        String system = Prompts.system(new SkillTemplates(config.projectRoot().orElse(null)), config.allowedExtensions());
        List<ModelClient.Message> messages = new ArrayList<>();
        messages.add(new ModelClient.Message("user", Prompts.task(req.task(), lang, relevant, SKILL_BYTES, SPEC_BYTES)));
        progress.step("asking " + modelName + (relevant.isEmpty() ? "" : " with the skills "
                + String.join(", ", relevant.stream().map(Skill::id).toList())));
        String lastError = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            ModelClient.Reply reply = model.ask(system, messages);
            try {
                return validateAndSave(req, lang, reply, relevant, attempt, progress);
            } catch (ModelAnswer.Invalid invalid) {
                lastError = invalid.getMessage();
                if (attempt == 2) break;
                progress.step("the answer failed validation (" + firstLine(lastError) + "); asking once more with the error");
                messages.add(new ModelClient.Message("assistant", reply.text()));
                messages.add(new ModelClient.Message("user", Prompts.retry(lastError)));
            }
        }
        throw new AoException(ExitCode.FAILED, "the model's script failed validation twice, nothing was saved: " + firstLine(lastError));
    }

    private Draft validateAndSave(Request req, String lang, ModelClient.Reply reply, List<Skill> relevant, int attempt,
                                  Progress progress) throws ModelAnswer.Invalid, InterruptedException {
        ModelAnswer a = ModelAnswer.parse(reply.text());
        String file = a.scriptFileName();
        if (!FILE_NAME.matcher(file).matches() || file.contains("..")) {
            throw new ModelAnswer.Invalid("script_file_name '" + file + "' must be a plain file name like restart_crashloops.py");
        }
        String ext = file.contains(".") ? file.substring(file.lastIndexOf('.')) : "";
        if (!config.allowedExtensions().contains(ext)) {
            throw new ModelAnswer.Invalid("script_file_name '" + file + "' must end in one of " + String.join(", ", config.allowedExtensions()));
        }
        if (lang != null && !SkillTemplates.Lang.parse(lang).extension.equals(ext)) {
            throw new ModelAnswer.Invalid("the script must be " + lang + " (" + SkillTemplates.Lang.parse(lang).extension + "), got " + file);
        }
        ObjectNode spec = a.scriptJson().deepCopy();
        String sandbox = spec.path("sandbox_mode").asText("");
        if (sandbox.equals("danger-full-access")) {
            throw new ModelAnswer.Invalid("script.json may not ask for sandbox_mode danger-full-access; drop sandbox_mode or use workspace-write");
        }
        String name = req.skillName() != null ? slug(req.skillName(), true)
                : slug(spec.path("name").asText(file.replaceAll("\\.[^.]*$", "")), false);
        spec.put("name", name);
        spec.put("script_file", file);
        // a person reads a drafted script before it runs; approving it once (--approve) is that moment
        spec.put("risk", "approval_required");
        if (!spec.hasNonNull("description") || spec.path("description").asText().isBlank()) {
            throw new ModelAnswer.Invalid("script.json needs a one-sentence 'description' of what the script does and when to use it");
        }

        Path root = config.skillPaths().isEmpty() ? config.baseDir().resolve("skills") : config.skillPaths().get(0);
        Path drafts = root.resolve("drafts");
        Path staging;
        try {
            Files.createDirectories(drafts);
            staging = Files.createTempDirectory(drafts, ".write-");
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, drafts + ": cannot create the draft's folder: " + e.getMessage());
        }
        try {
            Path dir = staging.resolve(name);
            Files.createDirectories(dir);
            Path specFile = dir.resolve(ScriptSpecReader.FILE);
            Path scriptFile = dir.resolve(file);
            String script = a.script().endsWith("\n") ? a.script() : a.script() + "\n";
            Files.writeString(specFile, JSON.writeValueAsString(spec) + "\n");
            Files.writeString(scriptFile, script);
            Files.setPosixFilePermissions(scriptFile, PosixFilePermissions.fromString("rwxr-xr-x"));
            ScriptSpec parsed;
            try {
                parsed = ScriptSpecReader.read(specFile);
            } catch (AoException e) {
                throw new ModelAnswer.Invalid(e.getMessage().replace(specFile.toString(), "script.json"));
            }
            syntaxCheck(scriptFile, progress);
            String skillId = drafts.getFileName() + "/" + name;
            String description = parsed.description();
            Files.writeString(dir.resolve("SKILL.md"), Prompts.skillMarkdown(new SkillTemplates(config.projectRoot().orElse(null)),
                    name, skillId, description, req.task(), reply.model(), parsed));
            List<String> problems = new SkillLinter(new SkillLinter.Options(config.allowedExtensions(), null)).lintSkill(dir, skillId)
                    .stream().filter(f -> f.severity() == SkillLinter.Severity.ERROR).map(f -> f.rule() + ": " + f.message()).toList();
            if (!problems.isEmpty()) throw new ModelAnswer.Invalid("the draft fails 'ao skill lint': " + String.join("; ", problems));
            List<String> warnings = new ArrayList<>();
            String path = System.getenv("PATH");
            for (String b : parsed.demands().binaries()) {
                if (dev.ao.engine.exec.Binaries.which(b, path).isEmpty()) warnings.add("it demands '" + b + "', which is not on PATH here");
            }
            Path target = uniqueFolder(drafts, name);
            if (!target.getFileName().toString().equals(name)) {
                // the folder is the skill's name: keep them equal when a draft of that name exists already
                String renamed = target.getFileName().toString();
                spec.put("name", renamed);
                Files.writeString(specFile, JSON.writeValueAsString(spec) + "\n");
                Path moved = staging.resolve(renamed);
                Files.move(dir, moved);
                dir = moved;
                skillId = drafts.getFileName() + "/" + renamed;
                Files.writeString(dir.resolve("SKILL.md"), Prompts.skillMarkdown(new SkillTemplates(config.projectRoot().orElse(null)),
                        renamed, skillId, description, req.task(), reply.model(), parsed));
            }
            Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            ScriptSpec saved = ScriptSpecReader.read(target.resolve(ScriptSpecReader.FILE));
            return new Draft(skillId, target, target.resolve(ScriptSpecReader.FILE), target.resolve(file), script, saved,
                    relevant.stream().map(Skill::id).toList(), attempt, reply.model(), warnings);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, drafts + ": cannot save the draft: " + e.getMessage());
        } finally {
            deleteTree(staging);
        }
    }

    /**
     * Checks the syntax with the script's own interpreter ({@code bash -n}, Python's compile, {@code node --check}) as
     * an ao run of a tiny checker: read-only sandbox, no network, the sandbox uid, 30 s. The draft is only read.
     */
    private void syntaxCheck(Path scriptFile, Progress progress) throws ModelAnswer.Invalid, InterruptedException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ao-write-check-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path candidate = dir.resolve(scriptFile.getFileName());
            Files.copy(scriptFile, candidate);
            Files.setPosixFilePermissions(candidate, PosixFilePermissions.fromString("rw-r--r--"));
            Path checker = dir.resolve("ao-syntax-check.sh");
            Files.writeString(checker, Prompts.CHECKER);
            Files.setPosixFilePermissions(checker, PosixFilePermissions.fromString("rwxr-xr-x"));
            progress.step("checking the syntax in the sandbox");
            RunRequest rr = new RunRequest(checker.toString(), List.of(), 30, "read-only", false, null, false, false, dir, null,
                    List.of(), List.of(), List.of(), List.of(candidate.toString()));
            RunService.Prepared p = runs.prepare(rr);
            RunRecord r = runs.start(p, Approver.NOBODY, RunListener.NONE).await();
            if (r.state() == RunState.SUCCEEDED) return;
            String reason = r.reason() == null ? "" : r.reason();
            if (reason.startsWith("sandbox could not start") || r.state() != RunState.FAILED || r.exitCode() == null || r.exitCode() >= 124) {
                throw new AoException(ExitCode.FAILED, "the syntax check of the draft could not run (run " + r.id() + ": "
                        + r.state().id() + (reason.isEmpty() ? "" : ", " + reason) + ")");
            }
            String err = String.join("\n", RunLogs.lastLines(Path.of(r.stderrLog()), 15))
                    .replace(candidate.toString(), scriptFile.getFileName().toString());
            throw new ModelAnswer.Invalid("syntax error in " + scriptFile.getFileName() + ":\n" + err);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot prepare the syntax check: " + e.getMessage());
        } finally {
            deleteTree(dir);
        }
    }

    private static Path uniqueFolder(Path parent, String name) {
        Path p = parent.resolve(name);
        for (int i = 2; Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) p = parent.resolve(name + "-" + i);
        return p;
    }

    /** A skill folder name: lowercase letters, digits and hyphens. */
    static String slug(String s, boolean strict) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (t.length() > 60) t = t.substring(0, 60).replaceAll("-+$", "");
        if (strict && !t.equals(s)) {
            throw AoException.usage("--skill-name '" + s + "' must be lowercase letters, digits and hyphens (like " + (t.isEmpty() ? "restart-crashloops" : t) + ")");
        }
        return t.isEmpty() ? "draft" : t;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover staging folder is hidden and harmless
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
