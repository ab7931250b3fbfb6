package dev.ao.engine.ci;

import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JUnit XML report (the dialect Jenkins and GitLab read; see {@code junit-10.xsd} in the tests): one
 * {@code <testsuite>}, one {@code <testcase>} per case. A run is one case today; a workflow's jobs and
 * {@code for_each} items will be one each, so the writer takes a list of cases with unique names.
 */
public final class JunitReport {
    /** Stored-time format without zone or fraction: the Ant schema's {@code ISO8601_DATETIME_PATTERN}. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private JunitReport() {}

    public enum Outcome { PASSED, FAILED, SKIPPED }

    /**
     * One test case.
     *
     * @param type       for a failure: {@code exit:N}, {@code timed_out}, {@code canceled}, {@code lost}
     * @param message    the one-line reason
     * @param detail     the failure's body: the last lines of stderr
     * @param systemOut  the run's summary
     * @param properties recorded on the suite (the schema has none per case), prefixed with the case name when
     *                   there are several cases
     */
    public record Case(String name, String classname, double seconds, Outcome outcome, String type, String message,
                       String detail, String systemOut, Map<String, String> properties) {}

    /** The case for one ended run: failed with its reason and stderr tail, skipped when it was rejected. */
    public static Case of(RunRecord r, List<String> stderrTail) {
        Outcome o = switch (r.state()) {
            case SUCCEEDED -> Outcome.PASSED;
            case REJECTED -> Outcome.SKIPPED;
            default -> Outcome.FAILED;
        };
        String type = switch (r.state()) {
            case TIMED_OUT -> "timed_out";
            case CANCELED -> "canceled";
            case LOST -> "lost";
            default -> "exit:" + (r.exitCode() == null ? 1 : r.exitCode());
        };
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ao.run_id", r.id());
        if (r.stdoutLog() != null) props.put("ao.stdout_log", r.stdoutLog());
        if (r.stderrLog() != null) props.put("ao.stderr_log", r.stderrLog());
        if (r.exitCode() != null) props.put("ao.exit_code", r.exitCode().toString());
        double secs = r.durationMs() == null ? 0 : r.durationMs() / 1000.0;
        String reason = r.reason() != null ? r.reason() : r.state().id();
        return new Case(r.label(), "ao", secs, o, o == Outcome.FAILED ? type : null, o == Outcome.PASSED ? null : reason,
                String.join("\n", stderrTail), r.summary(), props);
    }

    /** The whole document. Names must be unique: a report where two cases share one would merge them. */
    public static String xml(String suite, String hostname, Instant timestamp, List<Case> cases) {
        Set<String> names = new HashSet<>();
        for (Case c : cases) {
            if (!names.add(c.name())) throw new IllegalArgumentException("two JUnit test cases are named '" + c.name() + "'");
        }
        long failures = cases.stream().filter(c -> c.outcome() == Outcome.FAILED).count();
        long skipped = cases.stream().filter(c -> c.outcome() == Outcome.SKIPPED).count();
        double total = cases.stream().mapToDouble(Case::seconds).sum();
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<testsuite name=\"").append(attr(nonBlank(suite, "ao"))).append("\" tests=\"").append(cases.size())
                .append("\" failures=\"").append(failures).append("\" errors=\"0\" skipped=\"").append(skipped)
                .append("\" time=\"").append(seconds(total)).append("\" timestamp=\"")
                .append(TIMESTAMP.format(timestamp.truncatedTo(ChronoUnit.SECONDS))).append("\" hostname=\"")
                .append(attr(nonBlank(hostname, "localhost"))).append("\">\n");
        b.append("  <properties>\n");
        for (Case c : cases) {
            String prefix = cases.size() > 1 ? c.name() + "." : "";
            c.properties().forEach((k, v) -> b.append("    <property name=\"").append(attr(prefix + k)).append("\" value=\"")
                    .append(attr(v)).append("\"/>\n"));
        }
        b.append("  </properties>\n");
        for (Case c : cases) {
            b.append("  <testcase name=\"").append(attr(c.name())).append("\" classname=\"").append(attr(c.classname()))
                    .append("\" time=\"").append(seconds(c.seconds())).append("\">\n");
            switch (c.outcome()) {
                case FAILED -> b.append("    <failure type=\"").append(attr(c.type())).append("\" message=\"")
                        .append(attr(oneLine(c.message()))).append("\">").append(text(c.detail())).append("</failure>\n");
                case SKIPPED -> b.append("    <skipped message=\"").append(attr(oneLine(c.message()))).append("\"/>\n");
                default -> { }
            }
            if (c.systemOut() != null && !c.systemOut().isBlank()) {
                b.append("    <system-out>").append(text(c.systemOut())).append("</system-out>\n");
            }
            b.append("  </testcase>\n");
        }
        b.append("</testsuite>\n");
        return b.toString();
    }

    private static String nonBlank(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').strip();
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f", Math.max(0, s));
    }

    /** Element text: markup escaped, characters XML 1.0 forbids removed. */
    static String text(String s) {
        StringBuilder b = new StringBuilder();
        for (int cp : xmlChars(s)) {
            switch (cp) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '\r' -> b.append("&#13;");
                default -> b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    /** Attribute value: also quotes, and whitespace as references (a parser would turn a raw newline into a space). */
    static String attr(String s) {
        StringBuilder b = new StringBuilder();
        for (int cp : xmlChars(s)) {
            switch (cp) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                case '\n' -> b.append("&#10;");
                case '\r' -> b.append("&#13;");
                case '\t' -> b.append("&#9;");
                default -> b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    /** The code points XML 1.0 allows: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000 up; lone surrogates dropped. */
    private static int[] xmlChars(String s) {
        if (s == null) return new int[0];
        return s.codePoints().filter(cp -> cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000).toArray();
    }
}
