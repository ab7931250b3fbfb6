package dev.ao.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One roff man page per visible command ({@code ao.1}, {@code ao-run.1}, {@code ao-runs-list.1}), read from
 * picocli's command tree: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS, OPTIONS, COMMANDS, the footer (examples, notes)
 * and EXIT STATUS where the command's footer documents exit codes. Written by hand rather than through
 * picocli-codegen's ManPageGenerator, which writes AsciiDoc and would need asciidoctor on JRuby to become roff.
 * Every text goes through {@link #escape}: commands' help quotes paths, {@code -p key=value} and backslashes.
 */
public final class ManPages {
    private ManPages() {}

    /** Writes every page into {@code dir} (created); returns the files written, root page first. */
    public static List<Path> write(CommandLine root, Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        walk(root.getCommandSpec(), dir, version, out);
        return out;
    }

    private static void walk(CommandSpec spec, Path dir, String version, List<Path> out) throws IOException {
        String page = spec.qualifiedName("-");
        Path f = dir.resolve(page + ".1");
        Path tmp = dir.resolve("." + page + ".1.tmp");
        Files.writeString(tmp, page(spec, version), StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out.add(f);
        for (CommandSpec sub : visibleSubcommands(spec).values()) walk(sub, dir, version, out);
    }

    /** The subcommands help lists, once each (aliases name the same spec), by canonical name. */
    static Map<String, CommandSpec> visibleSubcommands(CommandSpec spec) {
        Map<String, CommandSpec> subs = new LinkedHashMap<>();
        for (CommandLine sub : spec.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden()) subs.putIfAbsent(s.name(), s);
        }
        return subs;
    }

    /** The roff text of one command's page. */
    public static String page(CommandSpec spec, String version) {
        StringBuilder b = new StringBuilder();
        String name = spec.qualifiedName("-");
        b.append(".\\\" generated from ao's command tree by 'ao __man'; do not edit\n");
        b.append(".TH ").append(quoted(name.toUpperCase(Locale.ROOT))).append(" 1 \"\" ")
                .append(quoted("ao " + version)).append(" \"ao Manual\"\n");
        b.append(".nh\n"); // option names are not words: never hyphenate them
        String[] description = formatted(spec.usageMessage().description());
        b.append(".SH NAME\n").append(escape(name)).append(" \\- ")
                .append(escape(description.length == 0 ? "" : firstSentence(description))).append('\n');

        b.append(".SH SYNOPSIS\n");
        CommandLine.Help help = new CommandLine.Help(spec, new CommandLine.Help.ColorScheme.Builder(CommandLine.Help.Ansi.OFF).build());
        String synopsis = help.synopsis(0).replaceAll("\\s+", " ").strip();
        String command = spec.qualifiedName();
        b.append(".B ").append(escape(command)).append('\n');
        if (synopsis.startsWith(command)) synopsis = synopsis.substring(command.length()).strip();
        if (!synopsis.isEmpty()) b.append(escape(synopsis)).append('\n');

        if (description.length > 0) {
            b.append(".SH DESCRIPTION\n");
            paragraphs(b, List.of(description));
        }

        List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!positionals.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : positionals) {
                b.append(".TP\n").append("\\fI").append(escape(p.paramLabel())).append("\\fR\n");
                b.append(escape(joined(p.description()))).append('\n');
            }
        }

        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                b.append(".TP\n");
                List<String> names = new ArrayList<>();
                for (String n : o.names()) names.add("\\fB" + escape(n) + "\\fR");
                if (o.negatable()) {
                    for (String n : o.names()) {
                        if (n.startsWith("--")) names.add("\\fB" + escape("--no-" + n.substring(2)) + "\\fR");
                    }
                }
                b.append(String.join(", ", names));
                if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) b.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
                b.append('\n').append(escape(joined(o.description()))).append('\n');
            }
        }

        Map<String, CommandSpec> subs = visibleSubcommands(spec);
        if (!subs.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandSpec s : subs.values()) {
                b.append(".TP\n").append("\\fB").append(escape(s.name())).append("\\fR");
                for (String alias : s.aliases()) b.append(", \\fB").append(escape(alias)).append("\\fR");
                String[] d = formatted(s.usageMessage().description());
                b.append('\n').append(escape(d.length == 0 ? "" : firstSentence(d)))
                        .append("; see \\fB").append(escape(s.qualifiedName("-"))).append("\\fR(1).\n");
            }
        }

        footer(b, spec);

        if (spec.parent() != null) {
            b.append(".SH SEE ALSO\n\\fB").append(escape(spec.parent().qualifiedName("-"))).append("\\fR(1)\n");
        }
        return b.toString();
    }

    /**
     * The footer: under its own heading (Examples, Load it) as preformatted lines; an "Exit codes" part, whether
     * the heading or a line inside, becomes EXIT STATUS. Picocli's own exit code list is used too, if a command
     * sets one.
     */
    private static void footer(StringBuilder b, CommandSpec spec) {
        String heading = String.format(spec.usageMessage().footerHeading()).strip();
        if (heading.endsWith(":")) heading = heading.substring(0, heading.length() - 1);
        List<String> lines = new ArrayList<>(List.of(formatted(spec.usageMessage().footer())));
        List<String> exit = new ArrayList<>();
        if (heading.toLowerCase(Locale.ROOT).startsWith("exit code")) {
            exit.addAll(lines);
            lines.clear();
            heading = "";
        } else {
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.toLowerCase(Locale.ROOT).startsWith("exit code")) {
                    if (!l.endsWith(":")) exit.add(l);
                    exit.addAll(lines.subList(i + 1, lines.size()));
                    lines = new ArrayList<>(lines.subList(0, i));
                    break;
                }
            }
        }
        for (Map.Entry<String, String> e : spec.usageMessage().exitCodeList().entrySet()) {
            exit.add("  " + e.getKey().strip() + "  " + e.getValue());
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
        if (!lines.isEmpty()) {
            b.append(".SH ").append(quoted((heading.isEmpty() ? "NOTES" : heading).toUpperCase(Locale.ROOT))).append('\n');
            preformatted(b, lines);
        }
        if (!exit.isEmpty()) {
            b.append(".SH \"EXIT STATUS\"\n");
            preformatted(b, exit);
        }
    }

    /** Indented lines (examples, tables) stay as written; the lines between them are filled as paragraphs. */
    private static void preformatted(StringBuilder b, List<String> lines) {
        boolean nf = false;
        StringBuilder para = new StringBuilder();
        for (String l : lines) {
            boolean indented = !l.isBlank() && Character.isWhitespace(l.charAt(0));
            if (indented) {
                if (para.length() > 0) {
                    b.append(escape(para.toString())).append('\n');
                    para.setLength(0);
                }
                if (!nf) b.append(".PP\n.nf\n");
                nf = true;
                b.append(escape(l.stripTrailing())).append('\n');
            } else {
                if (nf) b.append(".fi\n");
                nf = false;
                if (l.isBlank()) {
                    if (para.length() > 0) b.append(escape(para.toString())).append('\n');
                    para.setLength(0);
                } else {
                    if (para.length() == 0) b.append(".PP\n");
                    else para.append(' ');
                    para.append(l.strip());
                }
            }
        }
        if (nf) b.append(".fi\n");
        if (para.length() > 0) b.append(escape(para.toString())).append('\n');
    }

    /** Description lines are one text broken for an 80-column terminal; a blank line starts a new paragraph. */
    private static void paragraphs(StringBuilder b, List<String> lines) {
        StringBuilder para = new StringBuilder();
        boolean first = true;
        for (String l : lines) {
            if (l.isBlank()) {
                first = flush(b, para, first);
            } else {
                if (para.length() > 0) para.append(' ');
                para.append(l.strip());
            }
        }
        flush(b, para, first);
    }

    private static boolean flush(StringBuilder b, StringBuilder para, boolean first) {
        if (para.length() == 0) return first;
        if (!first) b.append(".PP\n");
        b.append(escape(para.toString())).append('\n');
        para.setLength(0);
        return false;
    }

    /** The first sentence of the description's first paragraph, without its full stop: NAME and COMMANDS. */
    private static String firstSentence(String[] description) {
        StringBuilder text = new StringBuilder();
        for (String l : description) {
            if (l.isBlank()) break;
            if (text.length() > 0) text.append(' ');
            text.append(l.strip());
        }
        String s = text.toString();
        int stop = s.indexOf(". ");
        if (stop > 0) s = s.substring(0, stop);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String joined(String[] lines) {
        return String.join(" ", List.of(formatted(lines))).replaceAll("\\s+", " ").strip();
    }

    /** Picocli runs help texts through String.format ({@code %n}, {@code %%}); a text that is no format stays as is. */
    private static String[] formatted(String[] lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String f;
            try {
                f = l.indexOf('%') < 0 ? l : String.format(l);
            } catch (java.util.IllegalFormatException e) {
                f = l;
            }
            out.addAll(List.of(f.split("\\R", -1)));
        }
        return out.toArray(String[]::new);
    }

    private static String quoted(String s) {
        return "\"" + escape(s).replace("\"", "\\(dq") + "\"";
    }

    /**
     * Text safe in a roff line: backslashes doubled ({@code \e}), hyphens made minus signs so options can be
     * searched and copied, a leading {@code .} or {@code '} (a request) guarded with {@code \&}, and control
     * characters dropped.
     */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\e");
                case '-' -> b.append("\\-");
                case '\t' -> b.append(' ');
                default -> {
                    if (c < 0x20 || c == 0x7f) continue;
                    b.append(c);
                }
            }
        }
        if (b.length() > 0 && (b.charAt(0) == '.' || b.charAt(0) == '\'')) b.insert(0, "\\&");
        return b.toString();
    }
}
