package dev.ao.cli;

import java.util.List;

import dev.ao.cli.command.CompleteCommand;
import dev.ao.cli.command.CompletionCommand;
import dev.ao.cli.command.ConcurrencyCommand;
import dev.ao.cli.command.HelpCommand;
import dev.ao.cli.command.ManCommand;
import dev.ao.cli.command.ConfigCommand;
import dev.ao.cli.command.CredentialsCommand;
import dev.ao.cli.command.DoctorCommand;
import dev.ao.cli.command.McpCommand;
import dev.ao.cli.command.RunCommand;
import dev.ao.cli.command.RunsCommand;
import dev.ao.cli.command.ScriptCommand;
import dev.ao.cli.command.ShellCommand;
import dev.ao.cli.command.SkillCommand;
import dev.ao.cli.command.TuiCommand;
import dev.ao.cli.command.WarmupCommand;
import dev.ao.cli.command.WriteCommand;
import dev.ao.cli.command.WorkflowCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root: {@code ao}. */
@Command(name = "ao", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = Version.class,
        description = "Script-first orchestration: run one script in a sandboxed workspace under a timeout, keep the raw output on disk, hand back only the summary.",
        footerHeading = "", footer = {})
public final class AoCommand implements Runnable {
    /** The top-level commands, in the order help lists them; {@link CommandFactory} registers them. */
    public static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, RunsCommand.class, SkillCommand.class,
            ScriptCommand.class, WriteCommand.class, ConcurrencyCommand.class, CredentialsCommand.class, ConfigCommand.class, DoctorCommand.class, TuiCommand.class, ShellCommand.class,
            McpCommand.class, WarmupCommand.class, WorkflowCommand.class, CompletionCommand.class, HelpCommand.class, CompleteCommand.class, ManCommand.class);

    /**
     * The root's own footer. {@link CommandFactory} sets it once the subcommands are added: the root's usage
     * attributes are inherited (for -h and -V everywhere), and this one would follow them under every command.
     */
    static final String[] FOOTER = {"Start with: ao skill list, ao run <skill> -p key=value, ao runs list",
            "Exit codes: see 'ao help run'. Shell completion: see 'ao help completion'."};

    /** The top-level command class named (or aliased) {@code word}, or null. */
    static Class<?> command(String word) {
        for (Class<?> c : SUBCOMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (a.name().equals(word) || java.util.Arrays.asList(a.aliases()).contains(word)) return c;
        }
        return null;
    }

    @Spec CommandSpec spec;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "Plain output without colour (also NO_COLOR).")
    public boolean noColor;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT, description = "Show the stack trace of an error.")
    public boolean stacktrace;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
