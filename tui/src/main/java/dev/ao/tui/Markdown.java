package dev.ao.tui;

import dev.ao.engine.SafeText;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SKILL.md bodies as readable terminal text: headings stand out, paragraphs are joined and wrapped, lists get
 * bullets, code blocks keep their lines, inline markup ({@code **}, backticks, links) is taken away.
 */
final class Markdown {
    enum Kind { HEADING, TEXT, CODE, RULE }

    record Line(String text, Kind kind) {}

    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern BULLET = Pattern.compile("^(\\s*)[-*+]\\s+(.*)$");
    private static final Pattern NUMBERED = Pattern.compile("^(\\s*)(\\d+[.)])\\s+(.*)$");
    private static final Pattern IMAGE = Pattern.compile("!\\[([^\\]]*)\\]\\(([^)]*)\\)");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)\\]\\(([^)]*)\\)");
    private static final Pattern TABLE_RULE = Pattern.compile("^\\s*\\|?\\s*:?-{2,}:?\\s*(\\|\\s*:?-{2,}:?\\s*)*\\|?\\s*$");

    /** Marks where a list item's bullet ends inside a paragraph being collected. */
    private static final char LEAD = '\u0000';

    private Markdown() {}

    static List<Line> render(String markdown, int width) {
        List<Line> out = new ArrayList<>();
        // a SKILL.md from a git source is someone else's text: no escape sequence survives (SafeText drops \r too)
        String[] lines = SafeText.block(markdown).split("\n", -1);
        StringBuilder para = new StringBuilder();
        boolean inCode = false;
        boolean inComment = false;
        for (String raw : lines) {
            String line = raw.replace("\t", "    ");
            if (inComment) {
                if (line.contains("-->")) inComment = false;
                continue;
            }
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                flush(para, out, width);
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                out.add(new Line("  " + line, Kind.CODE));
                continue;
            }
            if (line.strip().startsWith("<!--")) {
                flush(para, out, width);
                if (!line.contains("-->")) inComment = true;
                continue;
            }
            if (line.isBlank()) {
                flush(para, out, width);
                if (!out.isEmpty() && !out.get(out.size() - 1).text().isEmpty()) out.add(new Line("", Kind.TEXT));
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                flush(para, out, width);
                if (!out.isEmpty() && !out.get(out.size() - 1).text().isEmpty()) out.add(new Line("", Kind.TEXT));
                String text = inline(h.group(2));
                out.add(new Line(h.group(1).length() <= 1 ? text.toUpperCase(java.util.Locale.ROOT) : text, Kind.HEADING));
                continue;
            }
            if (line.strip().matches("([-*_])\\s*(\\1\\s*){2,}")) {
                flush(para, out, width);
                out.add(new Line("─".repeat(Math.min(width, 40)), Kind.RULE));
                continue;
            }
            Matcher b = BULLET.matcher(line);
            Matcher n = NUMBERED.matcher(line);
            if (b.matches() || n.matches()) {
                flush(para, out, width);
                int depth = (b.matches() ? b.group(1) : n.group(1)).length() / 2;
                String mark = b.matches() ? (depth % 2 == 0 ? "•" : "◦") : n.group(2);
                // the item is a paragraph of its own: lines that follow it continue it
                para.append("  ".repeat(depth)).append(mark).append(' ').append(LEAD).append(b.matches() ? b.group(2) : n.group(3));
                continue;
            }
            if (line.strip().startsWith(">")) {
                flush(para, out, width);
                for (String w : Text.wrapLine("│ " + inline(line.strip().substring(1).strip()), width, "│ ")) out.add(new Line(w, Kind.TEXT));
                continue;
            }
            if (line.strip().startsWith("|")) {
                flush(para, out, width);
                if (TABLE_RULE.matcher(line).matches()) continue;
                out.add(new Line(Text.clip(inline(line.strip()), width), Kind.TEXT));
                continue;
            }
            if (para.length() > 0) para.append(' ');
            para.append(line.strip());
        }
        flush(para, out, width);
        while (!out.isEmpty() && out.get(out.size() - 1).text().isEmpty()) out.remove(out.size() - 1);
        return out;
    }

    private static void flush(StringBuilder para, List<Line> out, int width) {
        if (para.length() == 0) return;
        String p = para.toString();
        int lead = p.indexOf(LEAD);
        if (lead >= 0) {
            String head = p.substring(0, lead);
            for (String w : Text.wrapLine(head + inline(p.substring(lead + 1)), width, " ".repeat(head.length()))) out.add(new Line(w, Kind.TEXT));
        } else {
            for (String w : Text.wrapLine(inline(p), width, "")) out.add(new Line(w, Kind.TEXT));
        }
        para.setLength(0);
    }

    /** Takes away inline markup, keeping what it says. */
    static String inline(String s) {
        String t = IMAGE.matcher(s).replaceAll("[image: $1]");
        t = LINK.matcher(t).replaceAll(m -> Matcher.quoteReplacement(m.group(1).equals(m.group(2)) ? m.group(1) : m.group(1) + " <" + m.group(2) + ">"));
        t = t.replace("**", "").replace("`", "");
        t = t.replaceAll("<br\\s*/?>", " ");
        return t;
    }
}
