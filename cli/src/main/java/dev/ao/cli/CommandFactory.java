package dev.ao.cli;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.SafeText;
import picocli.CommandLine;

import dev.ao.cli.command.CompletionCommand;
import dev.ao.cli.command.HelpCommand;
import dev.ao.cli.render.CommandListRenderer;

import java.io.PrintWriter;
import java.util.List;

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
        java.util.Set<Class<?>> only = args == null ? java.util.Set.of() : commandsFor(args);
        boolean versionOnly = args != null && only.isEmpty()
                && java.util.Arrays.stream(args).noneMatch(a -> !a.startsWith("-"))
                && java.util.Arrays.stream(args).anyMatch(a -> a.equals("-V") || a.equals("--version"));
        for (Class<?> c : AoCommand.SUBCOMMANDS) {
            if (!versionOnly && (only.isEmpty() || only.contains(c))) cl.addSubcommand(new CommandLine(c, factory));
        }
        // set after the subcommands are in: the root's attributes are inherited, but this footer is about ao itself
        cl.getCommandSpec().usageMessage().footerHeading("%n").footer(AoCommand.FOOTER);
        CommandListRenderer.install(cl);
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
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.isUnknownOption() && !u.getUnmatched().isEmpty()
                    && !c.getSubcommands().isEmpty() && c.getCommandSpec().positionalParameters().isEmpty()) {
                message = unknownCommand(c, u.getUnmatched().get(0)).getMessage();
            }
            err.println("ao: " + message);
            err.flush();
            if (wantsJson(null, args1)) printJsonError(c.getOut(), ExitCode.USAGE.code(), message);
            return ExitCode.USAGE.code();
        });
        return cl;
    }

    /**
     * The top-level commands one invocation needs: the one its first word names; for {@code help X}, help and X;
     * none (meaning all) when the first word names no command, or for completion, which describes the whole tree.
     */
    private static java.util.Set<Class<?>> commandsFor(String[] args) {
        List<String> words = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).limit(2).toList();
        java.util.Set<Class<?>> only = new java.util.HashSet<>();
        for (int i = 0; i < words.size(); i++) {
            Class<?> c = AoCommand.command(words.get(i));
            if (c == null || c == CompletionCommand.class) return java.util.Set.of();
            only.add(c);
            if (c != HelpCommand.class) return only;
        }
        return words.size() == 1 ? java.util.Set.of() : only; // 'ao help' alone lists every command
    }

    /**
     * "unknown command 'rnu'; did you mean 'run'?": {@code word} is no subcommand of {@code parent}. The nearest
     * visible name within two edits is offered.
     */
    public static AoException unknownCommand(CommandLine parent, String word) {
        List<String> names = new java.util.ArrayList<>();
        parent.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().usageMessage().hidden()) names.add(name);
        });
        String path = parent.getCommandSpec().qualifiedName();
        String prefix = path.equals("ao") ? "" : path.substring(path.indexOf(' ') + 1) + " ";
        String nearest = dev.ao.engine.workflow.DidYouMean.nearest(word, names);
        return AoException.usage("unknown command '" + prefix + SafeText.line(word) + "'; "
                + (nearest == null ? "see '" + path + " --help'" : "did you mean '" + prefix + nearest + "'?"));
    }

    /**
     * Whether the command was asked for {@code -o json}: then an error is also a JSON object on stdout, so that a
     * program reading stdout gets a document either way. A command line that did not parse is read as typed.
     */
    static boolean wantsJson(CommandLine.ParseResult parsed, String[] args) {
        for (CommandLine.ParseResult pr = parsed; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption("-o")) return "json".equals(String.valueOf((Object) pr.matchedOptionValue("-o", null)));
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
