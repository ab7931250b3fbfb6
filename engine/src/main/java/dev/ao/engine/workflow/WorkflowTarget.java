package dev.ao.engine.workflow;

import dev.ao.engine.script.SourceRef;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What {@code ao run <target>} means when it is a workflow: a {@code .yml}/{@code .yaml} path, a folder holding a
 * {@code workflow.yml} (and no script.json), or a skill whose folder does.
 *
 * @param skill the skill id when run by name, else null
 */
public record WorkflowTarget(Path file, String skill, SourceRef source) {

    public static Optional<WorkflowTarget> find(String target, Path cwd, Supplier<SkillCatalog> catalog) {
        if (target == null || target.isBlank()) return Optional.empty();
        Path p = cwd.resolve(target).normalize();
        String lower = target.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".yml") || lower.endsWith(".yaml")) return Optional.of(new WorkflowTarget(p, null, null));
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(Workflow.FILE)) && !Files.isRegularFile(p.resolve("script.json"))) {
            return Optional.of(new WorkflowTarget(p.resolve(Workflow.FILE), null, null));
        }
        boolean looksLikePath = target.startsWith("/") || target.startsWith("./") || target.startsWith("../")
                || target.matches(".*\\.(py|sh|js|json|[a-z]{1,4})$");
        if (looksLikePath) return Optional.empty();
        Optional<Skill> s = catalog.get().find(target);
        if (s.isPresent() && s.get().workflow()) {
            return Optional.of(new WorkflowTarget(s.get().workflowFile(), s.get().id(), s.get().source()));
        }
        return Optional.empty();
    }
}
