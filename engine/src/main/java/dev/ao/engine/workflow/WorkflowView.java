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
            for (JsonNode n : root.path("jobs")) {
                JobRecord j = RunStore.JSON.treeToValue(n, JobRecord.class);
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

    /** The sha256 of the workflow file when the run started. */
    public static String recordedSha(RunStore store, String id) {
        try {
            return RunStore.JSON.readTree(store.dir(id).resolve(WorkflowRunner.JOBS).toFile()).path("sha256").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
