package dev.ao.engine.skill;

import dev.ao.engine.script.SourceRef;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A skill folder: its SKILL.md front matter and body.
 *
 * @param id          where it lives under its root, e.g. {@code k8s/bulk-restart}; what {@code ao run} takes
 * @param frontMatter every front matter field, unknown ones included
 * @param runnable    whether the folder holds a {@code script.json} or a {@code workflow.yml}
 * @param source      the git source it came from, or null for a local path
 */
public record Skill(String id, String name, String description, List<String> tags, boolean alwaysLoad,
                    boolean scriptFirst, String body, Path dir, Map<String, Object> frontMatter, boolean runnable,
                    SourceRef source) {

    public Path skillFile() {
        return dir.resolve(SkillParser.FILE);
    }

    public Path specFile() {
        return dir.resolve("script.json");
    }

    /** The folder's {@code workflow.yml}: a workflow skill runs it instead of a script. */
    public Path workflowFile() {
        return dir.resolve("workflow.yml");
    }

    public boolean workflow() {
        return java.nio.file.Files.isRegularFile(workflowFile()) && !java.nio.file.Files.isRegularFile(specFile());
    }

    /**
     * Scripts an Agent Skill ships in {@code scripts/} (.py, .sh, .js; not {@code _private.py}) that have no
     * script.json next to them: ao cannot run them until one is added ({@code ao script new --from}). Empty for a
     * runnable skill.
     */
    public List<Path> looseScripts() {
        if (runnable) return List.of();
        Path dir = this.dir.resolve("scripts");
        if (!java.nio.file.Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                || java.nio.file.Files.isRegularFile(dir.resolve("script.json"))) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith("_") && !n.startsWith(".") && (n.endsWith(".py") || n.endsWith(".sh") || n.endsWith(".js"))
                        && java.nio.file.Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** {@code local} or {@code git:<name>@<short commit>}. */
    public String origin() {
        return source == null ? "local" : "git:" + source.name() + "@" + source.commit().substring(0, Math.min(12, source.commit().length()));
    }
}
