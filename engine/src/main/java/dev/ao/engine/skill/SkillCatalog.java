package dev.ao.engine.skill;

import dev.ao.engine.AoException;
import dev.ao.engine.script.SourceRef;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every skill ao can see: the folders in {@code [skills] paths}, then git sources. A skill id found twice is
 * reported as a {@link Conflict}; the first one wins. A broken SKILL.md does not hide the others: it is listed
 * in {@link #problems()}.
 */
public final class SkillCatalog {

    /** A root to scan, and the git source it belongs to (null for a plain folder). */
    public record Root(Path dir, SourceRef source) {}

    public record Conflict(String id, Path kept, Path ignored) {}

    private final Map<String, Skill> byId = new LinkedHashMap<>();
    private final List<Conflict> conflicts = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Root> roots;

    private SkillCatalog(List<Root> roots) {
        this.roots = List.copyOf(roots);
    }

    public static SkillCatalog scan(List<Root> roots) {
        return scan(roots, List.of());
    }

    /** Scans the roots; {@code earlier} are problems found before scanning (a git source that could not be cloned). */
    public static SkillCatalog scan(List<Root> roots, List<String> earlier) {
        return scan(roots, earlier, null);
    }

    /**
     * As {@link #scan(List, List)}, then the skills of {@code fallback} (the bundled library, may be null) whose
     * ids no root has: shadowed by a root's skill of the same id without a conflict.
     */
    public static SkillCatalog scan(List<Root> roots, List<String> earlier, Path fallback) {
        SkillCatalog c = new SkillCatalog(roots);
        c.problems.addAll(earlier);
        c.add(roots);
        if (fallback != null && Files.isDirectory(fallback)) {
            for (Path dir : skillDirs(fallback)) {
                String id = fallback.relativize(dir).toString().replace('\\', '/');
                if (id.isEmpty() || c.byId.containsKey(id)) continue;
                try {
                    c.byId.put(id, SkillParser.read(dir, id, null));
                } catch (AoException e) {
                    c.problems.add(e.getMessage());
                }
            }
        }
        return c;
    }

    private void add(List<Root> roots) {
        SkillCatalog c = this;
        for (Root root : roots) {
            if (!Files.isDirectory(root.dir())) continue;
            boolean fromSource = root.source() != null;
            for (Path dir : skillDirs(root.dir(), fromSource)) {
                String rel = root.dir().relativize(dir).toString().replace('\\', '/');
                String id = fromSource ? sourceId(root.source().name(), rel) : rel.isEmpty() ? dir.getFileName().toString() : rel;
                try {
                    Skill s = SkillParser.read(dir, id, root.source());
                    Skill prev = c.byId.get(id);
                    if (prev != null) {
                        c.conflicts.add(new Conflict(id, prev.dir(), dir));
                    } else {
                        c.byId.put(id, s);
                    }
                } catch (AoException e) {
                    c.problems.add(e.getMessage());
                }
            }
        }
    }

    /** Folders never searched for skills or scripts: hidden ones (.git), node_modules, __pycache__. */
    public static boolean ignored(Path dir, Path root) {
        String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
        return !dir.equals(root) && (n.startsWith(".") || n.equals("node_modules") || n.equals("__pycache__"));
    }

    /**
     * In a git source, dot-folders hold skills too (openai/skills keeps them all under skills/.curated, .system,
     * .experimental); only .git and the build leftovers are skipped.
     */
    public static boolean ignoredInSource(String name) {
        return name.equals(".git") || name.equals("node_modules") || name.equals("__pycache__");
    }

    /**
     * The id of a skill of a git source: the source's name, then the skill's folder under the source's root without
     * the dot-folders and a leading {@code skills/} that only sort it: {@code anthropics/pdf} for
     * {@code skills/pdf}, {@code openai/gh-fix-ci} for {@code skills/.curated/gh-fix-ci}. Two sources may each have a
     * {@code skill-creator}; both are usable by their ids. The source's root being the skill itself: its name.
     */
    public static String sourceId(String source, String rel) {
        List<String> segs = new ArrayList<>();
        for (String seg : rel.split("/")) if (!seg.isEmpty() && !seg.startsWith(".")) segs.add(seg);
        if (segs.size() > 1 && segs.get(0).equals("skills")) segs.remove(0);
        return segs.isEmpty() ? source : source + "/" + String.join("/", segs);
    }

    /** The folders under {@code root} holding a SKILL.md, sorted; hidden folders and a skill's own subfolders are skipped. */
    public static List<Path> skillDirs(Path root) {
        return skillDirs(root, false);
    }

    /** As {@link #skillDirs(Path)}; {@code source}: a git source's root, whose dot-folders are searched too. */
    public static List<Path> skillDirs(Path root, boolean source) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (source ? !dir.equals(root) && ignoredInSource(dir.getFileName().toString()) : ignored(dir, root)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    if (Files.isRegularFile(dir.resolve(SkillParser.FILE))) {
                        out.add(dir);
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new AoException(dev.ao.engine.ExitCode.FAILED, root + ": cannot scan for skills: " + e.getMessage());
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    public List<Root> roots() {
        return roots;
    }

    public List<Skill> all() {
        return List.copyOf(byId.values());
    }

    public List<Conflict> conflicts() {
        return List.copyOf(conflicts);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** By id ({@code k8s/bulk-restart}), else by front matter name or folder name if that is unambiguous. */
    public Optional<Skill> find(String nameOrId) {
        Skill s = byId.get(nameOrId);
        if (s != null) return Optional.of(s);
        List<Skill> matches = byId.values().stream()
                .filter(x -> x.name().equals(nameOrId) || x.dir().getFileName().toString().equals(nameOrId)).toList();
        if (matches.size() > 1) {
            throw AoException.usage("skill name '" + nameOrId + "' is ambiguous: "
                    + String.join(", ", matches.stream().map(Skill::id).toList()) + "; use the full id");
        }
        return matches.stream().findFirst();
    }
}
