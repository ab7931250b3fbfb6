package dev.ao.cli.shell;

import dev.ao.cli.CommandFactory;
import dev.ao.cli.Context;
import dev.ao.engine.AoException;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Parser;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ao shell}: the CLI's command tree in one process. With a terminal it is a line editor (jline) with
 * completion, history and Ctrl-C that cancels the command, not the shell. Without one (stdin piped, CI) it
 * reads commands line by line and runs them with no prompt and no colour, so a session is scriptable and its
 * output is exactly what the same commands print on the CLI.
 *
 * <p>Every command runs on a freshly built {@link CommandLine} after {@link Context#refresh()}: skills, runs and
 * config changed since the last command are seen.
 */
public final class AoShell {
    static final String HISTORY_FILE = "shell_history";

    private final Context ctx;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean exitOnError;
    private final Foreground foreground = new Foreground();
    private int last;
    private boolean done;

    public AoShell(Context ctx, PrintWriter out, PrintWriter err, boolean exitOnError) {
        this.ctx = ctx;
        this.out = out;
        this.err = err;
        this.exitOnError = exitOnError;
    }

    static DefaultParser parser() {
        DefaultParser p = new DefaultParser();
        // an open quote or a trailing backslash continues on the next line, as in a shell
        p.setEofOnUnclosedQuote(true);
        p.setEofOnEscapedNewLine(true);
        return p;
    }

    /** Line by line from {@code in} until its end, {@code exit}, a canceled command, or (with -e) a failure. */
    public int script(BufferedReader in) throws IOException {
        DefaultParser parser = parser();
        StringBuilder pending = new StringBuilder();
        int lineNo = 0;
        String line;
        while (!done && (line = in.readLine()) != null) {
            lineNo++;
            if (pending.isEmpty() && (line.isBlank() || line.stripLeading().startsWith("#"))) continue;
            if (!pending.isEmpty()) pending.append('\n');
            if (endsWithEscape(line)) {
                // backslash-newline joins lines, as in sh
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            List<String> words;
            try {
                words = parser.parse(pending.toString(), pending.length(), Parser.ParseContext.ACCEPT_LINE).words();
            } catch (EOFError e) {
                continue; // the command goes on on the next line
            }
            pending.setLength(0);
            last = execute(words);
            if (foreground.interrupted() || last == Foreground.CANCELED) {
                // Ctrl-C ends a script, as it does in sh
                done = true;
            } else if (exitOnError && last != 0) {
                err.println("ao shell: stopped at line " + lineNo + " (exit code " + last + "; --exit-on-error)");
                done = true;
            }
        }
        if (!pending.isEmpty()) {
            err.println("ao shell: the last command is unfinished (an open quote or a trailing backslash): " + pending);
            last = 2;
        }
        err.flush();
        return last;
    }

    private static boolean endsWithEscape(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) n++;
        return n % 2 == 1;
    }

    /** The interactive shell on the process's terminal. */
    public int interactive() throws IOException {
        Path historyFile = null;
        try {
            historyFile = ctx.config().stateDir().resolve(HISTORY_FILE);
        } catch (AoException e) {
            err.println("ao shell: warning: " + e.getMessage() + "; history is not saved this session");
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).name("ao").build()) {
            LineReaderBuilder b = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("ao")
                    .parser(parser())
                    .completer(new ShellCompleter(CommandFactory.create(ctx).getCommandSpec(), ctx))
                    .history(new ShellHistory())
                    .variable(LineReader.LIST_MAX, 200)
                    .variable(LineReader.HISTORY_FILE_SIZE, 5000)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is text, not a history event
                    .option(LineReader.Option.AUTO_GROUP, true)
                    .option(LineReader.Option.HISTORY_IGNORE_DUPS, true);
            if (historyFile != null) b.variable(LineReader.HISTORY_FILE, historyFile);
            LineReader reader = b.build();
            err.println(dim("ao shell · Tab completes · Ctrl-C cancels · Ctrl-D or 'exit' leaves · 'help' lists commands"));
            err.flush();
            while (!done) {
                String line;
                try {
                    line = reader.readLine(prompt(terminal));
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the line being edited
                } catch (EndOfFileException e) {
                    break;
                }
                last = execute(reader.getParsedLine().words());
                if (foreground.abandoned()) {
                    err.println(ctx.terminal().yellow("ao shell: the command did not stop after Ctrl-C; it is left running in the background"));
                    err.flush();
                }
            }
            reader.getHistory().save();
        }
        return last;
    }

    private String prompt(Terminal terminal) {
        AttributedStringBuilder p = new AttributedStringBuilder();
        AttributedStyle plain = AttributedStyle.DEFAULT;
        boolean color = ctx.terminal().color();
        p.style(color ? plain.bold() : plain).append("ao").style(plain);
        if (last != 0) p.append(" ").style(color ? plain.foreground(AttributedStyle.RED) : plain).append("[" + last + "]").style(plain);
        p.append("> ");
        return p.toAnsi(terminal);
    }

    private String dim(String s) {
        return ctx.terminal().dim(s);
    }

    /** Runs one command line; returns its exit code. */
    int execute(List<String> words) {
        List<String> args = new ArrayList<>(words);
        args.removeIf(String::isEmpty);
        if (!args.isEmpty() && args.get(0).equals("ao")) args.remove(0);
        if (args.isEmpty()) return last;
        switch (args.get(0)) {
            case "exit", "quit" -> {
                done = true;
                if (args.size() < 2) return last;
                try {
                    return Integer.parseInt(args.get(1));
                } catch (NumberFormatException e) {
                    err.println("ao shell: exit takes a number, got '" + args.get(1) + "'");
                    err.flush();
                    done = false;
                    return 2;
                }
            }
            case "help" -> {
                return help(args.subList(1, args.size()));
            }
            case "shell" -> {
                err.println("ao shell: already in the shell");
                err.flush();
                return 2;
            }
            default -> {
                return run(args);
            }
        }
    }

    private int run(List<String> args) {
        ctx.refresh();
        CommandLine cl = CommandFactory.create(ctx);
        cl.setOut(out);
        cl.setErr(err);
        CommandLine.IExecutionExceptionHandler base = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (foreground.interrupted() && Foreground.isInterruption(ex)) {
                c.getErr().println("ao: canceled");
                c.getErr().flush();
                return Foreground.CANCELED;
            }
            return base.handleExecutionException(ex, c, parsed);
        });
        int code = foreground.run(() -> cl.execute(args.toArray(String[]::new)));
        out.flush();
        err.flush();
        return code;
    }

    private int help(List<String> path) {
        CommandLine cl = CommandFactory.create(ctx);
        CommandLine target = cl;
        for (String p : path) {
            CommandLine sub = target.getSubcommands().get(p);
            if (sub == null) {
                err.println("ao shell: no command '" + String.join(" ", path) + "'; 'help' lists them");
                err.flush();
                return 2;
            }
            target = sub;
        }
        target.usage(out);
        if (path.isEmpty()) {
            out.println();
            out.println("In the shell: type commands without 'ao'. Tab completes commands, options, skills and run ids.");
            out.println("Ctrl-C cancels the line or the running command; Ctrl-D, 'exit' or 'quit' leaves.");
            out.println("History is kept in <state dir>/" + HISTORY_FILE + "; lines with secret-looking -p params are not.");
        }
        out.flush();
        return 0;
    }
}
