package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.run.RunState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded workflow run's jobs, read from its folder ({@code jobs.json}) by another process: {@code ao runs show},
 * the TUI, a resume. A job the file says is live while its workflow has ended (a supervisor killed) reads as
 * {@code interrupted}.
 */
public final class WorkflowView {
    private WorkflowView() {}

    public static List<JobRecord> jobs(RunStore store, String id) {
        Path f = store.dir(id).resolve(WorkflowRunner.JOBS);
        List<JobRecord> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) return out;
        try {
            JsonNode root = RunStore.JSON.readTree(f.toFile());
            boolean ended = store.read(id).map(r -> r.state().terminal()).orElse(true);
            // jobs.json is rewritten every half second; children.jsonl gets a line the moment a child starts
            java.util.Set<String> startedChild = ended ? jobsWithUnfinishedChildren(store, id) : java.util.Set.of();
            for (JsonNode n : root.path("jobs")) {
                JobRecord j = RunStore.JSON.treeToValue(n, JobRecord.class);
                if (ended && j.state() == RunState.QUEUED && startedChild.contains(j.id())) {
                    j = new JobRecord(j.id(), RunState.RUNNING, j.reason(), j.items(), j.succeeded(), j.failed(), 0, j.attempt(),
                            j.outputs(), j.runs(), j.startedAt(), j.endedAt(), j.summary(), j.uses());
                }
                if (ended && !j.state().terminal()) {
                    j = new JobRecord(j.id(), j.state() == RunState.QUEUED ? RunState.QUEUED : RunState.INTERRUPTED,
                            j.state() == RunState.QUEUED ? "never started" : "was " + j.state().id() + " when its supervisor ended",
                            j.items(), j.succeeded(), j.failed(), 0, j.attempt(), j.outputs(), j.runs(), j.startedAt(), j.endedAt(),
                            j.summary(), j.uses());
                }
                out.add(j);
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Jobs with a child run (in children.jsonl) that never recorded its end: it was running when its supervisor died. */
    static java.util.Set<String> jobsWithUnfinishedChildren(RunStore store, String id) {
        java.util.Set<String> out = new java.util.HashSet<>();
        Path f = store.dir(id).resolve(WorkflowRunner.CHILDREN);
        if (!Files.isRegularFile(f)) return out;
        try {
            for (String l : Files.readAllLines(f)) {
                if (l.isBlank()) continue;
                JsonNode n = RunStore.JSON.readTree(l);
                String child = n.path("id").asText("");
                boolean unfinished = store.read(child).map(r -> r.state() == RunState.LOST || !r.state().terminal()).orElse(true);
                if (unfinished) out.add(n.path("job").asText());
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The options the run's children ran with ({@code sandbox}, {@code network}, {@code allow_read}, {@code allow_write}). */
    public static JsonNode options(RunStore store, String id) {
        try {
            return RunStore.JSON.readTree(store.dir(id).resolve(WorkflowRunner.JOBS).toFile()).path("options");
        } catch (IOException e) {
            return RunStore.JSON.createObjectNode();
        }
    }

    /** The sha256 of the workflow file when the run started. */
    public static String recordedSha(RunStore store, String id) {
        try {
            return RunStore.JSON.readTree(store.dir(id).resolve(WorkflowRunner.JOBS).toFile()).path("sha256").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
