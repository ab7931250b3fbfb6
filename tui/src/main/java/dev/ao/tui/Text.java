package dev.ao.tui;

import com.googlecode.lanterna.TerminalTextUtils;
import dev.ao.engine.SafeText;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** How values read on screen: clipped to columns, times local, durations short. */
final class Text {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private Text() {}

    /**
     * One screen line from text a script or a foreign skill wrote: escape sequences, controls and bidi overrides
     * removed ({@link SafeText}), tabs as four spaces, so it can never move the cursor or change colours.
     */
    static String clean(String s) {
        if (s == null) return "";
        return SafeText.line(s.replace("\t", "    "));
    }

    /** Exactly {@code width} columns: clipped with an ellipsis, or padded with spaces. */
    static String fit(String s, int width) {
        if (width <= 0) return "";
        String c = clean(s);
        int w = TerminalTextUtils.getColumnWidth(c);
        if (w <= width) return c + " ".repeat(width - w);
        if (width == 1) return "…";
        return TerminalTextUtils.fitString(c, width - 1) + "…" + " ".repeat(Math.max(0, width - 1 - TerminalTextUtils.getColumnWidth(TerminalTextUtils.fitString(c, width - 1))));
    }

    /** At most {@code width} columns, clipped with an ellipsis, not padded. */
    static String clip(String s, int width) {
        String c = clean(s);
        return TerminalTextUtils.getColumnWidth(c) <= width ? c : fit(c, width).stripTrailing();
    }

    /** Word-wraps {@code s} to {@code width} columns; blank lines are kept. */
    static List<String> wrap(String s, int width) {
        List<String> out = new ArrayList<>();
        if (width < 4) width = 4;
        // clean the whole text first (a sequence may span lines), then split: clean() turns newlines into spaces
        for (String line : SafeText.block(s).split("\n", -1)) {
            out.addAll(wrapLine(clean(line), width, ""));
        }
        return out;
    }

    /** Wraps one line; continuation lines get {@code indent}. */
    static List<String> wrapLine(String line, int width, String indent) {
        List<String> out = new ArrayList<>();
        String rest = line;
        String prefix = "";
        while (TerminalTextUtils.getColumnWidth(prefix + rest) > width) {
            int room = width - prefix.length();
            if (room < 4) { out.add(fit(prefix + rest, width)); return out; }
            String head = TerminalTextUtils.fitString(rest, room);
            int cut = head.lastIndexOf(' ');
            if (cut <= room / 3) cut = head.length();
            out.add(prefix + rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
            prefix = indent;
            if (rest.isEmpty()) return out;
        }
        out.add(prefix + rest);
        return out;
    }

    static String localTime(String iso) {
        if (iso == null) return "-";
        try {
            return LOCAL.format(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    /** The local time of day ({@code 14:03:07}): what an event feed needs; {@code -} for none, the text for a bad one. */
    static String clock(String iso) {
        if (iso == null) return "-";
        try {
            return CLOCK.format(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    /** {@code 12s ago}, {@code 5m ago}, {@code 3h ago}, {@code 2d ago}. */
    static String ago(String iso) {
        if (iso == null) return "-";
        try {
            long s = Math.max(0, Duration.between(Instant.parse(iso), Instant.now()).toSeconds());
            if (s < 60) return s + "s ago";
            if (s < 3600) return (s / 60) + "m ago";
            if (s < 86400) return (s / 3600) + "h ago";
            return (s / 86400) + "d ago";
        } catch (DateTimeParseException e) {
            return "?";
        }
    }

    /** {@code 850 ms}, {@code 12.3 s}, {@code 4m 05s}, {@code 2h 10m}. */
    static String duration(Long ms) {
        if (ms == null) return "-";
        if (ms < 1000) return ms + " ms";
        if (ms < 60_000) return String.format("%.1f s", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return String.format("%dm %02ds", s / 60, s % 60);
        return String.format("%dh %02dm", s / 3600, (s % 3600) / 60);
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        if (n < 1024L * 1024 * 1024) return String.format("%.1f MiB", n / (1024.0 * 1024));
        return String.format("%.2f GiB", n / (1024.0 * 1024 * 1024));
    }

    /** One line for an error a person reads: the message, never a stack trace. */
    static String error(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.io.UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (t instanceof dev.ao.engine.AoException) return firstLine(m);
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + firstLine(m));
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
