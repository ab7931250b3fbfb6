package dev.ao.cli;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Builds the {@link CommandLine} that {@code main}, the shell and the tests all use: the command tree, one
 * error line per failure with its exit code, stack traces only with {@code --stacktrace}.
 */
public final class CommandFactory {
    private CommandFactory() {}

    public static CommandLine create(Context context) {
        CommandLine cl = new CommandLine(new AoCommand(), new ContextFactory(context));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(parseResult -> {
            for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
                if (pr.hasMatchedOption("--no-color")) context.noColor();
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean trace = parseResult.hasMatchedOption("--stacktrace");
            if (ex instanceof AoException ao) {
                err.println("ao: " + ao.getMessage());
                if (trace) ao.printStackTrace(err);
                err.flush();
                return ao.exitCode().code();
            }
            err.println("ao: internal error: " + ex + (trace ? "" : " (run again with --stacktrace for details)"));
            if (trace) ex.printStackTrace(err);
            err.flush();
            return ExitCode.FAILED.code();
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("ao: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return ExitCode.USAGE.code();
        });
        return cl;
    }

    /** Lets commands take the {@link Context} in their constructor. */
    private record ContextFactory(Context context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                var ctor = cls.getDeclaredConstructor(Context.class);
                ctor.setAccessible(true);
                return ctor.newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
