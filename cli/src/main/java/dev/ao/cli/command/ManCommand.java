package dev.ao.cli.command;

import dev.ao.cli.CommandFactory;
import dev.ao.cli.Context;
import dev.ao.cli.ManPages;
import dev.ao.cli.Version;
import dev.ao.cli.completion.CompletionScripts;
import dev.ao.cli.completion.CompletionTree;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The build's distribution step: one roff page per command into DIR (the tarball's share/man/man1) and, with
 * --completions, the scripts 'ao completion bash|zsh|fish' prints, from one JVM instead of four.
 */
@Command(name = "__man", hidden = true, description = "Internal: write the man pages (roff) into DIR, and the completion scripts.")
public final class ManCommand implements Callable<Integer> {
    /** The file each shell's completion script is installed as. */
    static final Map<String, String> COMPLETION_FILES = Map.of("bash", "ao.bash", "zsh", "_ao", "fish", "ao.fish");

    private final Context ctx;

    @Parameters(paramLabel = "DIR", description = "Where to write ao.1, ao-run.1, ...")
    Path dir;

    @Option(names = "--completions", paramLabel = "DIR", description = "Also write ao.bash, _ao and ao.fish into DIR.")
    Path completions;

    public ManCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine tree = CommandFactory.create(ctx);
        var written = ManPages.write(tree, ctx.cwd().resolve(dir), Version.get());
        if (completions != null) {
            Path to = Files.createDirectories(ctx.cwd().resolve(completions));
            CompletionTree t = CompletionTree.of(tree.getCommandSpec());
            for (String shell : CompletionScripts.SHELLS) {
                Path tmp = to.resolve("." + COMPLETION_FILES.get(shell) + ".tmp");
                Files.writeString(tmp, CompletionScripts.of(shell, t));
                Files.move(tmp, to.resolve(COMPLETION_FILES.get(shell)), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        System.out.println(written.size() + " man pages in " + ctx.cwd().resolve(dir));
        return 0;
    }
}
