package dev.ao.cli.command;

import dev.ao.cli.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Placeholder: being built. */
@Command(name = "tui", description = "(being built)")
public final class TuiCommand implements Callable<Integer> {
    private final Context ctx;
    @Spec CommandSpec spec;

    public TuiCommand(Context ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("ao tui: not available yet");
        return 1;
    }
}
