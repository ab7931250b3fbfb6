package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a workflow run left in its folder, read the way another process would: the workflow's run.json, events.jsonl,
 * jobs.json and children.jsonl, and each child's run.json. The workflow tests assert on these, not on what ao printed.
 */
final class WorkflowRecords {
    static final ObjectMapper JSON = new ObjectMapper();

    /** When a child run was running, by its own run.json. */
    record Interval(String id, Instant start, Instant end) {
        boolean overlaps(Interval o) {
            return start.isBefore(o.end) && o.start.isBefore(end);
        }
    }

    private final TestProject project;

    WorkflowRecords(TestProject project) {
        this.project = project;
    }

    JsonNode run(String id) {
        return read(project.runDir(id).resolve("run.json"));
    }

    List<JsonNode> events(String id) {
        return lines(project.runDir(id).resolve("events.jsonl"));
    }

    /** jobs.json's jobs by id, in file order. */
    Map<String, JsonNode> jobs(String workflowId) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode j : read(project.runDir(workflowId).resolve("jobs.json")).path("jobs")) out.put(j.path("id").asText(), j);
        return out;
    }

    /** children.jsonl: a line per child run started, in start order. */
    List<JsonNode> children(String workflowId) {
        Path f = project.runDir(workflowId).resolve("children.jsonl");
        return Files.exists(f) ? lines(f) : List.of();
    }

    List<String> childIds(String workflowId, String job) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : children(workflowId)) if (c.path("job").asText().equals(job)) out.add(c.path("id").asText());
        return out;
    }

    Interval interval(String childId) {
        JsonNode r = run(childId);
        if (r.path("started_at").isNull() || r.path("ended_at").isNull() || r.path("started_at").isMissingNode()) {
            throw new AssertionError("child run " + childId + " has no [started_at, ended_at]: " + r);
        }
        return new Interval(childId, Instant.parse(r.path("started_at").asText()), Instant.parse(r.path("ended_at").asText()));
    }

    /** The one child run of a job that ran once. */
    Interval only(String workflowId, String job) {
        List<String> ids = childIds(workflowId, job);
        if (ids.size() != 1) throw new AssertionError("job " + job + " has " + ids.size() + " child runs, expected 1: " + ids);
        return interval(ids.get(0));
    }

    List<Interval> intervals(String workflowId, String job) {
        List<Interval> out = new ArrayList<>();
        for (String id : childIds(workflowId, job)) out.add(interval(id));
        return out;
    }

    /** The most intervals running at one instant: a sweep over their starts and ends (an end before a start at a tie). */
    static int maxOverlap(Collection<Interval> intervals) {
        List<long[]> points = new ArrayList<>();
        for (Interval i : intervals) {
            points.add(new long[] {nanos(i.start()), +1});
            points.add(new long[] {nanos(i.end()), -1});
        }
        points.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] p : points) {
            now += (int) p[1];
            max = Math.max(max, now);
        }
        return max;
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** The time of the first event of the workflow that says {@code job} reached {@code jobState}. */
    Instant jobEvent(String workflowId, String job, String jobState) {
        for (JsonNode e : events(workflowId)) {
            if (e.path("job").asText().equals(job) && e.path("job_state").asText().equals(jobState)) return Instant.parse(e.path("time").asText());
        }
        throw new AssertionError("no event with job " + job + " job_state " + jobState + " in " + events(workflowId));
    }

    /** The first event of the workflow's own state (no job) matching, after {@code after}. */
    Instant stateEvent(String workflowId, String state, Instant after) {
        for (JsonNode e : events(workflowId)) {
            if (e.has("job") || !e.path("state").asText().equals(state)) continue;
            Instant t = Instant.parse(e.path("time").asText());
            if (after == null || t.isAfter(after)) return t;
        }
        throw new AssertionError("no workflow event " + state + " after " + after + " in " + events(workflowId));
    }

    /** Polls the workflow's run.json (as written, no liveness check) until it matches. */
    JsonNode awaitRun(String id, Predicate<JsonNode> ok, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            Path f = project.runDir(id).resolve("run.json");
            if (Files.exists(f)) {
                try {
                    last = JSON.readTree(f.toFile());
                    if (ok.test(last)) return last;
                } catch (IOException replacedWhileRead) {
                    // written atomically, but a reader can meet the rename
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("run " + id + " never matched in " + max.toSeconds() + " s; last run.json: " + last);
    }

    /** Polls the workflow's children.jsonl until {@code ok} holds for its lines. */
    List<JsonNode> awaitChildren(String id, Predicate<List<JsonNode>> ok, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        List<JsonNode> last = List.of();
        while (System.nanoTime() < end) {
            try {
                last = children(id);
                if (ok.test(last)) return last;
            } catch (UncheckedIOException | AssertionError partialLine) {
                // a line being appended
            }
            Thread.sleep(5);
        }
        throw new AssertionError("children of " + id + " never matched in " + max.toSeconds() + " s; last: " + last);
    }

    /** {@code ao runs show ID -o json}: the run as ao reads it (a run whose supervisor is gone reads as lost). */
    JsonNode show(String id) {
        Ao.Result r = project.ao().run(60, "runs", "show", id, "-o", "json");
        if (r.exit() != 0) throw new AssertionError(r.toString());
        try {
            return JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new AssertionError(r.toString(), e);
        }
    }

    /** The workflow's records in one string, for an assertion's message. */
    String dump(String workflowId) {
        StringBuilder b = new StringBuilder("\n--- run " + workflowId + " ---\n");
        for (String f : List.of("run.json", "events.jsonl", "jobs.json", "children.jsonl", "supervisor.log")) {
            Path p = project.runDir(workflowId).resolve(f);
            try {
                b.append("--- ").append(f).append(" ---\n").append(Files.exists(p) ? Files.readString(p) : "(none)").append('\n');
            } catch (IOException e) {
                b.append(e).append('\n');
            }
        }
        b.append("--- child runs ---\n");
        for (JsonNode c : children(workflowId)) {
            JsonNode r = run(c.path("id").asText());
            b.append(c.path("id").asText()).append(' ').append(c.path("job").asText()).append(c.has("item") ? "[" + c.path("item") + "]" : "")
                    .append(" attempt ").append(c.path("attempt")).append(": ").append(r.path("state").asText()).append(" (")
                    .append(r.path("reason").asText("")).append(")\n");
        }
        return b.toString();
    }

    static JsonNode read(Path f) {
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> lines(Path f) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String l : Files.readAllLines(f)) {
                if (l.isBlank()) continue;
                try {
                    out.add(JSON.readTree(l));
                } catch (IOException e) {
                    throw new AssertionError(f + ": not a JSON line: " + l, e);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
