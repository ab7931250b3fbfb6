package dev.ao.engine.skill;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.script.ScriptSpecReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Creates skills and scripts from the templates: {@code SKILL.template.md}, {@code script.json} and
 * {@code script.py|sh|js}, bundled in the jar. A project may override them with its own
 * {@code dotcodex/templates/} or {@code templates/} folder (used when it holds {@code SKILL.template.md}).
 * Nothing is ever overwritten, and nothing is left half-written: files are written to a temporary folder
 * next to the target and moved into place at the end.
 */
public final class SkillTemplates {
    public static final String SKILL_TEMPLATE = "SKILL.template.md";
    public static final String DEFAULT_DESCRIPTION = "TODO: one sentence saying what this skill does and when to use it";
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A script language: the template file, and the binaries its script.json demands. */
    public enum Lang {
        PYTHON("python", "script.py", ".py", List.of("python3")),
        BASH("bash", "script.sh", ".sh", List.of("bash", "jq")),
        JS("js", "script.js", ".js", List.of("node"));

        public final String id;
        public final String template;
        public final String extension;
        public final List<String> binaries;

        Lang(String id, String template, String extension, List<String> binaries) {
            this.id = id;
            this.template = template;
            this.extension = extension;
            this.binaries = binaries;
        }

        public static Lang parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "python", "python3", "py" -> PYTHON;
                case "bash", "sh", "shell" -> BASH;
                case "js", "javascript", "node" -> JS;
                default -> throw AoException.usage("unknown script language '" + s + "' (use python, bash or js)");
            };
        }

        public static Lang fromExtension(String ext) {
            for (Lang l : values()) if (l.extension.equals(ext)) return l;
            return null;
        }
    }

    /** What was made: the folder and the files in it. */
    public record Created(Path dir, List<Path> files) {}

    private final List<Path> overrideDirs;

    /** @param projectRoot the project whose own templates win over the bundled ones, or null */
    public SkillTemplates(Path projectRoot) {
        List<Path> dirs = new ArrayList<>();
        if (projectRoot != null) {
            for (Path d : List.of(projectRoot.resolve("dotcodex").resolve("templates"), projectRoot.resolve("templates"))) {
                if (Files.isRegularFile(d.resolve(SKILL_TEMPLATE))) dirs.add(d);
            }
        }
        this.overrideDirs = List.copyOf(dirs);
    }

    /** The text of a template: the project's copy if it has one, else the bundled one. */
    public String load(String name) {
        for (Path d : overrideDirs) {
            Path f = d.resolve(name);
            if (Files.isRegularFile(f)) {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new AoException(ExitCode.FAILED, f + ": cannot read template: " + e.getMessage());
                }
            }
        }
        try (InputStream in = SkillTemplates.class.getResourceAsStream("/templates/" + name)) {
            if (in == null) throw new AoException(ExitCode.FAILED, "template '" + name + "' is missing from this build of ao");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot read bundled template '" + name + "': " + e.getMessage());
        }
    }

    /**
     * Replaces {@code {{name}}} and {@code {{description}}}. Values are escaped for the double-quoted strings the
     * placeholders sit in (YAML front matter, JSON): {@code \} and {@code "} escaped, line breaks folded.
     */
    public static String render(String template, Map<String, String> values, boolean quoted) {
        String out = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue().replaceAll("\\s*[\\r\\n]+\\s*", " ");
            if (quoted) v = v.replace("\\", "\\\\").replace("\"", "\\\"");
            out = out.replaceAll("\\{\\{\\s*" + Pattern.quote(e.getKey()) + "\\s*\\}\\}", Matcher.quoteReplacement(v));
        }
        return out;
    }

    /** The SKILL.md of a new skill: front matter {@code name} is the folder name, the body names the full id. */
    public String skillMarkdown(String id, String description) {
        String text = load(SKILL_TEMPLATE);
        String name = id.substring(id.lastIndexOf('/') + 1);
        SkillParser.Document doc = SkillParser.split(Path.of(SKILL_TEMPLATE), text);
        String head = text.substring(0, text.length() - doc.body().length());
        return render(head, Map.of("name", name, "description", description), true)
                + render(doc.body(), Map.of("name", id, "description", description), false);
    }

    /** The script.json for a script file of the given language. */
    public String scriptJson(String name, String description, String scriptFile, Lang lang) {
        String text = render(load(ScriptSpecReader.FILE), Map.of("name", name, "description", description), true);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "template script.json is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode o)) throw new AoException(ExitCode.FAILED, "template script.json must hold a JSON object");
        if (scriptFile.equals(o.path("script_file").asText()) && lang == Lang.PYTHON) return text.endsWith("\n") ? text : text + "\n";
        o.put("script_file", scriptFile);
        JsonNode demands = o.get("demands");
        if (demands instanceof ObjectNode d) {
            ArrayNode bins = d.putArray("binaries");
            lang.binaries.forEach(bins::add);
        }
        // the concurrency parameter is implemented by the Python template only
        if (lang != Lang.PYTHON && o.path("parameters_schema").path("properties") instanceof ObjectNode props) {
            props.remove("concurrency");
        }
        return pretty(o);
    }

    private static String pretty(JsonNode n) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        try {
            return JSON.writer(pp).writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks a skill id ({@code my-op} or {@code k8s/my-op}): lowercase words with hyphens, slash-separated. */
    public static void checkId(String id) {
        if (id == null || id.isBlank()) throw AoException.usage("give the new skill a name, e.g. ao skill new k8s/drain-node");
        for (String seg : id.split("/", -1)) {
            if (!SEGMENT.matcher(seg).matches()) {
                throw AoException.usage("skill name '" + id + "' must be lowercase letters, digits and hyphens, optionally under a category (k8s/drain-node)");
            }
        }
        if (id.substring(id.lastIndexOf('/') + 1).length() > 64) throw AoException.usage("skill name '" + id + "' is longer than 64 characters");
    }

    /** Creates {@code <skillsDir>/<id>/} with SKILL.md, script.json and the script, ready for {@code ao run <id>}. */
    public Created newSkill(Path skillsDir, String id, String description, Lang lang) {
        checkId(id);
        String desc = description == null || description.isBlank() ? DEFAULT_DESCRIPTION : description.strip();
        Path target = skillsDir.resolve(id).toAbsolutePath().normalize();
        if (Files.exists(target)) throw AoException.usage(target + " already exists; pick another name or remove it first");
        String name = id.substring(id.lastIndexOf('/') + 1);
        String skillMd = skillMarkdown(id, desc);
        String spec = scriptJson(name, desc, lang.template, lang);
        String script = load(lang.template);

        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(SkillParser.FILE, skillMd);
        files.put(ScriptSpecReader.FILE, spec);
        files.put(lang.template, script);
        createFolder(target, files, lang.template);
        return new Created(target, List.of(target.resolve(SkillParser.FILE), target.resolve(ScriptSpecReader.FILE), target.resolve(lang.template)));
    }

    /**
     * Writes a new skill folder whole or not at all: into a hidden sibling first, renamed into place at the end, so an
     * error leaves nothing half-written (and the parents it made are removed again).
     */
    private void createFolder(Path target, Map<String, String> files, String executable) {
        String name = target.getFileName().toString();
        List<Path> madeDirs = createParents(target.getParent());
        Path tmp = target.resolveSibling(".ao-new-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectory(tmp);
            for (Map.Entry<String, String> f : files.entrySet()) Files.writeString(tmp.resolve(f.getKey()), f.getValue());
            if (executable != null) executable(tmp.resolve(executable));
            moveNew(tmp, target);
        } catch (FileAlreadyExistsException e) {
            cleanup(tmp, madeDirs);
            throw AoException.usage(target + " already exists; pick another name or remove it first");
        } catch (IOException e) {
            cleanup(tmp, madeDirs);
            throw new AoException(ExitCode.FAILED, "cannot create " + target + ": " + e.getMessage());
        }
    }

    /** The workflow template, in the jar beside the script templates. */
    public static final String WORKFLOW_TEMPLATE = "workflow.yml";

    /** Creates {@code <skillsDir>/<id>/} with SKILL.md and a workflow.yml, ready for {@code ao run <id>}. */
    public Created newWorkflowSkill(Path skillsDir, String id, String description) {
        checkId(id);
        String desc = description == null || description.isBlank() ? DEFAULT_DESCRIPTION : description.strip();
        Path target = skillsDir.resolve(id).toAbsolutePath().normalize();
        if (Files.exists(target)) throw AoException.usage(target + " already exists; pick another name or remove it first");
        String name = id.substring(id.lastIndexOf('/') + 1);
        String skillMd = skillMarkdown(id, desc);
        String wf = render(load(WORKFLOW_TEMPLATE), Map.of("id", id, "name", name, "description", desc), true);
        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(SkillParser.FILE, skillMd);
        files.put(WORKFLOW_TEMPLATE, wf);
        createFolder(target, files, null);
        return new Created(target, List.of(target.resolve(SkillParser.FILE), target.resolve(WORKFLOW_TEMPLATE)));
    }

    /**
     * Creates a script file and its script.json next to it. {@code scriptPath} may omit the extension; the
     * language then comes from {@code lang}, and without either it is Python.
     */
    public Created newScript(Path scriptPath, Lang lang, String description) {
        Path p = scriptPath.toAbsolutePath().normalize();
        String file = p.getFileName().toString();
        int dot = file.lastIndexOf('.');
        Lang fromExt = dot > 0 ? Lang.fromExtension(file.substring(dot)) : null;
        if (dot > 0 && fromExt == null) {
            throw AoException.usage(scriptPath + ": unknown script extension '" + file.substring(dot) + "' (use .py, .sh or .js, or --lang)");
        }
        if (lang != null && fromExt != null && lang != fromExt) {
            throw AoException.usage(scriptPath + ": extension " + fromExt.extension + " does not match --lang " + lang.id);
        }
        Lang l = lang != null ? lang : fromExt != null ? fromExt : Lang.PYTHON;
        if (fromExt == null) {
            file = file + l.extension;
            p = p.resolveSibling(file);
        }
        String stem = file.substring(0, file.lastIndexOf('.'));
        Path dir = p.getParent();
        Path spec = dir.resolve(ScriptSpecReader.FILE);
        if (Files.exists(p)) throw AoException.usage(p + " already exists; pick another name or remove it first");
        if (Files.exists(spec)) {
            throw AoException.usage(spec + " already exists (one script.json per folder); put the new script in a folder of its own");
        }
        String desc = description == null || description.isBlank() ? "TODO: one sentence saying what this script does" : description.strip();
        String specText = scriptJson(stem, desc, file, l);
        String script = load(l.template);

        List<Path> madeDirs = createParents(dir);
        Path tmp = dir.resolve(".ao-new-" + stem + "-" + UUID.randomUUID().toString().substring(0, 8));
        boolean scriptMoved = false;
        try {
            Files.createDirectory(tmp);
            Files.writeString(tmp.resolve(file), script);
            executable(tmp.resolve(file));
            Files.writeString(tmp.resolve(ScriptSpecReader.FILE), specText);
            moveNew(tmp.resolve(file), p);
            scriptMoved = true;
            moveNew(tmp.resolve(ScriptSpecReader.FILE), spec);
            Files.delete(tmp);
        } catch (IOException e) {
            if (scriptMoved) deleteQuietly(p);
            cleanup(tmp, madeDirs);
            if (e instanceof FileAlreadyExistsException) throw AoException.usage(e.getMessage() + " already exists; nothing was written");
            throw new AoException(ExitCode.FAILED, "cannot create " + p + ": " + e.getMessage());
        }
        return new Created(dir, List.of(p, spec));
    }

    /**
     * A script.json for a script that exists (an Agent Skill's {@code scripts/x.py}): name from the file, description
     * from its docstring or leading comment, no parameters (its own arguments go after {@code --}), risk auto. Written
     * next to the script; refuses when one is there already. Nothing of the script runs.
     */
    public Created scriptJsonFrom(Path scriptPath) {
        Path p = scriptPath.toAbsolutePath().normalize();
        if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw AoException.usage(scriptPath + ": no such script file (--from takes an existing .py, .sh or .js file)");
        }
        String file = p.getFileName().toString();
        int dot = file.lastIndexOf('.');
        Lang l = dot > 0 ? Lang.fromExtension(file.substring(dot)) : null;
        if (l == null) throw AoException.usage(scriptPath + ": not a .py, .sh or .js script");
        Path spec = p.resolveSibling(ScriptSpecReader.FILE);
        if (Files.exists(spec, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw AoException.usage(spec + " already exists (one script.json per folder); nothing was written");
        }
        String text;
        try {
            byte[] b = Files.readAllBytes(p);
            text = new String(b, 0, Math.min(b.length, 64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot read " + p + ": " + e.getMessage());
        }
        String name = file.substring(0, dot).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name.isEmpty() ? "script" : name);
        o.put("description", leadingText(text, l));
        o.put("script_file", file);
        ObjectNode schema = o.putObject("parameters_schema");
        schema.put("type", "object");
        schema.putObject("properties");
        o.putObject("demands").putArray("binaries").add(l.binaries.get(0));
        o.put("risk", "auto");
        Path tmp = p.resolveSibling(".ao-new-script-" + UUID.randomUUID().toString().substring(0, 8) + ".json");
        try {
            Files.writeString(tmp, pretty(o), java.nio.file.StandardOpenOption.CREATE_NEW);
            moveNew(tmp, spec);
        } catch (IOException e) {
            deleteQuietly(tmp);
            if (e instanceof FileAlreadyExistsException) throw AoException.usage(spec + " already exists; nothing was written");
            throw new AoException(ExitCode.FAILED, "cannot write " + spec + ": " + e.getMessage());
        }
        return new Created(p.getParent(), List.of(spec));
    }

    private static final Pattern DOCSTRING = Pattern.compile("^[rRuU]?(\"\"\"|''')(.*)$");

    /** The first paragraph of a Python module docstring, else of the leading comment block (after a shebang); one line. */
    static String leadingText(String text, Lang l) {
        List<String> lines = text.lines().toList();
        int i = 0;
        if (i < lines.size() && lines.get(i).startsWith("#!")) i++;
        while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).matches("#.*coding[:=].*"))) i++;
        StringBuilder sb = new StringBuilder();
        Matcher doc = i < lines.size() && l == Lang.PYTHON ? DOCSTRING.matcher(lines.get(i).strip()) : null;
        if (doc != null && doc.matches()) {
            String q = doc.group(1);
            String rest = doc.group(2);
            while (true) {
                int end = rest.indexOf(q);
                String part = (end >= 0 ? rest.substring(0, end) : rest).strip();
                if (part.isEmpty() && sb.length() > 0) break;
                if (!part.isEmpty()) sb.append(sb.length() > 0 ? " " : "").append(part);
                if (end >= 0 || ++i >= lines.size()) break;
                rest = lines.get(i);
            }
        } else {
            String mark = l == Lang.JS ? "//" : "#";
            for (; i < lines.size() && lines.get(i).strip().startsWith(mark); i++) {
                String part = lines.get(i).strip().substring(mark.length()).strip();
                if (part.isEmpty()) {
                    if (sb.length() > 0) break;
                    continue;
                }
                sb.append(sb.length() > 0 ? " " : "").append(part);
            }
        }
        String d = sb.toString().replaceAll("\\s+", " ").strip();
        if (d.length() > 300) d = d.substring(0, 299).stripTrailing() + "…";
        return d.isEmpty() ? "TODO: one sentence saying what this script does" : d;
    }

    /** Moves without replacing (a rename in the same folder): fails if {@code target} appeared meanwhile. */
    private static void moveNew(Path from, Path target) throws IOException {
        Files.move(from, target);
    }

    private static List<Path> createParents(Path dir) {
        List<Path> made = new ArrayList<>();
        for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) made.add(0, d);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot create folder " + dir + ": " + e.getMessage());
        }
        return made;
    }

    private static void executable(Path f) {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system: the interpreter is chosen by extension anyway
        }
    }

    private static void cleanup(Path tmp, List<Path> madeDirs) {
        deleteQuietly(tmp);
        for (int i = madeDirs.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(madeDirs.get(i));
            } catch (IOException ignored) {
                // not empty: something else is in it now
            }
        }
    }

    static void deleteQuietly(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
