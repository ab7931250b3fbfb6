package dev.ao.engine.ci;

import dev.ao.engine.AoException;

import java.util.Locale;
import java.util.Map;

/** The CI system {@code ao run} reports to: named by {@code --ci}, or found from the runner's own variables. */
public enum CiTarget {
    GITHUB, GITLAB, NONE;

    /** {@code auto} (or null) reads {@code GITHUB_ACTIONS=true} / {@code GITLAB_CI=true}; anything else is a usage error. */
    public static CiTarget of(String flag, Map<String, String> env) {
        String f = flag == null ? "auto" : flag.strip().toLowerCase(Locale.ROOT);
        return switch (f) {
            case "auto" -> "true".equals(env.get("GITHUB_ACTIONS")) ? GITHUB : "true".equals(env.get("GITLAB_CI")) ? GITLAB : NONE;
            case "github" -> GITHUB;
            case "gitlab" -> GITLAB;
            case "none" -> NONE;
            default -> throw AoException.usage("--ci must be auto, github, gitlab or none, got '" + flag + "'");
        };
    }
}
