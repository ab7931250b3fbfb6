package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The environment a script gets: a core set, the variables its demands name (and those its demanded binaries
 * need: {@code KUBECONFIG} for kubectl, {@code AWS_*} for aws), and {@code [sandbox] env_include} globs.
 * Anything that looks like a secret is dropped unless a demand or an include names it.
 */
public final class EnvPolicy {
    public static final List<String> CORE = List.of("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "USER",
            "LOGNAME", "TZ", "SHELL", "PYENV_ROOT", "PYENV_VERSION", "NODE_PATH", "JAVA_HOME");
    private static final List<String> SECRET_WORDS = List.of("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL");
    /** Variables a demanded binary needs to find its credentials; passed only when that binary is demanded. */
    private static final Map<String, List<String>> BINARY_ENV = Map.of(
            "kubectl", List.of("KUBECONFIG"),
            "aws", List.of("AWS_*"),
            "git", List.of("GIT_*"),
            "gh", List.of("GH_*", "GITHUB_TOKEN"));

    /** The environment, and which passed variables looked secret (their values are masked in logs). */
    public record Result(Map<String, String> env, List<String> secretValues, List<String> dropped) {}

    private EnvPolicy() {}

    public static boolean looksSecret(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (String w : SECRET_WORDS) if (n.contains(w)) return true;
        return false;
    }

    public static Result apply(Map<String, String> host, Demands demands, List<String> includes) {
        List<String> named = new ArrayList<>(demands.env());
        for (String b : demands.binaries()) named.addAll(BINARY_ENV.getOrDefault(b, List.of()));
        named.addAll(includes);
        Map<String, String> out = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, String> e : host.entrySet()) {
            String k = e.getKey();
            boolean isNamed = matchesAny(k, named);
            boolean core = CORE.contains(k);
            if (!(core || isNamed)) {
                if (looksSecret(k)) dropped.add(k);
                continue;
            }
            if (looksSecret(k) && !isNamed) {
                dropped.add(k);
                continue;
            }
            out.put(k, e.getValue());
            if (looksSecret(k) && e.getValue() != null && e.getValue().length() >= 4) secrets.add(e.getValue());
        }
        return new Result(out, secrets, dropped);
    }

    /** A {@code demands.env} entry that names variables by pattern ({@code *}, {@code AWS_*}) rather than one by name. */
    public static boolean isWildcard(String entry) {
        return entry.contains("*") || entry.contains("?") || entry.contains("[");
    }

    /**
     * Why {@code demands.env} needs a person's approval, or null: it names secret-looking variables, or takes
     * variables by wildcard. Wildcards are resolved against {@code host} so the reason lists what would be passed;
     * names only, never values.
     */
    public static String approvalReason(Map<String, String> host, Demands demands) {
        List<String> parts = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String v : demands.env()) {
            if (!isWildcard(v) && looksSecret(v) && !named.contains(v)) named.add(v);
        }
        List<String> secretGroups = new ArrayList<>(named.isEmpty() ? List.of() : List.of(names(named)));
        List<String> plainWildcards = new ArrayList<>();
        for (String w : demands.env()) {
            if (!isWildcard(w)) continue;
            List<String> matched = host.keySet().stream().filter(k -> matchesAny(k, List.of(w))).sorted().toList();
            List<String> secret = matched.stream().filter(EnvPolicy::looksSecret).toList();
            if (!secret.isEmpty()) secretGroups.add(names(secret) + " (from \"" + w + "\")");
            else plainWildcards.add("\"" + w + "\" (" + matched.size() + " set now" + (matched.isEmpty() ? "" : ": " + names(matched)) + ")");
        }
        if (!secretGroups.isEmpty()) parts.add("demands.env passes secret-looking variables: " + String.join(", ", secretGroups));
        if (!plainWildcards.isEmpty()) parts.add("demands.env passes variables by wildcard " + String.join(", ", plainWildcards));
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private static String names(List<String> names) {
        int shown = Math.min(names.size(), 12);
        return String.join(", ", names.subList(0, shown)) + (names.size() > shown ? " and " + (names.size() - shown) + " more" : "");
    }

    /** Names of demanded env vars that are not set, in the order the script lists them. */
    public static List<String> missing(Map<String, String> host, Demands demands) {
        List<String> out = new ArrayList<>();
        for (String v : demands.env()) {
            if (!isWildcard(v) && (host.get(v) == null || host.get(v).isEmpty())) out.add(v);
        }
        return out;
    }

    private static boolean matchesAny(String name, List<String> globs) {
        for (String g : globs) {
            if (g.equals(name)) return true;
            if (isWildcard(g)) {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + g);
                if (m.matches(Path.of(name))) return true;
            }
        }
        return false;
    }

    static Set<String> secretWords() { return Set.copyOf(SECRET_WORDS); }
}
