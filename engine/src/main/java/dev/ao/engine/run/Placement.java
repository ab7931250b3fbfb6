package dev.ao.engine.run;

import dev.ao.engine.AoException;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a run's script runs: {@code local} (here, in bwrap) or {@code k8s} (a Kubernetes Job), with the tags that
 * choose its nodes ({@code [runners.k8s.tags.<tag>]}; every tag applies: required tags are ANDed).
 */
public record Placement(String runner, List<String> tags) {

    public static final String LOCAL_RUNNER = "local";
    public static final String K8S_RUNNER = "k8s";
    public static final Placement LOCAL = new Placement(LOCAL_RUNNER, List.of());
    public static final Pattern TAG = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?");

    public Placement {
        runner = runner == null ? LOCAL_RUNNER : runner;
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** From {@code --on} and {@code --tag}: one line naming the option when either is wrong. */
    public static Placement parse(String on, List<String> tags, String onWhere, String tagWhere) {
        String r = on == null || on.isBlank() ? LOCAL_RUNNER : on.strip();
        if (!r.equals(LOCAL_RUNNER) && !r.equals(K8S_RUNNER)) {
            throw AoException.usage(onWhere + ": unknown runner '" + r + "' (local or k8s)");
        }
        List<String> t = tags == null ? List.of() : tags;
        for (String tag : t) {
            if (!TAG.matcher(tag).matches()) {
                throw AoException.usage(tagWhere + ": tag '" + tag + "' must be 1-63 lowercase letters, digits, '.', '_' or '-'");
            }
        }
        if (!t.isEmpty() && r.equals(LOCAL_RUNNER)) {
            throw AoException.usage(tagWhere + ": tags choose Kubernetes nodes; add --on k8s");
        }
        return new Placement(r, t);
    }

    public boolean k8s() {
        return K8S_RUNNER.equals(runner);
    }
}
