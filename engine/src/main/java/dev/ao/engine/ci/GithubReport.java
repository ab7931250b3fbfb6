package dev.ao.engine.ci;

import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What a run tells GitHub Actions, as text: workflow commands for the log ({@code ::add-mask::}, {@code ::error},
 * {@code ::group::}), the Markdown appended to {@code $GITHUB_STEP_SUMMARY} and the lines appended to
 * {@code $GITHUB_OUTPUT}. Pure functions; the caller writes them where they go.
 */
public final class GithubReport {
    /** GitHub refuses a step summary over 1 MiB; one run's part stays far below that. */
    public static final int STEP_SUMMARY_MAX = 64 * 1024;
    /** Annotations after the tenth are one roll-up line: GitHub shows only ten per step anyway. */
    public static final int MAX_ERRORS = 10;
    /** Secrets shorter than this are not masked: masking "1" would blank every digit of the log. */
    static final int MIN_MASK = 3;
    private static final Pattern OUTPUT_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private GithubReport() {}

    /** One failure to annotate: a short title and the one-line reason. */
    public record Failure(String title, String message) {}

    /** Escapes command data: {@code %}, CR and LF, as the runner unescapes them. */
    public static String data(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    /** Escapes a command property (a title): data escapes plus {@code :} and {@code ,}. */
    public static String property(String s) {
        return data(s).replace(":", "%3A").replace(",", "%2C");
    }

    /**
     * {@code ::add-mask::} for every secret value, and for each line of a multi-line one (the runner masks line by
     * line), before anything else is printed.
     */
    public static List<String> masks(Collection<String> secrets) {
        LinkedHashSet<String> values = new LinkedHashSet<>();
        for (String s : secrets) {
            if (s == null) continue;
            if (s.strip().length() >= MIN_MASK) values.add(s);
            if (s.contains("\n") || s.contains("\r")) {
                for (String l : s.split("\r?\n|\r")) if (l.strip().length() >= MIN_MASK) values.add(l);
            }
        }
        List<String> out = new ArrayList<>();
        for (String v : values) out.add("::add-mask::" + data(v));
        return out;
    }

    /** {@code ::error title=...::message} lines: at most {@link #MAX_ERRORS}, then one line counting the rest. */
    public static List<String> errors(List<Failure> failures) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < failures.size() && i < MAX_ERRORS; i++) {
            Failure f = failures.get(i);
            out.add("::error title=" + property(CiText.line(f.title())) + "::" + data(CiText.line(f.message())));
        }
        if (failures.size() > MAX_ERRORS) {
            int more = failures.size() - MAX_ERRORS;
            out.add("::error title=" + property("ao: " + more + " more failure" + (more == 1 ? "" : "s")) + "::"
                    + data(more + " more failed; see the step summary and the JUnit report"));
        }
        return out;
    }

    /** The annotation for one ended run, or none when it succeeded. */
    public static List<Failure> failures(RunRecord r) {
        if (r.state() == RunState.SUCCEEDED) return List.of();
        String why = r.reason() != null ? r.reason() : r.state().id();
        return List.of(new Failure("ao: " + r.label() + " " + r.state().id(), why + " (run " + r.id() + ")"));
    }

    /**
     * Log lines in a collapsible group. Runner commands inside them (a script can print {@code ::add-mask::} or
     * {@code ::error}) are switched off with {@code ::stop-commands::} and a random token for the span of the log.
     */
    public static List<String> group(String title, List<String> lines, String stopToken) {
        List<String> out = new ArrayList<>();
        out.add("::group::" + data(CiText.line(title)));
        out.addAll(verbatim(lines, stopToken));
        out.add("::endgroup::");
        return out;
    }

    /** Lines shown as they are: wrapped in {@code ::stop-commands::} only when one could be read as a command. */
    public static List<String> verbatim(List<String> lines, String stopToken) {
        boolean risky = lines.stream().anyMatch(l -> l.contains("::"));
        if (!risky) return List.copyOf(lines);
        List<String> out = new ArrayList<>();
        out.add("::stop-commands::" + stopToken);
        out.addAll(lines);
        out.add("::" + stopToken + "::");
        return out;
    }

    /** Markdown for {@code $GITHUB_STEP_SUMMARY}: a heading with the skill, state and run id, then the summary. */
    public static String stepSummary(RunRecord r) {
        StringBuilder b = new StringBuilder();
        String mark = r.state() == RunState.SUCCEEDED ? "✅" : r.state() == RunState.REJECTED ? "⏭️" : "❌";
        b.append("### ").append(mark).append(' ').append(md(r.label())).append(" · ").append(r.state().id())
                .append(" · run `").append(CiText.line(r.id())).append("`\n\n");
        List<String> facts = new ArrayList<>();
        if (r.exitCode() != null) facts.add("exit code " + r.exitCode());
        if (r.durationMs() != null) facts.add(String.format(java.util.Locale.ROOT, "%.1f s", r.durationMs() / 1000.0));
        if (r.reason() != null && r.state() != RunState.SUCCEEDED) facts.add(md(r.reason()));
        if (!facts.isEmpty()) b.append(String.join(" · ", facts)).append("\n\n");
        String summary = CiText.clean(r.summary() == null ? "" : r.summary()).strip();
        if (!summary.isEmpty()) b.append(summary).append("\n\n");
        return CiText.bound(b.toString(), STEP_SUMMARY_MAX, "… (cut; the whole summary: ao runs show " + r.id() + " --full)\n\n");
    }

    private static String md(String s) {
        return CiText.line(s).replace("|", "\\|").replace("<", "&lt;");
    }

    /**
     * The values a run hands to later steps: {@code ao_run_id}, {@code ao_state}, {@code ao_exit_code},
     * {@code ao_summary}, then the script's outputs whose names GitHub accepts (an {@code ao_} name is ao's).
     */
    public static Map<String, String> outputValues(RunRecord r) {
        Map<String, String> v = new LinkedHashMap<>();
        if (r.outputs() != null) {
            r.outputs().forEach((k, val) -> {
                if (OUTPUT_KEY.matcher(k).matches() && !k.startsWith("ao_")) v.put(k, val);
            });
        }
        v.put("ao_run_id", r.id());
        v.put("ao_state", r.state().id());
        v.put("ao_exit_code", r.exitCode() == null ? "" : r.exitCode().toString());
        v.put("ao_summary", r.summary() == null ? "" : r.summary());
        return v;
    }

    /**
     * {@code $GITHUB_OUTPUT} lines in GitHub's multiline form, {@code key<<ghadelimiter_<random>}, value,
     * delimiter; a delimiter that occurs in the value is drawn again.
     */
    public static String outputs(Map<String, String> values, Supplier<String> random) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> {
            String value = v == null ? "" : v;
            String delim;
            do {
                delim = "ghadelimiter_" + random.get();
            } while (value.contains(delim) || k.contains(delim));
            b.append(k).append("<<").append(delim).append('\n').append(value).append('\n').append(delim).append('\n');
        });
        return b.toString();
    }
}
