package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.JobRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the workflow dashboard shows, computed from a workflow run's files: its progress over jobs and items, and its
 * events as lines of a feed. Text in here is as the run wrote it; the view cleans it ({@link Text}) as it draws.
 */
final class WorkflowModel {
    /** A run id as ao makes them: the only thing taken from jobs.json to name a folder. */
    private static final Pattern RUN_ID = Pattern.compile("\\d{8}-\\d{6}-\\d{3}-[0-9a-f]{4}");

    private WorkflowModel() {}

    /**
     * Done of total: a plain job counts once, a for_each job once per item (once, until its items are known); a job
     * that ended counts as all done, a live for_each job by the items that ended.
     */
    record Progress(int done, int total, int succeeded, int failed, int running) {
        static Progress of(List<JobRecord> jobs) {
            int done = 0, total = 0, ok = 0, bad = 0, running = 0;
            for (JobRecord j : jobs) {
                int units = j.items() != null ? Math.max(0, j.items()) : 1;
                total += units;
                if (j.state().terminal()) done += units;
                else if (j.items() != null) done += Math.min(units, j.succeeded() + j.failed());
                ok += j.succeeded();
                bad += j.failed();
                running += j.running();
            }
            return new Progress(done, total, ok, bad, running);
        }

        /** {@code ██████░░░░} in {@code width} cells. */
        String bar(int width) {
            if (width <= 0) return "";
            int full = total == 0 ? 0 : (int) ((long) done * width / total);
            return "█".repeat(full) + "░".repeat(width - full);
        }
    }

    /**
     * One line of events.jsonl, ready for the feed.
     *
     * @param job   the job (with {@code [item]}), or empty for the workflow itself
     * @param state the job's state, a retry, an approval decision, or the workflow's state
     */
    record Event(String time, String job, String state, String detail) {
        /** An event line as the workflow runner writes it; anything else is shown as it is. */
        static Event parse(String line) {
            JsonNode n;
            try {
                n = RunStore.JSON.readTree(line);
            } catch (IOException e) {
                n = null;
            }
            if (n == null || !n.isObject()) return new Event("", "", "", line);
            String time = Text.clock(n.path("time").asText(null));
            String job = n.path("job").asText("");
            if (n.has("item") && !job.isEmpty()) job += "[" + n.path("item").asText() + "]";
            String reason = n.path("reason").asText("");
            if (n.has("job_state")) {
                String state = n.path("job_state").asText("");
                if (state.equals("retrying")) {
                    String detail = "attempt " + n.path("attempt").asText("?");
                    if (n.has("backoff_ms")) detail += " in " + Text.duration(n.path("backoff_ms").asLong());
                    if (n.has("after")) detail += " after " + n.path("after").asText();
                    return new Event(time, job, state, detail);
                }
                return new Event(time, job, state, reason);
            }
            if (n.has("decision")) {
                return new Event(time, job, n.path("decision").asText(""), n.has("by") ? "by " + n.path("by").asText() : "");
            }
            // the workflow's own transitions
            List<String> parts = new ArrayList<>();
            if (!reason.isEmpty()) parts.add(reason);
            if (n.path("resumed").asBoolean(false)) {
                List<String> kept = new ArrayList<>();
                n.path("kept").forEach(k -> kept.add(k.asText()));
                parts.add("resumed" + (kept.isEmpty() ? "" : "; kept " + String.join(", ", kept)));
            }
            if (n.has("jobs") && n.path("jobs").isNumber()) parts.add(n.path("jobs").asInt() + " jobs");
            if (n.has("exit_code")) parts.add("exit code " + n.path("exit_code").asText());
            return new Event(time, "", n.path("state").asText(""), String.join(" · ", parts));
        }

        /** The state as a run state, for its colour; null for retrying, approved, rejected and unknown words. */
        RunState runState() {
            for (RunState s : RunState.values()) if (s.id().equals(state)) return s;
            return null;
        }
    }

    /** The last {@code count} events of the file (read from its end, so a long history costs the same). */
    static List<Event> tail(Path events, int count) throws IOException {
        List<Event> out = new ArrayList<>();
        try (LogReader r = LogReader.open(events)) {
            for (LogReader.Line l : r.lines(r.tail(count), count)) {
                if (!l.text().isBlank()) out.add(Event.parse(l.text()));
            }
        }
        return out;
    }

    /** The ids in a job's {@code runs} that are run ids (anything else would name some other folder). */
    static List<String> runIds(JobRecord j) {
        List<String> out = new ArrayList<>();
        if (j.runs() == null) return out;
        for (String id : j.runs()) if (id != null && RUN_ID.matcher(id).matches()) out.add(id);
        return out;
    }
}
