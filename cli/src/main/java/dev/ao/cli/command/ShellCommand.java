package dev.ao.cli.command;

import dev.ao.cli.Context;
import dev.ao.cli.shell.AoShell;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code ao shell}: every ao command in one session, with completion and history. */
@Command(name = "shell", description = {"An interactive shell for ao commands, with completion and history.",
        "Tab completes commands, options, skill names, run ids and a skill's parameters. History is kept in "
                + "<state dir>/shell_history. Ctrl-C cancels the line being edited or the running command; Ctrl-D, "
                + "'exit' or 'quit' leaves. Without a terminal (stdin piped, CI=true) it runs the commands read from "
                + "stdin, one per line, with no prompt and no colour."},
        footerHeading = "%nExamples:%n",
        footer = {"  ao shell",
                "  printf 'runs list -o json\\nconfig show\\n' | ao shell",
                "  ao shell -e < checks.ao       # stop at the first command that fails",
                "",
                "Exit code: that of the last command (or 'exit N'); a command canceled with Ctrl-C ends a piped session with 130."})
public final class ShellCommand implements Callable<Integer> {
    private final Context ctx;
    @Spec CommandSpec spec;

    @Option(names = {"-e", "--exit-on-error"}, description = "Without a terminal: stop at the first command that exits non-zero.")
    boolean exitOnError;

    public ShellCommand(Context ctx) { this.ctx = ctx; }

    @Override
    public Integer call() throws Exception {
        AoShell shell = new AoShell(ctx, spec.commandLine().getOut(), spec.commandLine().getErr(), exitOnError);
        if (ctx.terminal().interactive()) return shell.interactive();
        return shell.script(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    }
}
