package dev.ao.cli.command;

import dev.ao.cli.Context;
import dev.ao.engine.AoException;
import dev.ao.tui.Backend;
import dev.ao.tui.Tui;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ao tui}: the full-screen terminal UI over skills, runs, logs and approvals. */
@Command(name = "tui", description = {"Full-screen terminal UI: skills, live runs, run details with logs, approvals.",
        "Runs started here are detached: they go on after you quit. Press ? inside for the keys."})
public final class TuiCommand implements Callable<Integer> {
    /** When set, the TUI writes the time to its first drawn runs table into this file (bench/tui-bench.sh). */
    static final String BENCH_ENV = "AO_TUI_BENCH";

    private final Context ctx;
    @Spec CommandSpec spec;

    public TuiCommand(Context ctx) { this.ctx = ctx; }

    /** Outside the project on purpose: a broken config must not keep the TUI from starting. */
    private Path errorLog() {
        String xdg = ctx.env().get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(ctx.env().getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
        return base.resolve("ao").resolve("tui.log");
    }

    @Override
    public Integer call() throws Exception {
        if (System.console() == null) {
            throw AoException.usage("ao tui needs an interactive terminal; use 'ao runs list' or 'ao skill list' in scripts");
        }
        Backend backend = new Backend(ctx.cwd(), ctx.env(), RunCommand.launcherCommand());
        String bench = ctx.env().get(BENCH_ENV);
        Tui.run(backend, bench == null || bench.isBlank() ? null : Path.of(bench), errorLog());
        return 0;
    }
}
