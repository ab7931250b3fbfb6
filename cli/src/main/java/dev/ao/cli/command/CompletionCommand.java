package dev.ao.cli.command;

import dev.ao.cli.completion.CompletionScripts;
import dev.ao.cli.completion.CompletionTree;
import dev.ao.engine.AoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code ao completion bash|zsh|fish}: a completion script for a person's own shell. */
@Command(name = "completion", description = {"Print a shell completion script: commands, options, skill ids, run ids and a skill's parameters complete on Tab.",
        "Skill ids, run ids and parameter names are read at each Tab, so new skills and runs complete at once."},
        footerHeading = "%nLoad it:%n",
        footer = {"  bash:  source <(ao completion bash)                         # in ~/.bashrc to keep it",
                "  zsh:   autoload -U compinit; compinit; source <(ao completion zsh)   # in ~/.zshrc",
                "  fish:  ao completion fish | source                         # or > ~/.config/fish/completions/ao.fish"})
public final class CompletionCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish.")
    String shell;

    @Override
    public Integer call() {
        if (!CompletionScripts.SHELLS.contains(shell)) {
            throw AoException.usage("no completion for shell '" + shell + "'; ao completion takes " + String.join(", ", CompletionScripts.SHELLS));
        }
        spec.commandLine().getOut().print(CompletionScripts.of(shell, CompletionTree.of(spec.root())));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
