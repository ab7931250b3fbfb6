package dev.ao.engine.skill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.script.SourceRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses SKILL.md: YAML front matter between {@code ---} lines, then a Markdown body kept as is. */
public final class SkillParser {
    public static final String FILE = "SKILL.md";
    private static final ObjectMapper YAML = new YAMLMapper();

    private SkillParser() {}

    /** The front matter and body of a SKILL.md text, split; front matter line numbers start at 2. */
    public record Document(String frontMatter, String body) {}

    public static Document split(Path file, String text) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (!t.startsWith("---")) {
            throw AoException.usage(file + ":1: SKILL.md must start with '---' and YAML front matter (name, description)");
        }
        int firstNl = t.indexOf('\n');
        if (firstNl < 0) throw AoException.usage(file + ":1: front matter is not closed with '---'");
        int pos = firstNl + 1;
        while (pos <= t.length()) {
            int nl = t.indexOf('\n', pos);
            String line = (nl < 0 ? t.substring(pos) : t.substring(pos, nl)).stripTrailing();
            if (line.equals("---") || line.equals("...")) {
                String fm = t.substring(firstNl + 1, pos);
                String body = nl < 0 ? "" : t.substring(nl + 1);
                return new Document(fm, body);
            }
            if (nl < 0) break;
            pos = nl + 1;
        }
        throw AoException.usage(file + ": front matter is not closed with a '---' line");
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> frontMatter(Path file, String yaml) {
        if (yaml.isBlank()) return new LinkedHashMap<>();
        try {
            Object parsed = YAML.readValue(yaml, Object.class);
            if (parsed == null) return new LinkedHashMap<>();
            if (!(parsed instanceof Map)) throw AoException.usage(file + ":2: front matter must be a YAML mapping (key: value lines)");
            return new LinkedHashMap<>((Map<String, Object>) parsed);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String msg = e.getOriginalMessage().lines().findFirst().orElse("invalid YAML");
            throw AoException.usage(file + ":" + (line + 1) + ": front matter is not valid YAML: " + msg);
        }
    }

    /** Reads the skill in {@code dir}; {@code id} is its path under the root it was found in. */
    public static Skill read(Path dir, String id, SourceRef source) {
        Path file = dir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw AoException.usage(file + ": cannot read: " + e.getMessage());
        }
        Document doc = split(file, text);
        Map<String, Object> fm = frontMatter(file, doc.frontMatter());
        String folder = dir.getFileName().toString();
        String name = str(fm.get("name"));
        if (name == null || name.isBlank()) name = folder;
        String description = str(fm.get("description"));
        if (description == null || description.isBlank()) description = str(fm.get("intent"));
        return new Skill(id, name, description == null ? "" : description.strip(), tags(fm.get("tags")),
                bool(fm.get("always_load")), bool(fm.get("script_first")), doc.body(), dir, fm,
                Files.isRegularFile(dir.resolve("script.json")), source);
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static boolean bool(Object o) {
        return o instanceof Boolean b ? b : o != null && "true".equalsIgnoreCase(String.valueOf(o));
    }

    private static List<String> tags(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) if (x != null) out.add(String.valueOf(x));
        } else if (o instanceof String s) {
            for (String x : s.split(",")) if (!x.isBlank()) out.add(x.strip());
        }
        return List.copyOf(out);
    }
}
