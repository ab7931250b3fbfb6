package dev.ao.cli.workflow;

import dev.ao.cli.Terminal;
import dev.ao.cli.render.Durations;
import dev.ao.engine.SafeText;
import dev.ao.engine.run.RunState;
import dev.ao.engine.workflow.JobRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A workflow's jobs as lines: a mark, the id, the state, counts or the one-line summary, the reason. */
public final class JobTree {
    private static final String[] SPIN = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

    private JobTree() {}

    public static List<String> lines(List<JobRecord> jobs, Terminal t, int tick) {
        int w = 4;
        for (JobRecord j : jobs) w = Math.max(w, j.id().length());
        List<String> out = new ArrayList<>();
        for (JobRecord j : jobs) {
            String mark = switch (j.state()) {
                case SUCCEEDED -> t.green("✓");
                case FAILED, TIMED_OUT, REJECTED, INTERRUPTED, LOST -> t.red("✗");
                case SKIPPED, CANCELED -> t.dim("-");
                case RUNNING -> t.yellow(t.color() ? SPIN[Math.floorMod(tick, SPIN.length)] : "»");
                default -> t.yellow("•");
            };
            StringBuilder b = new StringBuilder();
            b.append(mark).append(' ').append(String.format("%-" + w + "s", j.id())).append("  ").append(String.format("%-16s", j.state().id()));
            if (j.items() != null) {
                b.append("  ").append(j.succeeded() + j.failed()).append('/').append(j.items())
                        .append(' ').append(t.green("✓" + j.succeeded())).append(' ').append(j.failed() > 0 ? t.red("✗" + j.failed()) : "✗0");
                if (j.running() > 0) b.append(t.dim("  " + j.running() + " running"));
            }
            String dur = duration(j);
            if (dur != null) b.append("  ").append(t.dim(dur));
            if (j.attempt() > 1) b.append("  ").append(t.yellow("attempt " + j.attempt()));
            if (j.items() == null && j.summary() != null && !j.summary().isBlank() && j.state() == RunState.SUCCEEDED) {
                b.append("  ").append(SafeText.line(cut(j.summary(), 80)));
            }
            if (j.reason() != null && j.state() != RunState.SUCCEEDED) b.append("  ").append(t.dim("(" + SafeText.line(cut(j.reason(), 120)) + ")"));
            out.add(b.toString());
        }
        return out;
    }

    private static String duration(JobRecord j) {
        if (j.startedAt() == null) return null;
        Instant end = j.endedAt() == null ? Instant.now() : Instant.parse(j.endedAt());
        return Durations.human(Duration.between(Instant.parse(j.startedAt()), end).toMillis());
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
