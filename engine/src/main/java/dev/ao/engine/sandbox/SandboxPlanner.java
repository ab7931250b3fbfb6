package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what a run may see: which credentials stay hidden (all of them, unless a demanded binary needs
 * them), which folders are writable, and which holes inside them stay read-only.
 */
public final class SandboxPlanner {

    /** Hidden from every run: keys and tokens no script should read by accident. */
    public static List<Path> alwaysHidden(Path home) {
        return List.of(home.resolve(".ssh"), home.resolve(".gnupg"), home.resolve(".netrc"),
                home.resolve(".docker/config.json"), home.resolve(".config/gh"), home.resolve(".git-credentials"));
    }

    private SandboxPlanner() {}

    public static SandboxPolicy plan(SandboxMode mode, boolean network, Path workspace, Path privateDir,
                                     List<Path> visible, List<Path> writableRoots, List<Path> denyRead, Demands demands,
                                     Map<String, String> env, Limits limits) {
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        Set<Path> hidden = new LinkedHashSet<>(alwaysHidden(home));
        if (!demands.demandsBinary("kubectl")) {
            hidden.add(home.resolve(".kube"));
            String kc = env.get("KUBECONFIG");
            if (kc != null && !kc.isBlank()) {
                for (String p : kc.split(":")) if (!p.isBlank()) hidden.add(Path.of(p).toAbsolutePath().normalize());
            }
        }
        if (!demands.demandsBinary("aws")) {
            hidden.add(home.resolve(".aws"));
            for (String v : List.of("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")) {
                String p = env.get(v);
                if (p != null && !p.isBlank()) hidden.add(Path.of(p).toAbsolutePath().normalize());
            }
        }
        hidden.addAll(denyRead);
        List<Path> writable = new ArrayList<>();
        List<Path> readOnly = new ArrayList<>();
        if (mode == SandboxMode.WORKSPACE_WRITE) {
            writable.add(workspace);
            writable.addAll(writableRoots);
            for (Path w : writable) {
                readOnly.add(w.resolve(".git"));
                readOnly.add(w.resolve("dotcodex"));
            }
        }
        return new SandboxPolicy(mode, network, workspace, List.copyOf(writable), List.copyOf(readOnly),
                List.copyOf(hidden), List.copyOf(visible), privateDir, limits);
    }
}
