package dev.ao.cli.command;

import dev.ao.engine.AoException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --since}/{@code --until} values: a duration back from now, or an ISO time or date (local time without a zone). */
final class RunTimes {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(s|m|h|d|w)");

    private RunTimes() {}

    static Instant parse(String text, String option, Instant now) {
        String t = text.strip();
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
            // try the other forms
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the other forms
        }
        try {
            return LocalDateTime.parse(t).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the other forms
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw AoException.usage(option + " '" + text + "' is neither a duration (90s, 30m, 2h, 7d, 1w) nor an ISO time (2025-01-31T12:00:00Z, 2025-01-31)");
        }
    }

    /** Whether a run created at {@code iso} falls in {@code [from, to)}; a bound that is null is open. */
    static boolean within(String iso, Instant from, Instant to) {
        if (from == null && to == null) return true;
        if (iso == null) return false;
        Instant at = Instant.parse(iso);
        return (from == null || !at.isBefore(from)) && (to == null || at.isBefore(to));
    }
}
