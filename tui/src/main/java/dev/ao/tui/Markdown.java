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
        return render(markdown, width, false);
    }

    /**
     * As {@link #render(String, int)}; with {@code keepLines} each line of text stays a line (as in a GitHub comment):
     * a run's summary is often lines a script echoed, which must not run together.
     */
    static List<Line> render(String markdown, int width, boolean keepLines) {
        List<Line> out = new ArrayList<>();
        // a SKILL.md from a git source is someone else's text: no escape sequence survives (SafeText drops \r too)
        String[] lines = SafeText.block(markdown).split("\n", -1);
        StringBuilder para = new StringBuilder();
        List<String> table = new ArrayList<>();
        boolean inCode = false;
        boolean inComment = false;
        for (String raw : lines) {
            String line = raw.replace("\t", "    ");
            if (!table.isEmpty() && (inCode || inComment || !line.strip().startsWith("|"))) {
                table(table, out, width);
                table.clear();
            }
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
                if (table.size() < MAX_TABLE_ROWS) table.add(line.strip());
                continue;
            }
            if (keepLines) flush(para, out, width);
            if (para.length() > 0) para.append(' ');
            para.append(line.strip());
        }
        if (!table.isEmpty()) table(table, out, width);
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

    /** A table bigger than this is someone else's text gone wrong: the rest of its rows and columns are left out. */
    static final int MAX_TABLE_ROWS = 500;
    static final int MAX_TABLE_COLUMNS = 12;
    /** The narrowest a column is squeezed to before columns are left out. */
    private static final int MIN_COLUMN = 3;

    /**
     * {@code | a | b |} rows as aligned columns ({@code a │ b}), the header underlined ({@code ──┼──}) when a rule row
     * follows it. Cells are cleaned and stripped of inline markup; wide columns are narrowed (their cells clipped with
     * an ellipsis) until the table fits {@code width}, and columns that still do not fit are left out, said by a
     * {@code …} column. Each line is at most {@code width} columns.
     */
    private static void table(List<String> rows, List<Line> out, int width) {
        List<List<String>> cells = new ArrayList<>();
        int header = -1;
        int cols = 0;
        for (String r : rows) {
            if (TABLE_RULE.matcher(r).matches()) {
                if (cells.size() == 1 && header < 0) header = 0;
                continue;
            }
            List<String> row = cells(r);
            cols = Math.max(cols, row.size());
            cells.add(row);
        }
        if (cells.isEmpty()) return;
        int[] w = new int[Math.min(cols, MAX_TABLE_COLUMNS)];
        for (List<String> row : cells) {
            for (int c = 0; c < w.length && c < row.size(); c++) w[c] = Math.max(w[c], com.googlecode.lanterna.TerminalTextUtils.getColumnWidth(row.get(c)));
        }
        for (int c = 0; c < w.length; c++) w[c] = Math.max(1, w[c]);
        int shown = w.length;
        boolean cut = cols > w.length;
        // narrow the widest column a column at a time; when all are at the minimum, leave the last one out
        while (shown > 0 && total(w, shown, cut) > width) {
            int widest = 0;
            for (int c = 1; c < shown; c++) if (w[c] > w[widest]) widest = c;
            if (w[widest] > MIN_COLUMN) {
                w[widest] = Math.max(MIN_COLUMN, w[widest] - Math.max(1, (total(w, shown, cut) - width)));
            } else {
                shown--;
                cut = true;
            }
        }
        if (shown == 0) {
            out.add(new Line(Text.clip("(a table too wide to show)", width), Kind.TEXT));
            return;
        }
        for (int i = 0; i < cells.size(); i++) {
            List<String> row = cells.get(i);
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < shown; c++) {
                if (c > 0) sb.append(" │ ");
                sb.append(Text.fit(c < row.size() ? row.get(c) : "", w[c]));
            }
            if (cut) sb.append(" │ …");
            out.add(new Line(Text.clip(sb.toString().stripTrailing(), width), i == header ? Kind.HEADING : Kind.TEXT));
            if (i == header) {
                StringBuilder rule = new StringBuilder();
                for (int c = 0; c < shown; c++) rule.append(c > 0 ? "─┼─" : "").append("─".repeat(w[c]));
                if (cut) rule.append("─┼─");
                out.add(new Line(Text.clip(rule.toString(), width), Kind.RULE));
            }
        }
    }

    private static int total(int[] w, int shown, boolean cut) {
        int t = 0;
        for (int c = 0; c < shown; c++) t += w[c];
        return t + 3 * Math.max(0, shown - 1) + (cut ? 4 : 0);
    }

    /** The cells of one {@code | a | b |} row; {@code \|} is a bar inside a cell. */
    static List<String> cells(String row) {
        String r = row.strip();
        if (r.startsWith("|")) r = r.substring(1);
        if (r.endsWith("|") && !r.endsWith("\\|")) r = r.substring(0, r.length() - 1);
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
            char ch = r.charAt(i);
            if (ch == '\\' && i + 1 < r.length() && r.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (ch == '|') {
                out.add(Text.clean(inline(cell.toString().strip())));
                cell.setLength(0);
                if (out.size() > MAX_TABLE_COLUMNS) break;
            } else {
                cell.append(ch);
            }
        }
        if (out.size() <= MAX_TABLE_COLUMNS) out.add(Text.clean(inline(cell.toString().strip())));
        return out;
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
