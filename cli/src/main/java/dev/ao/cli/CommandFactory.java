package dev.ao.cli;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.SafeText;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Builds the {@link CommandLine} that {@code main}, the shell and the tests all use: the command tree, one
 * error line per failure with its exit code, stack traces only with {@code --stacktrace}.
 */
public final class CommandFactory {
    private CommandFactory() {}

    /** The whole command tree (the shell, help, completion). */
    public static CommandLine create(Context context) {
        return create(context, null);
    }

    /**
     * The tree for one invocation: when the arguments name a top-level command, only that command's model is
     * built. Picocli builds every command's model by reflection up front, which is most of ao's start-up time.
     */
    public static CommandLine create(Context context, String[] args) {
        ContextFactory factory = new ContextFactory(context);
        CommandLine cl = new CommandLine(new AoCommand(), factory);
        String first = args == null ? null : java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
        Class<?> only = null;
        boolean versionOnly = first == null && args != null && java.util.Arrays.asList(args).stream().anyMatch(a -> a.equals("-V") || a.equals("--version"));
        for (Class<?> c : AoCommand.SUBCOMMANDS) {
            CommandLine.Command a = c.getAnnotation(CommandLine.Command.class);
            if (first != null && (a.name().equals(first) || java.util.Arrays.asList(a.aliases()).contains(first))) only = c;
        }
        for (Class<?> c : AoCommand.SUBCOMMANDS) {
            if (!versionOnly && (only == null || only == c)) cl.addSubcommand(new CommandLine(c, factory));
        }
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
            boolean json = wantsJson(parseResult, parseResult.originalArgs().toArray(String[]::new));
            if (ex instanceof AoException ao) {
                // messages may quote a script's stderr or a foreign skill's files
                err.println("ao: " + SafeText.block(ao.getMessage()));
                if (trace) ao.printStackTrace(err);
                err.flush();
                if (json) printJsonError(commandLine.getOut(), ao.exitCode().code(), ao.getMessage());
                return ao.exitCode().code();
            }
            err.println("ao: internal error: " + ex + (trace ? "" : " (run again with --stacktrace for details)"));
            if (trace) ex.printStackTrace(err);
            err.flush();
            if (json) printJsonError(commandLine.getOut(), ExitCode.FAILED.code(), "internal error: " + ex);
            return ExitCode.FAILED.code();
        });
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            String message = ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')";
            err.println("ao: " + message);
            err.flush();
            if (wantsJson(null, args1)) printJsonError(c.getOut(), ExitCode.USAGE.code(), message);
            return ExitCode.USAGE.code();
        });
        return cl;
    }

    /**
     * Whether the command was asked for {@code -o json}: then an error is also a JSON object on stdout, so that a
     * program reading stdout gets a document either way. A command line that did not parse is read as typed.
     */
    static boolean wantsJson(CommandLine.ParseResult parsed, String[] args) {
        for (CommandLine.ParseResult pr = parsed; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption("-o")) return OutputOptions.Format.json.equals(pr.matchedOptionValue("-o", null));
        }
        if (args == null) return false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) break;
            if ((a.equals("-o") || a.equals("--output")) && i + 1 < args.length && args[i + 1].equalsIgnoreCase("json")) return true;
            if (a.equalsIgnoreCase("-ojson") || a.equalsIgnoreCase("-o=json") || a.equalsIgnoreCase("--output=json")) return true;
        }
        return false;
    }

    /** {@code {"error": {"code": 2, "message": "..."}}} on stdout. */
    static void printJsonError(PrintWriter out, int code, String message) {
        com.fasterxml.jackson.databind.node.ObjectNode root = Json.object();
        com.fasterxml.jackson.databind.node.ObjectNode e = root.putObject("error");
        e.put("code", code);
        e.put("message", message);
        out.println(Json.write(root));
        out.flush();
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
