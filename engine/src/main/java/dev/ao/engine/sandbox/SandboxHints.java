package dev.ao.engine.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a failed run's stderr into the sandbox's part of the story: a path that exists on the host but is not
 * visible in the sandbox, or a refused connection while network is off, named with the flag that fixes it.
 */
public final class SandboxHints {
    private static final Pattern PATH = Pattern.compile("(?<![\\w.])(/[\\w.@+\\-]+(?:/[\\w.@+\\-]+)*)");
    private static final List<String> NETWORK_WORDS = List.of("connection refused", "network is unreachable",
            "temporary failure in name resolution", "could not resolve host", "name or service not known",
            "failed to establish a new connection", "no route to host");

    private static final List<String> MISSING_WORDS = List.of("no such file", "not found", "cannot access", "can't open",
            "cannot open", "does not exist", "permission denied", "not a directory");

    private SandboxHints() {}

    /** One clause to append to the failure reason, or null when the sandbox does not explain it. */
    public static String explain(String stderrTail, SandboxPolicy p) {
        if (stderrTail == null || stderrTail.isEmpty() || !p.confined()) return null;
        for (String line : stderrTail.split("\n")) {
            String l = line.toLowerCase(Locale.ROOT);
            if (MISSING_WORDS.stream().noneMatch(l::contains)) continue;   // a traceback's own frames name files that are there
            Matcher m = PATH.matcher(line);
            while (m.find()) {
                Path path = Path.of(m.group(1)).normalize();
                if (path.startsWith(SandboxPolicy.RUN_DIR) || !Files.exists(path)) continue;
                if (visible(path, p)) {
                    if (p.runAs().isPresent() && l.contains("permission denied") && Files.isRegularFile(path)
                            && !SandboxPlanner.readableBy(path, p.runAs().get().uid(), p.runAs().get().gid())) {
                        return path + " is not readable by uid " + p.runAs().get().uid() + ", which scripts run as when ao is root;"
                                + " make it readable to others (chmod o+r) or run ao as a user who can read it";
                    }
                    continue;
                }
                return path + " exists on the host but is not visible in the sandbox; pass it as a path parameter or use --allow-read "
                        + path + (p.mode() == SandboxMode.WORKSPACE_WRITE ? " (--allow-write to write it)" : "");
            }
        }
        String lower = stderrTail.toLowerCase(Locale.ROOT);
        if (!p.network()) {
            for (String w : NETWORK_WORDS) {
                if (lower.contains(w)) return "network is off for this run (\"" + w + "\"); --network turns it on";
            }
        }
        return null;
    }

    /** Whether the sandbox shows {@code path} (as far as its mounts decide; permissions aside). */
    static boolean visible(Path path, SandboxPolicy p) {
        for (Path w : p.writable()) if (path.startsWith(w)) return !hiddenIn(path, p) || named(path, p);
        for (Path r : p.readable()) if (path.startsWith(r)) return !hiddenIn(path, p) || named(path, p);
        if (path.startsWith(p.io())) return true;
        if (hiddenIn(path, p)) return false;
        if (path.startsWith("/tmp") || path.startsWith("/run") || path.startsWith("/var/run") || path.startsWith("/dev/shm")) return false;
        // the deepest step on the way decides: a mask hides, a reveal shows (steps are ordered by depth)
        boolean shown = true;
        for (Traversal.Step s : p.traversal().steps()) if (path.startsWith(s.path())) shown = !s.mask();
        return shown;
    }

    private static boolean hiddenIn(Path path, SandboxPolicy p) {
        for (Path h : p.hidden()) if (path.startsWith(h)) return true;
        return false;
    }

    private static boolean named(Path path, SandboxPolicy p) {
        for (Path r : p.readable()) if (path.startsWith(r) && hiddenIn(r, p)) return true;
        for (Path w : p.writable()) if (path.startsWith(w) && hiddenIn(w, p)) return true;
        return false;
    }
}
