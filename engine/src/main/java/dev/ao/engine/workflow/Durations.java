package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as a workflow writes them: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, or a bare number of seconds. */
final class Durations {
    /** The same form as {@code $defs/duration} in workflow.schema.json. */
    private static final Pattern FORM = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");

    private Durations() {}

    static boolean valid(JsonNode n) {
        return (n.isNumber() && n.asDouble() >= 0 && Double.isFinite(n.asDouble())) || (n.isTextual() && FORM.matcher(n.asText()).matches());
    }

    /** Milliseconds; the value must be {@link #valid}. */
    static long millis(JsonNode n) {
        if (n.isNumber()) return Math.round(n.asDouble() * 1000);
        Matcher m = FORM.matcher(n.asText());
        if (!m.matches()) throw new IllegalArgumentException("not a duration: " + n.asText());
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return Math.round(v * switch (unit) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        });
    }
}
