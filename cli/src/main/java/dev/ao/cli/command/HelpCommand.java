package dev.ao.cli.command;

import dev.ao.cli.CommandFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao help [COMMAND [SUBCOMMAND]]}: the same text as {@code ao COMMAND [SUBCOMMAND] --help}. */
@Command(name = "help", description = "Show a command's help: 'ao help runs logs' is 'ao runs logs --help'.")
public final class HelpCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "A command, and a subcommand of it.")
    List<String> path = new ArrayList<>();

    @Override
    public Integer call() {
        CommandLine target = spec.root().commandLine();
        for (String word : path) {
            CommandLine sub = target.getSubcommands().get(word);
            if (sub == null || sub.getCommandSpec().usageMessage().hidden()) {
                throw CommandFactory.unknownCommand(target, word);
            }
            target = sub;
        }
        target.usage(spec.commandLine().getOut(), target.getColorScheme());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
