package dev.ao.engine.skill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.script.ContainedFile;
import dev.ao.engine.script.SourceRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses SKILL.md: YAML front matter between {@code ---} lines, then a Markdown body kept as is. Unknown front
 * matter fields are kept, so files written for Anthropic Agent Skills or Codex ({@code name} + {@code description},
 * {@code license}, {@code allowed-tools}, {@code metadata}) load unchanged.
 */
public final class SkillParser {
    public static final String FILE = "SKILL.md";
    /** The line that opens the SCRIPT-FIRST directive block in a body. */
    public static final String SCRIPT_FIRST_MARKER = "<!-- SCRIPT-FIRST -->";
    private static final ObjectMapper YAML = new YAMLMapper();

    private SkillParser() {}

    /** A SKILL.md that cannot be read as one: the file, the 1-based line (0 when unknown) and what is wrong. */
    public static final class FormatException extends AoException {
        private final Path file;
        private final int line;
        private final String detail;

        public FormatException(Path file, int line, String detail) {
            super(ExitCode.USAGE, file + (line > 0 ? ":" + line : "") + ": " + detail);
            this.file = file;
            this.line = line;
            this.detail = detail;
        }

        public Path file() { return file; }

        public int line() { return line; }

        public String detail() { return detail; }
    }

    /**
     * The front matter and body of a SKILL.md text, split.
     *
     * @param bodyLine the 1-based line where the body starts in the file
     */
    public record Document(String frontMatter, String body, int bodyLine) {
        /** Line in the file of line {@code n} (1-based) of the front matter. */
        public static int fileLine(int n) {
            return n + 1;
        }
    }

    public static Document split(Path file, String text) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        int firstNl = t.indexOf('\n');
        String first = (firstNl < 0 ? t : t.substring(0, firstNl)).stripTrailing();
        if (!first.equals("---")) {
            throw new FormatException(file, 1, "SKILL.md must start with a '---' line, then YAML front matter (name, description), then '---'");
        }
        int pos = firstNl + 1;
        int lineNo = 2;
        while (pos <= t.length()) {
            int nl = t.indexOf('\n', pos);
            String line = (nl < 0 ? t.substring(pos) : t.substring(pos, nl)).stripTrailing();
            if (line.equals("---") || line.equals("...")) {
                String fm = t.substring(firstNl + 1, pos);
                String body = nl < 0 ? "" : t.substring(nl + 1);
                return new Document(fm, body, lineNo + 1);
            }
            if (nl < 0) break;
            pos = nl + 1;
            lineNo++;
        }
        throw new FormatException(file, 1, "front matter opened on line 1 is never closed with a '---' line");
    }

    /** The front matter as a map, every field kept in file order. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> frontMatter(Path file, String yaml) {
        if (yaml.isBlank()) return new LinkedHashMap<>();
        try {
            Object parsed = YAML.readValue(yaml, Object.class);
            if (parsed == null) return new LinkedHashMap<>();
            if (!(parsed instanceof Map)) throw new FormatException(file, 2, "front matter must be a YAML mapping (key: value lines)");
            return new LinkedHashMap<>((Map<String, Object>) parsed);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String[] problem = yamlProblem(e.getOriginalMessage(), line);
            line = Integer.parseInt(problem[1]);
            throw new FormatException(file, line > 0 ? Document.fileLine(line) : 2, "front matter is not valid YAML: " + problem[0]);
        }
    }

    private static final Pattern MARK = Pattern.compile("^\\s*in '[^']*', line (\\d+), column \\d+:?$");

    /**
     * SnakeYAML says "context, its mark, problem, its mark" over several lines; this keeps the problem (with the
     * context in brackets) and the line it is on, or the context's line when the problem is the end of the text.
     */
    static String[] yamlProblem(String message, int fallbackLine) {
        List<String[]> parts = new ArrayList<>();
        for (String l : message.split("\n")) {
            Matcher m = MARK.matcher(l);
            if (m.matches()) {
                if (!parts.isEmpty() && parts.get(parts.size() - 1)[1] == null) parts.get(parts.size() - 1)[1] = m.group(1);
            } else if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
                parts.add(new String[] {l.strip(), null});
            }
        }
        if (parts.isEmpty()) return new String[] {"invalid YAML", String.valueOf(fallbackLine)};
        String[] problem = parts.get(parts.size() - 1);
        String[] context = parts.size() > 1 ? parts.get(0) : null;
        String line = problem[1];
        boolean atEnd = problem[0].contains("end of stream") || problem[0].contains("<stream end>");
        if ((line == null || atEnd) && context != null && context[1] != null) line = context[1];
        String text = problem[0] + (context != null ? " (" + context[0] + ")" : "");
        return new String[] {text, line != null ? line : String.valueOf(fallbackLine)};
    }

    /** Reads the skill in {@code dir}; {@code id} is its path under the root it was found in. */
    public static Skill read(Path dir, String id, SourceRef source) {
        Path file = dir.resolve(FILE);
        ContainedFile.problem(file, dir).ifPresent(p -> {
            throw new FormatException(file, 0, p);
        });
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new FormatException(file, 0, "cannot read: " + e.getMessage());
        }
        return parse(dir, id, source, text);
    }

    /** Builds the skill from the text of its SKILL.md. */
    public static Skill parse(Path dir, String id, SourceRef source, String text) {
        Path file = dir.resolve(FILE);
        Document doc = split(file, text);
        Map<String, Object> fm = frontMatter(file, doc.frontMatter());
        String folder = dir.getFileName() == null ? id : dir.getFileName().toString();
        String name = str(fm.get("name"));
        if (name == null || name.isBlank()) name = folder;
        String description = str(fm.get("description"));
        if (description == null || description.isBlank()) description = str(fm.get("intent"));
        return new Skill(id, name.strip(), description == null ? "" : oneLine(description), tags(fm.get("tags")),
                bool(fm.get("always_load")), bool(fm.get("script_first")), doc.body(), dir, fm,
                Files.isRegularFile(dir.resolve("script.json")) || Files.isRegularFile(dir.resolve("workflow.yml")), source);
    }

    /** Folded YAML ({@code >}) and literal ({@code |}) descriptions read as one line in listings. */
    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    private static String str(Object o) {
        if (o == null || o instanceof Map || o instanceof List) return null;
        return String.valueOf(o);
    }

    static boolean bool(Object o) {
        return o instanceof Boolean b ? b : o != null && "true".equalsIgnoreCase(String.valueOf(o).strip());
    }

    /** {@code tags: [a, b]}, a YAML list, or {@code tags: "a, b"} / {@code tags: a b}. */
    static List<String> tags(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) if (x != null && !String.valueOf(x).isBlank()) out.add(String.valueOf(x).strip());
        } else if (o instanceof String s) {
            for (String x : s.split(s.contains(",") ? "," : "\\s+")) if (!x.isBlank()) out.add(x.strip());
        }
        return List.copyOf(out);
    }

    /** Whether the body carries the SCRIPT-FIRST directive: the marker on a line of its own. */
    public static boolean hasScriptFirstMarker(String body) {
        return body.lines().anyMatch(l -> l.strip().equals(SCRIPT_FIRST_MARKER));
    }
}
