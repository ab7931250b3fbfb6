package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Decides what a run may see: which credentials stay hidden (all of them, unless a demanded binary needs them),
 * which folders are writable and which holes inside them stay read-only, that ao's run store is invisible, and —
 * when ao is root — the unprivileged uid the script runs as and what must be opened or copied for that uid.
 */
public final class SandboxPlanner {
    /** A credential file the sandbox uid cannot read is copied in when it is at most this big. */
    static final long MAX_COPY = 1 << 20;
    /** Descriptors 3 to 8 carry the seccomp program and the copies: see {@link BwrapCommand#MAX_FD_FILES}. */
    private static final int MAX_COPIES = BwrapCommand.MAX_FD_FILES - 1;

    /**
     * What a run asks for.
     *
     * @param readable paths the script must read (project, script folder, cwd); path parameters go in {@code named}
     * @param named    paths a person named for this run: read-only path parameters and --allow-read; a path parameter
     *                 never shows through a hidden path, --allow-read does ({@code explicit})
     * @param writable writable_roots, --allow-write and write-access path parameters (workspace-write only)
     * @param store    ao's state folders (runs, lib): hidden from every run, whatever else is named
     */
    public record Request(SandboxMode mode, boolean network, Path workspace, Path io, Path lib, List<Path> readable,
                          List<Path> named, List<Path> explicit, List<Path> writable, List<Path> denyRead, List<Path> store,
                          Demands demands, Map<String, String> env, Identity identity, int sandboxUid,
                          Optional<Path> seccomp, Limits limits) {}

    /** Hidden from every run: keys and tokens no script should read by accident. */
    public static List<Path> alwaysHidden(Path home) {
        return List.of(home.resolve(".ssh"), home.resolve(".gnupg"), home.resolve(".netrc"),
                home.resolve(".docker/config.json"), home.resolve(".config/gh"), home.resolve(".git-credentials"),
                home.resolve(".npmrc"), home.resolve(".pgpass"), home.resolve(".pypirc"), home.resolve(".config/gcloud"),
                home.resolve(".azure"), home.resolve(".cargo/credentials"), home.resolve(".cargo/credentials.toml"),
                home.resolve(".terraform.d/credentials.tfrc.json"), home.resolve(".terraform.d/credentials"));
    }

    private SandboxPlanner() {}

    /** The home folders a run's hidden paths are relative to: the real one (password database) and {@code $HOME}. */
    public static List<Path> homes(Identity id, Map<String, String> env) {
        Set<Path> homes = new LinkedHashSet<>();
        homes.add(id.home());
        String h = env.get("HOME");
        if (h != null && h.startsWith("/")) homes.add(Path.of(h).normalize());
        return List.copyOf(homes);
    }

    public static SandboxPolicy plan(Request r) {
        List<Path> homes = homes(r.identity(), r.env());
        Set<Path> hidden = new LinkedHashSet<>();
        for (Path home : homes) hidden.addAll(alwaysHidden(home));
        List<Path> creds = new ArrayList<>();
        for (Path home : homes) {
            (r.demands().demandsBinary("kubectl") ? creds : hidden).add(home.resolve(".kube"));
            (r.demands().demandsBinary("aws") ? creds : hidden).add(home.resolve(".aws"));
        }
        for (String v : List.of("KUBECONFIG", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")) {
            boolean demanded = r.demands().demandsBinary(v.equals("KUBECONFIG") ? "kubectl" : "aws");
            for (Path p : envPaths(r.env().get(v))) (demanded ? creds : hidden).add(p);
        }
        hidden.addAll(r.denyRead());
        hidden.removeAll(creds);
        hidden.addAll(r.store());
        List<Path> hiddenList = List.copyOf(hidden);

        Set<Path> readable = new LinkedHashSet<>();
        for (Path p : r.readable()) if (!under(p, hiddenList) || fromSource(p, r.store()) || agentScriptDir(p, r.store())) readable.add(p);
        for (Path p : r.named()) if (!under(p, hiddenList)) readable.add(p);
        for (Path p : r.explicit()) if (!under(p, r.store())) readable.add(p);
        readable.addAll(creds);
        for (String dir : r.env().getOrDefault("PATH", "").split(":")) {
            if (dir.startsWith("/") && Files.isDirectory(Path.of(dir))) readable.add(Path.of(dir).normalize());
        }

        List<Path> writable = new ArrayList<>();
        List<Path> readOnly = new ArrayList<>();
        if (r.mode() == SandboxMode.WORKSPACE_WRITE) {
            writable.add(r.workspace());
            for (Path w : r.writable()) if (!under(w, r.store()) && !r.store().contains(w)) writable.add(w);
            for (Path w : writable) {
                readOnly.add(w.resolve(".git"));
                readOnly.add(w.resolve("dotcodex"));
            }
        }

        Optional<Identity.RunAs> runAs = r.mode() == SandboxMode.DANGER_FULL_ACCESS ? Optional.empty()
                : r.identity().runAs(r.sandboxUid());
        Traversal.Plan traversal = Traversal.Plan.NONE;
        List<Path> copies = new ArrayList<>();
        if (runAs.isPresent()) {
            int uid = runAs.get().uid();
            int gid = runAs.get().gid();
            Set<Path> needed = new LinkedHashSet<>(readable);
            needed.addAll(writable);
            needed.add(r.workspace());
            needed.add(r.io());
            if (r.lib() != null) needed.add(r.lib());
            List<Traversal.Step> steps = new ArrayList<>(Traversal.plan(needed, uid, gid).steps());
            // only demanded credentials are copied: a named path the sandbox uid cannot read stays unreadable, or
            // naming /etc/shadow as a path parameter (an MCP agent can) would hand it over
            for (Path c : creds) copyIn(c, uid, gid, steps, copies);
            traversal = new Traversal.Plan(List.copyOf(steps));
        }
        return new SandboxPolicy(r.mode(), r.network(), r.workspace(), List.copyOf(writable), List.copyOf(readOnly),
                hiddenList, List.copyOf(readable), r.io(), runAs, traversal, List.copyOf(copies),
                r.network() ? Optional.empty() : r.seccomp(), r.lib(), r.limits());
    }

    /**
     * A demanded credential the sandbox uid cannot read as it is (a 0600 kubeconfig, a 0700 {@code ~/.aws}): small
     * files are copied into the sandbox at the same path; a closed folder becomes a tmpfs holding those copies.
     */
    private static void copyIn(Path cred, int uid, int gid, List<Traversal.Step> steps, List<Path> copies) {
        if (Files.isRegularFile(cred)) {
            if (!readableBy(cred, uid, gid) && size(cred) <= MAX_COPY && copies.size() < MAX_COPIES) copies.add(cred);
            return;
        }
        if (!Files.isDirectory(cred, LinkOption.NOFOLLOW_LINKS)) return;
        boolean closed = !Traversal.searchable(cred, uid, gid);
        if (closed) steps.add(new Traversal.Step(cred, true));
        try (Stream<Path> files = Files.list(cred)) {
            for (Path f : files.sorted().toList()) {
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || size(f) > MAX_COPY || copies.size() >= MAX_COPIES) continue;
                if (closed || !readableBy(f, uid, gid)) copies.add(f);
            }
        } catch (IOException e) {
            // unreadable even for ao: the script will say what it misses
        }
    }

    static boolean readableBy(Path f, int uid, int gid) {
        try {
            Map<String, Object> a = Files.readAttributes(f, "unix:mode,uid,gid");
            int mode = (Integer) a.get("mode");
            if ((Integer) a.get("uid") == uid) return (mode & 0400) != 0;
            if ((Integer) a.get("gid") == gid) return (mode & 0040) != 0;
            return (mode & 0004) != 0;
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static List<Path> envPaths(String value) {
        List<Path> out = new ArrayList<>();
        if (value == null || value.isBlank()) return out;
        for (String p : value.split(":")) if (!p.isBlank()) out.add(Path.of(p).toAbsolutePath().normalize());
        return out;
    }

    /**
     * Skills pulled from git live in the state folder ({@code <state>/sources}): a run of one must read its own
     * folder, which is then shown read-only through the hidden store (and nothing else of it).
     */
    private static boolean fromSource(Path p, List<Path> stores) {
        for (Path s : stores) if (p.startsWith(s.resolve("sources")) && !p.equals(s.resolve("sources"))) return true;
        return false;
    }

    /**
     * The folder {@code ao mcp} wrote one agent's script into ({@code <store>/mcp/<id>/}, nothing else in it): it shows
     * through the hidden run store read-only, so the script can be run where it was written. Nothing else of the
     * store does.
     */
    static boolean agentScriptDir(Path p, List<Path> stores) {
        Path parent = p.normalize().getParent();
        for (Path s : stores) {
            if (parent != null && (parent.equals(s.resolve(AGENT_SCRIPTS)) || parent.equals(s.resolve(INLINE_SCRIPTS)))) return true;
        }
        return false;
    }

    /** The store's folder of workflows' inline {@code run:} scripts, one folder per job and run (the same rule). */
    public static final String INLINE_SCRIPTS = "inline";

    /** The store's folder of scripts agents wrote through {@code ao mcp}, one folder per script. */
    public static final String AGENT_SCRIPTS = "mcp";

    static boolean under(Path p, List<Path> roots) {
        for (Path r : roots) if (p.startsWith(r)) return true;
        return false;
    }
}
