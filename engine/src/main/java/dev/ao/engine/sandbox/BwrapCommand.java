package dev.ao.engine.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link SandboxPolicy} into a bubblewrap command line. The only place that knows bwrap's flags.
 *
 * <p>Order matters to bwrap: later mounts cover earlier ones, so the read-only root comes first, then the
 * private {@code /tmp}, the writable binds, the read-only holes in them, and last the hidden paths, which
 * therefore stay hidden even inside a writable root.
 */
public final class BwrapCommand {

    private BwrapCommand() {}

    public static List<String> wrap(String bwrap, SandboxPolicy p, List<String> command) {
        List<String> a = new ArrayList<>();
        a.add(bwrap);
        a.add("--ro-bind"); a.add("/"); a.add("/");
        a.add("--dev"); a.add("/dev");
        a.add("--proc"); a.add("/proc");
        a.add("--tmpfs"); a.add("/tmp");
        for (Path v : p.visible()) {
            if (v.startsWith("/tmp") && Files.exists(v)) bind(a, "--ro-bind", v);
        }
        if (p.mode() == SandboxMode.WORKSPACE_WRITE) {
            for (Path w : p.writable()) {
                if (Files.isDirectory(w)) bind(a, "--bind", w);
            }
            for (Path r : p.readOnly()) {
                if (Files.exists(r)) bind(a, "--ro-bind", r);
            }
        }
        bind(a, "--bind", p.private_());
        for (Path h : p.hidden()) {
            if (Files.isDirectory(h)) {
                a.add("--tmpfs"); a.add(h.toString());
                a.add("--remount-ro"); a.add(h.toString());
            } else if (Files.exists(h)) {
                a.add("--ro-bind"); a.add("/dev/null"); a.add(h.toString());
            }
        }
        // both together guarantee that killing bwrap kills every process in the sandbox
        a.add("--unshare-pid");
        a.add("--die-with-parent");
        a.add("--new-session");
        a.add("--unshare-ipc");
        // bwrap keeps every capability when started by root; without this, root inside could remount / read-write
        a.add("--cap-drop"); a.add("ALL");
        if (!p.network()) a.add("--unshare-net");
        a.add("--chdir"); a.add(p.workspace().toString());
        a.add("--");
        a.addAll(command);
        return a;
    }

    private static void bind(List<String> a, String flag, Path path) {
        a.add(flag);
        a.add(path.toString());
        a.add(path.toString());
    }
}
