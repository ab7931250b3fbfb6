package dev.ao.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table with aligned columns; colour codes do not count toward widths. */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final String[] header;

    public Table(String... header) {
        this.header = header;
    }

    public Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    @Override
    public String toString() {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) w[i] = header[i].length();
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], visible(r[i]));
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        for (String[] r : rows) line(sb, r, w);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i] == null ? "" : cells[i];
            l.append(c);
            if (i < cells.length - 1) l.append(" ".repeat(w[i] - visible(c) + 2));
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    private static int visible(String s) {
        return s == null ? 0 : s.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }
}
