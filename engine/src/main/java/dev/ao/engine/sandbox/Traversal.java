package dev.ao.engine.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes the paths a run needs reachable for an unprivileged sandbox uid. A root ao's script runs as another uid,
 * which cannot pass through a folder like {@code /root} (mode 0700) to reach the interpreter under
 * {@code /root/.pyenv} or a project cloned under {@code /root}. Inside the sandbox such a folder is replaced by an
 * empty tmpfs ({@link Plan#masks}) into which only the needed subtrees are bound back ({@link Plan#reveals}): the
 * script gains no access to anything else in it, which it could not have read anyway.
 */
public final class Traversal {

    /**
     * Mounts in the order to apply them: a mask covers a folder with an empty, traversable tmpfs; a reveal binds a
     * subtree back (read-only) into the mask above it. Sorted by depth (a reveal before a mask of the same folder),
     * so a mask comes after the reveal that
     * brought its folder back.
     */
    public record Plan(List<Step> steps) {
        public static final Plan NONE = new Plan(List.of());

        public boolean isEmpty() { return steps.isEmpty(); }
    }

    public record Step(Path path, boolean mask) {}

    /** A closed folder with more entries than this is left closed: one bind per entry would not scale. */
    static final int MAX_ENTRIES = 256;

    private Traversal() {}

    public static Plan plan(Collection<Path> needed, int uid, int gid) {
        Set<Step> steps = new LinkedHashSet<>();
        // the chains share their heads (/, /root, /usr): each folder is looked at once
        java.util.Map<Path, Boolean> open = new java.util.HashMap<>();
        for (Path p : needed) {
            Path abs = p.toAbsolutePath().normalize();
            List<Path> chain = new ArrayList<>();
            for (Path a = abs; a != null; a = a.getParent()) chain.add(0, a);
            // every closed folder on the way (not the path itself: a bind keeps its own mode) is masked, its next step revealed
            for (int i = 1; i < chain.size() - 1; i++) {
                if (open.computeIfAbsent(chain.get(i), d -> searchable(d, uid, gid))) continue;
                steps.add(new Step(chain.get(i), true));
                steps.add(new Step(chain.get(i + 1), false));
            }
            // a closed folder that is itself needed (a script's 0700 folder): masked, and its entries bound back one by one
            if (chain.size() > 1 && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS) && !searchable(abs, uid, gid)) {
                try (var entries = Files.list(abs)) {
                    List<Path> children = entries.limit(MAX_ENTRIES + 1).toList();
                    if (children.size() <= MAX_ENTRIES) {
                        steps.add(new Step(abs, true));
                        children.forEach(c -> steps.add(new Step(c, false)));
                    }
                } catch (IOException e) {
                    // unreadable even for ao: the script will say what it misses
                }
            }
        }
        List<Step> ordered = new ArrayList<>(steps);
        ordered.sort(Comparator.comparingInt((Step s) -> s.path().getNameCount()).thenComparing(Step::mask));
        return new Plan(List.copyOf(ordered));
    }

    /** Whether {@code uid}/{@code gid} may pass through folder {@code d}; a missing folder needs nothing. */
    static boolean searchable(Path d, int uid, int gid) {
        try {
            Map<String, Object> a = Files.readAttributes(d, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            if ((mode & 0170000) == 0120000) return true;   // a link: its target is checked as its own path
            if ((Integer) a.get("uid") == uid) return (mode & 0100) != 0;
            if ((Integer) a.get("gid") == gid) return (mode & 0010) != 0;
            return (mode & 0001) != 0;
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }
}
