package dev.ao.cli.render;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The "Commands:" list of a group's help, one row per subcommand with its first sentence whole. Picocli's own list
 * shows a subcommand's first description element, and ours wrap long sentences over several elements, so it cut
 * them mid-sentence ("... name = folder, script.json,").
 */
public final class CommandListRenderer implements CommandLine.IHelpSectionRenderer {
    /** The names column never grows past this; longer names push their summary to the next line. */
    private static final int MAX_NAMES = 24;

    /** Puts this renderer on {@code cl} and every command under it. */
    public static void install(CommandLine cl) {
        Map<String, CommandLine.IHelpSectionRenderer> sections = new java.util.LinkedHashMap<>(cl.getHelpSectionMap());
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandListRenderer());
        cl.getCommandSpec().usageMessage().sectionMap(sections);
        for (CommandLine sub : new java.util.LinkedHashSet<>(cl.getSubcommands().values())) install(sub);
    }

    @Override
    public String render(Help help) {
        Map<String, Help> subs = help.subcommands();
        List<Help> visible = new ArrayList<>();
        for (Help h : subs.values()) if (!h.commandSpec().usageMessage().hidden()) visible.add(h);
        if (visible.isEmpty()) return "";
        int longest = 0;
        for (Help h : visible) longest = Math.max(longest, h.commandNamesText(", ").plainString().length());
        int names = Math.min(longest, MAX_NAMES) + 2;
        int width = help.commandSpec().usageMessage().width();
        Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(), new Column(names, 2, Column.Overflow.SPAN),
                new Column(width - names, 2, Column.Overflow.WRAP));
        for (Help h : visible) {
            table.addRowValues(h.commandNamesText(", "), help.colorScheme().text(summary(h.commandSpec())));
        }
        return table.toString();
    }

    /** A command's one-line summary: its header if it has one, else the first sentence of its description. */
    public static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String[] lines = header != null && header.length > 0 ? header : spec.usageMessage().description();
        return lines == null ? "" : firstSentence(Arrays.asList(lines));
    }

    /** The first sentence of a description written over several lines (up to the first blank line). */
    public static String firstSentence(List<String> lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            String l = line.replace("%n", "\n").replace("%%", "%");
            int blank = l.indexOf('\n');
            if (blank >= 0) l = l.substring(0, blank);
            if (l.isBlank()) break;
            if (text.length() > 0) text.append(' ');
            text.append(l.strip());
            if (blank >= 0) break;
        }
        String s = text.toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == '.' || c == '?' || c == '!') && (i + 1 == s.length() || s.charAt(i + 1) == ' ')) return s.substring(0, i + 1);
        }
        return s;
    }
}
