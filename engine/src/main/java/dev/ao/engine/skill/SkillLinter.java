package dev.ao.engine.skill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.AoException;
import dev.ao.engine.script.ContainedFile;
import dev.ao.engine.script.SchemaGuard;
import dev.ao.engine.script.ScriptSpecReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks skills and scripts the way {@code ao run} and an agent will read them, and says what is wrong with a
 * file and a line. Errors make a skill unusable or misleading; warnings are worth fixing but do not fail CI.
 * A plain Anthropic or Codex skill (name + description, {@code scripts/}, {@code references/}) lints clean.
 */
public final class SkillLinter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(name|description)\\s*\\}\\}");
    /** Agent Skills limits: a name of at most 64 characters, a description of at most 1024. */
    private static final int MAX_NAME = 64;
    private static final int MAX_DESCRIPTION = 1024;

    public enum Severity {
        ERROR, WARNING;

        public String label() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * One problem: {@code file[:line]: severity: [key: ]message}.
     *
     * @param rule a short stable id ({@code yaml}, {@code name-mismatch}, ...) for tools and tests
     * @param key  the script.json key it is about ({@code parameters_schema.properties.n.default}), or null
     */
    public record Finding(Path file, int line, Severity severity, String rule, String message, String key) {
        public Finding(Path file, int line, Severity severity, String rule, String message) {
            this(file, line, severity, rule, message, null);
        }

        public String render(Path base) {
            Path f = file;
            if (base != null && f.isAbsolute() && f.startsWith(base)) f = base.relativize(f);
            return f + (line > 0 ? ":" + line : "") + ": " + severity.label() + ": " + (key == null ? "" : key + ": ") + message;
        }
    }

    /**
     * @param allowedExtensions {@code [scripts] allowed_extensions}
     * @param scriptFirstDoc    the doc that must list every script-first skill, or null to skip that check
     */
    public record Options(List<String> allowedExtensions, Path scriptFirstDoc) {
        public static Options defaults() {
            return new Options(List.of(".py", ".sh", ".js"), null);
        }
    }

    /** Everything found; {@code skills} and {@code scripts} count what was checked. */
    public record Report(List<Finding> findings, int skills, int scripts) {
        public long errors() { return findings.stream().filter(f -> f.severity() == Severity.ERROR).count(); }

        public long warnings() { return findings.stream().filter(f -> f.severity() == Severity.WARNING).count(); }

        public boolean ok() { return errors() == 0; }
    }

    private final Options options;
    private final String scriptFirstDocText;

    public SkillLinter(Options options) {
        this.options = options;
        String doc = null;
        if (options.scriptFirstDoc() != null && Files.isRegularFile(options.scriptFirstDoc())) {
            try {
                doc = Files.readString(options.scriptFirstDoc());
            } catch (IOException e) {
                doc = null;
            }
        }
        this.scriptFirstDocText = doc;
    }

    /**
     * Lints each target: a SKILL.md, a skill folder, a folder of skills, or a script.json. A skill id found under
     * two targets is reported once as a warning; the first one wins, as in the catalog.
     */
    public Report lint(List<Path> targets) {
        List<Finding> out = new ArrayList<>();
        Map<String, Path> seen = new LinkedHashMap<>();
        int skills = 0;
        int scripts = 0;
        for (Path target : targets) {
            Path t = target.toAbsolutePath().normalize();
            if (!Files.exists(t, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // reported with the rest, so one try shows every problem
                out.add(new Finding(t, 0, Severity.ERROR, "missing", "no such file or folder"));
                continue;
            }
            if (Files.isRegularFile(t) && t.getFileName().toString().equals(ScriptSpecReader.FILE)) {
                out.addAll(lintScript(t));
                scripts++;
                continue;
            }
            Path root = Files.isRegularFile(t) ? t.getParent() : t;
            if (Files.isRegularFile(t) && !t.getFileName().toString().equals(SkillParser.FILE)) {
                throw AoException.usage(target + ": not a SKILL.md, script.json or folder");
            }
            List<Path> dirs = SkillCatalog.skillDirs(root);
            if (dirs.isEmpty()) {
                if (Files.isRegularFile(root.resolve(ScriptSpecReader.FILE))) {
                    out.addAll(lintScript(root.resolve(ScriptSpecReader.FILE)));
                    scripts++;
                } else {
                    out.add(new Finding(root, 0, Severity.WARNING, "no-skills", "no SKILL.md found here"));
                }
                continue;
            }
            for (Path dir : dirs) {
                String id = root.equals(dir) ? dir.getFileName().toString() : root.relativize(dir).toString().replace('\\', '/');
                Path prev = seen.putIfAbsent(id, dir);
                if (prev != null && !prev.equals(dir)) {
                    out.add(new Finding(dir.resolve(SkillParser.FILE), 1, Severity.WARNING, "duplicate",
                            "skill '" + id + "' is also at " + prev + "; the first one wins"));
                }
                out.addAll(lintSkill(dir, id));
                skills++;
                if (Files.isRegularFile(dir.resolve(ScriptSpecReader.FILE))) scripts++;
            }
        }
        out.sort(Comparator.comparing((Finding f) -> f.file().toString()).thenComparingInt(Finding::line));
        return new Report(List.copyOf(out), skills, scripts);
    }

    /** Lints one skill folder; {@code id} is its path under its root ({@code k8s/bulk-restart}). */
    public List<Finding> lintSkill(Path dir, String id) {
        List<Finding> out = new ArrayList<>();
        Path file = dir.resolve(SkillParser.FILE);
        String folder = dir.getFileName().toString();
        // ao refuses to read or run a skill with files linking out of its folder (someone else's ~/.ssh/id_rsa)
        for (String p : ContainedFile.linksOut(dir)) out.add(new Finding(dir, 0, Severity.ERROR, "link-outside", p));
        if (ContainedFile.problem(file, dir).isPresent()) return out;
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            out.add(new Finding(file, 0, Severity.ERROR, "read", "cannot read: " + e.getMessage()));
            return out;
        }
        SkillParser.Document doc;
        Map<String, Object> fm;
        try {
            doc = SkillParser.split(file, text);
            fm = SkillParser.frontMatter(file, doc.frontMatter());
        } catch (SkillParser.FormatException e) {
            out.add(new Finding(file, e.line(), Severity.ERROR, e.detail().startsWith("front matter is not valid YAML") ? "yaml" : "front-matter", e.detail()));
            lintScriptIfPresent(dir, out);
            return out;
        }
        KeyLines keys = KeyLines.yaml(doc.frontMatter());
        java.util.function.ToIntFunction<String> lineOf = k -> SkillParser.Document.fileLine(keys.line("/" + k, 0));

        Object name = fm.get("name");
        if (name == null || String.valueOf(name).isBlank()) {
            out.add(new Finding(file, 1, Severity.ERROR, "name-missing", "front matter has no 'name' (add name: " + folder + ")"));
        } else if (!(name instanceof String)) {
            out.add(new Finding(file, lineOf.applyAsInt("name"), Severity.ERROR, "field-type", "'name' must be a string"));
        } else {
            String n = ((String) name).strip();
            if (PLACEHOLDER.matcher(n).find()) {
                out.add(new Finding(file, lineOf.applyAsInt("name"), Severity.ERROR, "placeholder", "'name' still holds the template placeholder " + n));
            } else if (!n.equals(folder)) {
                out.add(new Finding(file, lineOf.applyAsInt("name"), Severity.ERROR, "name-mismatch",
                        "name '" + n + "' does not match its folder '" + folder + "' (rename one of them)"));
            } else if (!NAME.matcher(n).matches() || n.length() > MAX_NAME) {
                out.add(new Finding(file, lineOf.applyAsInt("name"), Severity.WARNING, "name-format",
                        "name '" + n + "' should be lowercase letters, digits and hyphens, at most " + MAX_NAME + " characters"));
            }
        }

        String descKey = fm.get("description") != null ? "description" : "intent";
        Object desc = fm.get(descKey);
        if (desc == null || String.valueOf(desc).isBlank()) {
            out.add(new Finding(file, 1, Severity.ERROR, "description-missing",
                    "front matter has no 'description' (or 'intent'): say what the skill does and when to use it"));
        } else if (!(desc instanceof String)) {
            out.add(new Finding(file, lineOf.applyAsInt(descKey), Severity.ERROR, "field-type", "'" + descKey + "' must be a string"));
        } else if (PLACEHOLDER.matcher((String) desc).find()) {
            out.add(new Finding(file, lineOf.applyAsInt(descKey), Severity.ERROR, "placeholder", "'" + descKey + "' still holds a template placeholder"));
        } else if (((String) desc).strip().length() > MAX_DESCRIPTION) {
            out.add(new Finding(file, lineOf.applyAsInt(descKey), Severity.WARNING, "description-long",
                    "'" + descKey + "' is " + ((String) desc).strip().length() + " characters; agents read at most " + MAX_DESCRIPTION));
        }

        Object tags = fm.get("tags");
        if (tags != null && !(tags instanceof String) && !(tags instanceof List<?> l && l.stream().allMatch(x -> x instanceof String || x instanceof Number))) {
            out.add(new Finding(file, lineOf.applyAsInt("tags"), Severity.WARNING, "field-type", "'tags' should be a list of words"));
        }
        for (String flag : List.of("always_load", "script_first")) {
            Object v = fm.get(flag);
            if (v != null && !(v instanceof Boolean)) {
                out.add(new Finding(file, lineOf.applyAsInt(flag), Severity.WARNING, "field-type", "'" + flag + "' should be true or false, got " + v));
            }
        }

        boolean scriptFirst = SkillParser.bool(fm.get("script_first"));
        if (scriptFirst && !SkillParser.hasScriptFirstMarker(doc.body())) {
            out.add(new Finding(file, lineOf.applyAsInt("script_first"), Severity.ERROR, "script-first-marker",
                    "script_first: true but the body lacks the SCRIPT-FIRST directive (the line " + SkillParser.SCRIPT_FIRST_MARKER
                            + "; copy the block from templates/SKILL.template.md)"));
        }
        if (scriptFirst && scriptFirstDocText != null && !listed(scriptFirstDocText, id, name instanceof String s ? s.strip() : folder)) {
            out.add(new Finding(file, lineOf.applyAsInt("script_first"), Severity.WARNING, "script-first-doc",
                    "script-first skill '" + id + "' is not listed in " + options.scriptFirstDoc().getFileName()));
        }
        if (doc.body().isBlank()) {
            out.add(new Finding(file, doc.bodyLine(), Severity.WARNING, "body-empty", "the body is empty: say how to do the operation"));
        }
        out.addAll(brokenLinks(file, dir, doc));
        lintScriptIfPresent(dir, out);
        return out;
    }

    private void lintScriptIfPresent(Path dir, List<Finding> out) {
        Path spec = dir.resolve(ScriptSpecReader.FILE);
        if (Files.isRegularFile(spec)) out.addAll(lintScript(spec));
        Path wf = dir.resolve(dev.ao.engine.workflow.Workflow.FILE);
        if (!Files.isRegularFile(spec) && Files.isRegularFile(wf)) out.addAll(lintWorkflow(wf));
    }

    /** A workflow skill's workflow.yml: schema, needs and cycles, expressions (the skills it uses: 'ao workflow validate'). */
    public static List<Finding> lintWorkflow(Path file) {
        List<Finding> out = new ArrayList<>();
        try {
            dev.ao.engine.workflow.WorkflowValidator.validate(dev.ao.engine.workflow.WorkflowParser.parse(file), null);
        } catch (AoException e) {
            Pattern at = Pattern.compile("^" + Pattern.quote(file.toString()) + ":(\\d+)(?::\\d+)?: (.*)$");
            for (String l : e.getMessage().split("\n")) {
                Matcher m = at.matcher(l);
                if (m.matches()) out.add(new Finding(file, Integer.parseInt(m.group(1)), Severity.ERROR, "workflow", m.group(2)));
                else out.add(new Finding(file, 0, Severity.ERROR, "workflow", l.startsWith(file + ": ") ? l.substring(file.toString().length() + 2) : l));
            }
        }
        return out;
    }

    private static boolean listed(String doc, String id, String name) {
        if (id != null && doc.contains(id)) return true;
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])").matcher(doc).find();
    }

    /** Relative links in the body (outside code blocks) that point at files that are not there. */
    private static List<Finding> brokenLinks(Path file, Path dir, SkillParser.Document doc) {
        List<Finding> out = new ArrayList<>();
        boolean fenced = false;
        int lineNo = doc.bodyLine() - 1;
        for (String line : doc.body().split("\n", -1)) {
            lineNo++;
            String s = line.strip();
            if (s.startsWith("```") || s.startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) continue;
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("#") || target.startsWith("/") || target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) continue;
                int hash = target.indexOf('#');
                if (hash >= 0) target = target.substring(0, hash);
                int q = target.indexOf('?');
                if (q >= 0) target = target.substring(0, q);
                if (target.isEmpty()) continue;
                String decoded = target.replace("%20", " ");
                if (!Files.exists(dir.resolve(decoded).normalize())) {
                    out.add(new Finding(file, lineNo, Severity.WARNING, "link", "link to '" + target + "', which does not exist"));
                }
            }
        }
        return out;
    }

    /** Checks a script.json: JSON, script file, extension, parameters_schema as a JSON Schema, then every other key. */
    public List<Finding> lintScript(Path spec) {
        List<Finding> out = new ArrayList<>();
        String text;
        try {
            text = Files.readString(spec);
        } catch (IOException e) {
            out.add(new Finding(spec, 0, Severity.ERROR, "read", "cannot read: " + e.getMessage()));
            return out;
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            out.add(new Finding(spec, line, Severity.ERROR, "script-json", "not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")));
            return out;
        }
        if (root == null || !root.isObject()) {
            out.add(new Finding(spec, 1, Severity.ERROR, "script-json", "must hold a JSON object"));
            return out;
        }
        KeyLines keys = KeyLines.json(text);
        Path folder = spec.getParent();

        final String sfKey = "script_file";
        JsonNode sf = root.get(sfKey);
        if (sf == null || sf.isNull()) {
            out.add(new Finding(spec, 1, Severity.ERROR, "script-json", "missing: name the script next to script.json", sfKey));
        } else if (!sf.isTextual() || sf.asText().isBlank()) {
            out.add(new Finding(spec, keys.line("/script_file", 1), Severity.ERROR, "script-json", "must be a file name", sfKey));
        } else {
            String name = sf.asText();
            int line = keys.line("/script_file", 1);
            Path script = folder.resolve(name).normalize();
            boolean present = false;
            if (!script.startsWith(folder)) {
                out.add(new Finding(spec, line, Severity.ERROR, "script-json", "'" + name + "' must stay inside the script's folder", sfKey));
            } else if (ContainedFile.problem(script, folder).isPresent()) {
                out.add(new Finding(spec, line, Severity.ERROR, "link-outside", ContainedFile.problem(script, folder).get(), sfKey));
            } else if (!Files.isRegularFile(script)) {
                out.add(new Finding(spec, line, Severity.ERROR, "script-missing", "'" + name + "' does not exist", sfKey));
            } else {
                present = true;
            }
            String f = script.getFileName() == null ? name : script.getFileName().toString();
            int dot = f.lastIndexOf('.');
            String ext = dot < 0 ? "" : f.substring(dot);
            if (!options.allowedExtensions().contains(ext)) {
                out.add(new Finding(spec, line, Severity.ERROR, "extension", (ext.isEmpty() ? "'" + name + "' has no extension" : "extension '" + ext + "'")
                        + " is not in [scripts] allowed_extensions (" + String.join(", ", options.allowedExtensions()) + ")", sfKey));
            }
            if (present) {
                dev.ao.engine.script.ScriptSyntax.check(script).ifPresent(e -> out.add(new Finding(script, e.line(), Severity.ERROR, "syntax",
                        "syntax error: " + e.message())));
            }
        }
        for (ScriptSpecReader.Problem p : ScriptSpecReader.problems(root)) {
            out.add(new Finding(spec, keys.line("/" + p.key().replace('.', '/'), 1), Severity.ERROR, "script-json", p.detail(), p.key()));
        }

        JsonNode schema = root.get("parameters_schema");
        if (schema != null && !schema.isNull()) {
            if (!schema.isObject()) {
                out.add(new Finding(spec, keys.line("/parameters_schema", 1), Severity.ERROR, "schema", "must be a JSON Schema object", "parameters_schema"));
            } else {
                out.addAll(lintSchema(spec, schema, keys));
            }
        }

        JsonNode envDemand = root.path("demands").path("env");
        for (int i = 0; envDemand.isArray() && i < envDemand.size(); i++) {
            String v = envDemand.get(i).asText("");
            int line = keys.line("/demands/env/" + i, 1);
            if (dev.ao.engine.sandbox.EnvPolicy.isWildcard(v)) {
                out.add(new Finding(spec, line, Severity.WARNING, "env-demand", "\"" + v
                        + "\" passes every matching variable of the caller's environment, secrets too; every run will need approval (name the variables)", "demands.env"));
            } else if (dev.ao.engine.sandbox.EnvPolicy.looksSecret(v)) {
                out.add(new Finding(spec, line, Severity.WARNING, "env-demand", "\"" + v
                        + "\" looks like a secret; every run will need approval (or pass it as a \"secret\": true parameter: -p k=env:" + v + ")", "demands.env"));
            }
        }

        if (out.stream().noneMatch(x -> x.severity() == Severity.ERROR)) {
            try {
                ScriptSpecReader.read(spec);
            } catch (AoException e) {
                String msg = e.getMessage();
                String prefix = spec.toString();
                int line = 1;
                if (msg.startsWith(prefix)) {
                    msg = msg.substring(prefix.length());
                    Matcher lm = Pattern.compile("^:(\\d+)").matcher(msg);
                    if (lm.find()) {
                        line = Integer.parseInt(lm.group(1));
                        msg = msg.substring(lm.end());
                    }
                    if (msg.startsWith(": ")) msg = msg.substring(2);
                }
                Matcher km = Pattern.compile("^key '([^']+)' ").matcher(msg);
                String key = null;
                if (km.find()) {
                    key = km.group(1);
                    line = keys.line("/" + key.replace('.', '/'), line);
                    msg = msg.substring(km.end());
                }
                out.add(new Finding(spec, line, Severity.ERROR, "script-json", msg, key));
            }
        }
        return out;
    }

    private static List<Finding> lintSchema(Path spec, JsonNode schema, KeyLines keys) {
        List<Finding> out = new ArrayList<>();
        JsonSchema meta = SchemaGuard.factory().getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        Set<String> reported = new HashSet<>();
        for (ValidationMessage m : sorted(meta.validate(schema))) {
            String pointer = pointer(m.getInstanceLocation());
            if (!reported.add(pointer)) continue; // one complaint per place; anyOf/oneOf repeat themselves
            String msg = m.getMessage();
            int colon = msg.indexOf(": ");
            if (msg.startsWith("$") && colon > 0) msg = msg.substring(colon + 2);
            out.add(new Finding(spec, keys.line("/parameters_schema" + pointer, 1), Severity.ERROR, "schema",
                    "not valid JSON Schema: " + msg, dotted("parameters_schema" + pointer)));
        }
        if (!out.isEmpty()) return out;
        // before any validator is built from it: refs that would load files or URLs, cycles, broken regexes
        for (SchemaGuard.Problem p : SchemaGuard.check(schema)) {
            out.add(new Finding(spec, keys.line("/parameters_schema" + p.pointer(), 1), Severity.ERROR, "schema", p.message(),
                    dotted("parameters_schema" + p.pointer())));
        }
        if (!out.isEmpty()) return out;

        JsonNode type = schema.get("type");
        if (type != null && !(type.isTextual() && type.asText().equals("object"))) {
            out.add(new Finding(spec, keys.line("/parameters_schema/type", 1), Severity.ERROR, "schema",
                    "must be \"object\" (parameters are its properties), got " + type, "parameters_schema.type"));
        }
        JsonNode props = schema.path("properties");
        boolean open = schema.path("additionalProperties").asBoolean(false);
        for (JsonNode r : schema.path("required")) {
            if (r.isTextual() && !props.has(r.asText()) && !open) {
                out.add(new Finding(spec, keys.line("/parameters_schema/required", 1), Severity.ERROR, "schema",
                        "required parameter '" + r.asText() + "' is not declared in parameters_schema.properties", "parameters_schema.required"));
            }
        }
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "/parameters_schema/properties/" + e.getKey();
            JsonNode p = e.getValue();
            if (!p.isObject()) continue;
            if (!p.has("type") && !p.has("enum") && !p.has("const") && !p.has("$ref") && !p.has("anyOf") && !p.has("oneOf")) {
                out.add(new Finding(spec, keys.line(at, 1), Severity.WARNING, "schema",
                        "has no type; -p values reach the script as strings", dotted(at.substring(1))));
            }
            if (p.has("secret") && !p.get("secret").isBoolean()) {
                out.add(new Finding(spec, keys.line(at + "/secret", 1), Severity.WARNING, "schema", "should be true or false", dotted(at.substring(1) + "/secret")));
            }
            if (p.has("default") && !p.has("$ref")) {
                try {
                    JsonSchema ps = SchemaGuard.factory().getSchema(p);
                    Set<ValidationMessage> bad = ps.validate(p.get("default"));
                    if (!bad.isEmpty()) {
                        String msg = sorted(bad).get(0).getMessage();
                        int colon = msg.indexOf(": ");
                        if (msg.startsWith("$") && colon > 0) msg = msg.substring(colon + 2);
                        out.add(new Finding(spec, keys.line(at + "/default", 1), Severity.ERROR, "schema",
                                "the default does not match its own schema: " + msg, dotted(at.substring(1) + "/default")));
                    }
                } catch (RuntimeException ignored) {
                    // a property schema that only makes sense inside the whole schema: nothing to say here
                }
            }
        }
        return out;
    }

    /** {@code parameters_schema/properties/n} as people write it: {@code parameters_schema.properties.n}. */
    private static String dotted(String pointer) {
        return pointer.replace('/', '.').replace("~1", "/").replace("~0", "~");
    }

    /** ValidationMessage is not Comparable: order by place, then text, so findings are stable. */
    private static List<ValidationMessage> sorted(Set<ValidationMessage> messages) {
        List<ValidationMessage> out = new ArrayList<>(messages);
        out.sort(Comparator.comparing((ValidationMessage m) -> pointer(m.getInstanceLocation())).thenComparing(ValidationMessage::getMessage));
        return out;
    }

    private static String pointer(JsonNodePath path) {
        if (path == null) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object el = path.getElement(i);
            sb.append('/').append(String.valueOf(el).replace("~", "~0").replace("/", "~1"));
        }
        return sb.toString();
    }
}
