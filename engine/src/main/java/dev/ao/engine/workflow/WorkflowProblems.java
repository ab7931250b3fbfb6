package dev.ao.engine.workflow;

import dev.ao.engine.AoException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Everything wrong with one {@code workflow.yml}, gathered so a person fixes it in one pass: each problem is one line
 * {@code FILE:LINE: key.path: message}, sorted by line.
 */
public final class WorkflowProblems {
    /** One problem: the 1-based line it is reported at and its text after {@code FILE:LINE: }. */
    public record Problem(int line, String message) {
        /** Text from the file (keys, values) is shown escaped and cut short: a problem stays one readable line. */
        public Problem {
            message = visible(message);
        }
    }

    /** Longest problem text shown; past it the text is cut. */
    static final int MAX_MESSAGE = 500;

    /** Problems shown at most; the rest are counted. */
    public static final int MAX_SHOWN = 50;

    private final Path file;
    private final Map<String, Integer> lines;
    private final List<Problem> problems = new ArrayList<>();

    /** @param lines the 1-based line of each key by JSON pointer, as in {@link Workflow.Lines} */
    public WorkflowProblems(Path file, Map<String, Integer> lines) {
        this.file = file;
        this.lines = lines;
    }

    /** A problem with the key at {@code pointer}: the line is that key's, the message starts with its dotted path. */
    public void at(String pointer, String message) {
        String key = key(pointer);
        problems.add(new Problem(lineOf(pointer), key.isEmpty() ? message : key + ": " + message));
    }

    /** A problem about {@code child} inside the map at {@code parent}: the line is the child's, the path the parent's. */
    public void in(String parent, String child, String message) {
        String key = key(parent);
        problems.add(new Problem(lineOf(parent + "/" + escape(child)), key.isEmpty() ? message : key + ": " + message));
    }

    /** A problem whose text names its key itself. */
    public void atLine(int line, String message) {
        problems.add(new Problem(line, message));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems by line (then text, so the order never depends on the validator's), each {@code FILE:LINE: message}. */
    public List<String> lines() {
        return problems.stream().sorted(Comparator.comparingInt(Problem::line).thenComparing(Problem::message))
                .map(p -> file + ":" + p.line() + ": " + p.message()).distinct().toList();
    }

    /**
     * Throws the problems as one usage error, a line each, the first {@link #MAX_SHOWN} of them (a file of garbage
     * would otherwise print one line per key); does nothing when there are none.
     */
    public void throwIfAny() {
        if (problems.isEmpty()) return;
        List<String> all = lines();
        List<String> shown = new ArrayList<>(all.subList(0, Math.min(all.size(), MAX_SHOWN)));
        if (all.size() > MAX_SHOWN) shown.add(file + ": ... and " + (all.size() - MAX_SHOWN) + " more problems");
        throw AoException.usage(String.join("\n", shown));
    }

    int lineOf(String pointer) {
        return new Workflow.Lines(file, lines).of(pointer);
    }

    /** {@code /jobs/restart/needs/0} -> {@code jobs.restart.needs[0]}: the key as a person finds it in the file. */
    public static String key(String pointer) {
        if (pointer.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        for (String part : pointer.substring(1).split("/", -1)) {
            String p = part.replace("~1", "/").replace("~0", "~");
            if (!p.isEmpty() && p.chars().allMatch(Character::isDigit) && sb.length() > 0) sb.append('[').append(p).append(']');
            else sb.append(sb.length() > 0 ? "." : "").append(p);
        }
        return sb.toString();
    }

    private static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < MAX_MESSAGE; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.length() < MAX_MESSAGE ? sb.toString() : sb.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** A JSON pointer segment for {@code name}. */
    public static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
