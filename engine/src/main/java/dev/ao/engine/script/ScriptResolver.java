package dev.ao.engine.script;

import dev.ao.engine.AoException;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.workflow.DidYouMean;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finds what {@code ao run <target>} means: a path to a script or script folder, else a skill by name. */
public final class ScriptResolver {

    private ScriptResolver() {}

    public static ScriptSpec resolve(String target, Path cwd, SkillCatalog catalog, List<Path> searched) {
        return resolve(target, cwd, () -> catalog, searched);
    }

    /** The catalog is only scanned when the target is not an existing script path. */
    public static ScriptSpec resolve(String target, Path cwd, java.util.function.Supplier<SkillCatalog> catalogs, List<Path> searched) {
        if (target == null || target.isBlank()) throw AoException.usage("nothing to run: give a skill name or a script path");
        Path p = cwd.resolve(target).normalize();
        boolean looksLikePath = target.startsWith("/") || target.startsWith("./") || target.startsWith("../")
                || target.matches(".*\\.(py|sh|js|json|[a-z]{1,4})$");
        if (Files.exists(p) && (looksLikePath || !catalogs.get().find(target).isPresent())) {
            return fromPath(p);
        }
        SkillCatalog catalog = catalogs.get();
        Optional<Skill> skill = catalog.find(target);
        if (skill.isPresent()) {
            Skill s = skill.get();
            if (!s.runnable()) {
                throw AoException.usage("skill '" + s.id() + "' has no script.json: it is know-how only (see 'ao skill show " + s.id() + "')");
            }
            return ScriptSpecReader.read(s.specFile()).withSkill(s.id(), s.source());
        }
        if (looksLikePath) throw AoException.usage("no such file: " + p);
        String unloaded = catalog.problems().isEmpty() ? ""
                : "; " + catalog.problems().size() + " skill(s) could not be loaded, first: " + catalog.problems().get(0);
        String nearest = nearestSkill(target, catalog);
        String hint = nearest == null ? "see 'ao skill list'" : "did you mean '" + nearest + "'?";
        throw AoException.usage("no skill or script named '" + target + "' (looked in " + String.join(", ",
                searched.stream().map(Path::toString).toList()) + "); " + hint + unloaded);
    }

    /** The skill id a misspelt target most likely meant: by id, else (a bare name) by the id's last part. */
    static String nearestSkill(String target, SkillCatalog catalog) {
        List<String> ids = catalog.all().stream().map(Skill::id).toList();
        String byId = DidYouMean.nearest(target, ids);
        if (byId != null || target.contains("/")) return byId;
        java.util.Map<String, String> byName = new java.util.LinkedHashMap<>();
        for (String id : ids) byName.putIfAbsent(id.substring(id.lastIndexOf('/') + 1), id);
        String name = DidYouMean.nearest(target, byName.keySet());
        return name == null ? null : byName.get(name);
    }

    private static ScriptSpec fromPath(Path p) {
        if (Files.isDirectory(p)) {
            Path spec = p.resolve(ScriptSpecReader.FILE);
            if (!Files.isRegularFile(spec)) throw AoException.usage(p + ": folder has no script.json to run");
            return ScriptSpecReader.read(spec);
        }
        if (p.getFileName().toString().equals(ScriptSpecReader.FILE)) return ScriptSpecReader.read(p);
        Path sibling = p.resolveSibling(ScriptSpecReader.FILE);
        if (Files.isRegularFile(sibling)) {
            ScriptSpec spec = ScriptSpecReader.read(sibling);
            if (spec.scriptFile().equals(p.toAbsolutePath().normalize())) return spec;
        }
        ContainedFile.require(p, p.getParent());
        if (!Files.isRegularFile(p)) throw AoException.usage(p + ": not a file");
        return ScriptSpecReader.bare(p);
    }
}
