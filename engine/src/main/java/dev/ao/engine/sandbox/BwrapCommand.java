package dev.ao.engine.sandbox;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link SandboxPolicy} into a bubblewrap command line. The only place that knows bwrap's flags.
 *
 * <p>Order matters to bwrap: later mounts cover earlier ones. The read-only root comes first, then the kernel's
 * settings made read-only, an empty {@code /run}, the folders opened for the sandbox uid, the private {@code /tmp},
 * the writable binds and the read-only holes in them, the hidden paths (ao's run store among them), and last what
 * must show through a hidden path: the run's own workspace and io folder, and copied credential files.
 *
 * <p>Files bwrap reads from a descriptor (the seccomp program, the parameters, copied files) are opened by the
 * launch shim of {@code ProcessSupervisor}: {@link Launch#fdFiles} in order from {@link #FIRST_FILE_FD}, the
 * parameters from stdin moved to {@link #PARAMS_FD}.
 */
public final class BwrapCommand {
    public static final int PARAMS_FD = 9;
    public static final int FIRST_FILE_FD = 3;
    /** The launch shim is {@code /bin/sh}: dash knows descriptors 0 to 9 only (9 carries the parameters). */
    public static final int MAX_FD_FILES = 6;

    /** The command line, and the files the launch shim must open as descriptors for it. */
    public record Launch(List<String> argv, List<Path> fdFiles, boolean paramsOnStdin) {}

    private BwrapCommand() {}

    public static Launch wrap(String bwrap, String setpriv, SandboxPolicy p, List<String> command) {
        Args a = new Args();
        List<Path> fds = new ArrayList<>();
        a.add(bwrap);
        a.add("--ro-bind"); a.add("/"); a.add("/");
        a.add("--dev"); a.add("/dev");
        a.add("--proc"); a.add("/proc");
        // a fresh /proc is writable for a uid 0 inside: the host kernel's settings must not be
        for (String k : List.of("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/sys")) {
            if (Files.exists(Path.of(k))) bind(a, "--ro-bind", Path.of(k));
        }
        // host sockets (D-Bus, docker.sock, systemd) live under /run: none is reachable
        a.add("--tmpfs"); a.add("/run"); a.tmpfs(Path.of("/run"));
        if (Files.isDirectory(Path.of("/var/run"), LinkOption.NOFOLLOW_LINKS)) { a.add("--tmpfs"); a.add("/var/run"); a.tmpfs(Path.of("/var/run")); }
        if (p.network()) resolverUnderRun().ifPresent(r -> bind(a, "--ro-bind", r));
        a.add("--dir"); a.add(SandboxPolicy.RUN_DIR);
        if (p.lib() != null && Files.isDirectory(p.lib())) {
            a.add("--ro-bind"); a.add(p.lib().toString()); a.add(SandboxPolicy.LIB);
        }
        a.add("--perms"); a.add("0444");
        a.add("--file"); a.add(Integer.toString(PARAMS_FD)); a.add(SandboxPolicy.PARAMS);
        for (String t : List.of("/tmp", "/dev/shm")) {
            a.add("--perms"); a.add("1777");
            if (p.limits().maxDisk() > 0) { a.add("--size"); a.add(Long.toString(p.limits().maxDisk())); }
            a.add("--tmpfs"); a.add(t);
            a.tmpfs(Path.of(t));
        }
        // closed folders come after /tmp: a path a person named under the host's /tmp may pass one
        for (Traversal.Step s : p.traversal().steps()) {
            if (s.mask()) {
                a.parents(s.path());
                a.add("--perms"); a.add("0755");
                a.add("--tmpfs"); a.add(s.path().toString());
                a.tmpfs(s.path());
            } else if (Files.exists(s.path())) {
                bind(a, "--ro-bind", s.path());
            }
        }
        for (Path v : p.readable()) {
            if (v.startsWith("/tmp") && Files.exists(v)) bind(a, "--ro-bind", v);
        }
        if (p.mode() == SandboxMode.WORKSPACE_WRITE) {
            for (Path w : p.writable()) {
                if (Files.exists(w)) bind(a, "--bind", w);
            }
            for (Path r : p.readOnly()) {
                if (Files.exists(r)) bind(a, "--ro-bind", r);
            }
        }
        List<Path> hiddenDirs = new ArrayList<>();
        for (Path h : p.hidden()) {
            if (Files.isDirectory(h)) {
                a.add("--tmpfs"); a.add(h.toString());
                a.tmpfs(h);
                hiddenDirs.add(h);
            } else if (Files.exists(h, LinkOption.NOFOLLOW_LINKS)) {
                a.add("--ro-bind"); a.add("/dev/null"); a.add(h.toString());
            }
        }
        // what a person named explicitly shows through a hidden path (never through the run store: see the planner)
        for (Path v : p.readable()) {
            if (under(v, p.hidden()) && Files.exists(v)) bind(a, "--ro-bind", v);
        }
        if (p.mode() == SandboxMode.WORKSPACE_WRITE) {
            for (Path w : p.writable()) {
                if (under(w, p.hidden()) && Files.exists(w)) bind(a, "--bind", w);
            }
        } else if (under(p.workspace(), p.hidden()) && Files.isDirectory(p.workspace())) {
            bind(a, "--ro-bind", p.workspace());   // read-only mode still starts in its (run store) workspace
        }
        bind(a, "--bind", p.io());
        for (Path c : p.copies()) {
            fds.add(c);
            a.parents(c);
            a.add("--perms"); a.add("0444");
            a.add("--ro-bind-data"); a.add(Integer.toString(FIRST_FILE_FD + fds.size() - 1)); a.add(c.toString());
        }
        // read-only only now: bwrap had to make the mount points of what shows through them
        for (Path h : hiddenDirs) { a.add("--remount-ro"); a.add(h.toString()); }
        // both together guarantee that killing bwrap kills every process in the sandbox
        a.add("--unshare-pid");
        a.add("--die-with-parent");
        a.add("--new-session");
        a.add("--unshare-ipc");
        if (!p.network()) a.add("--unshare-net");
        // bwrap keeps every capability when started by root; without this, root inside could remount / read-write
        a.add("--cap-drop"); a.add("ALL");
        if (p.runAs().isPresent()) {
            // just enough for setpriv to become the sandbox uid; it then holds no capability at all
            for (String cap : List.of("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")) { a.add("--cap-add"); a.add(cap); }
        }
        p.seccomp().ifPresent(f -> {
            fds.add(f);
            a.add("--seccomp"); a.add(Integer.toString(FIRST_FILE_FD + fds.size() - 1));
        });
        a.add("--chdir"); a.add(p.workspace().toString());
        a.add("--");
        p.runAs().ifPresent(r -> a.addAll(List.of(setpriv, "--reuid", Integer.toString(r.uid()), "--regid", Integer.toString(r.gid()),
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--")));
        a.addAll(command);
        return new Launch(List.copyOf(a), List.copyOf(fds), true);
    }

    /**
     * The argument list, and the empty tmpfs mounts made so far. bwrap makes the missing parents of a mount point
     * with mode 0700, which an unprivileged sandbox uid cannot pass: inside our own tmpfs mounts they are made
     * first, 0755.
     */
    private static final class Args extends ArrayList<String> {
        private final List<Path> tmpfs = new ArrayList<>();
        private final java.util.Set<Path> made = new java.util.HashSet<>();

        void tmpfs(Path p) {
            tmpfs.add(p);
            made.removeIf(d -> d.startsWith(p));   // covered: they must be made again inside the new mount
        }

        void parents(Path dest) {
            Path root = null;
            for (Path t : tmpfs) {
                if (dest.startsWith(t) && !dest.equals(t) && (root == null || t.getNameCount() > root.getNameCount())) root = t;
            }
            if (root == null) return;
            List<Path> chain = new ArrayList<>();
            for (Path d = dest.getParent(); d != null && !d.equals(root); d = d.getParent()) chain.add(0, d);
            for (Path d : chain) {
                if (!made.add(d)) continue;
                add("--perms"); add("0755");
                add("--dir"); add(d.toString());
            }
        }
    }

    private static boolean under(Path p, List<Path> roots) {
        for (Path r : roots) if (p.startsWith(r)) return true;
        return false;
    }

    /** {@code /etc/resolv.conf} as a link into {@code /run} (systemd-resolved): name resolution needs its target. */
    private static java.util.Optional<Path> resolverUnderRun() {
        try {
            Path target = Path.of("/etc/resolv.conf").toRealPath();
            return target.startsWith("/run") ? java.util.Optional.of(target) : java.util.Optional.empty();
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static void bind(Args a, String flag, Path path) {
        a.parents(path);
        a.add(flag);
        a.add(path.toString());
        a.add(path.toString());
    }
}
