package dev.ao.tui;

import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.JobRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WorkflowModelTest {
    private static JobRecord job(String id, RunState s, Integer items, int ok, int failed, int running, List<String> runs) {
        return new JobRecord(id, s, null, items, ok, failed, running, 1, RunStore.JSON.createObjectNode(), runs, null, null, null, null);
    }

    @Test
    void progressCountsAPlainJobOnceAndAForEachJobOncePerItem() {
        WorkflowModel.Progress p = WorkflowModel.Progress.of(List.of(
                job("find", RunState.SUCCEEDED, null, 1, 0, 0, List.of()),
                job("restart", RunState.RUNNING, 50, 35, 2, 3, List.of()),
                job("verify", RunState.QUEUED, null, 0, 0, 0, List.of())));
        assertThat(p).isEqualTo(new WorkflowModel.Progress(38, 52, 36, 2, 3));
        assertThat(p.bar(52)).isEqualTo("█".repeat(38) + "░".repeat(14));
        // a job that ended counts whole, whatever its items did (canceled items are neither ok nor failed)
        assertThat(WorkflowModel.Progress.of(List.of(job("restart", RunState.CANCELED, 10, 2, 0, 0, List.of()))).done()).isEqualTo(10);
    }

    @Test
    void eventsReadAsTimeJobStateAndWhy() {
        var retry = WorkflowModel.Event.parse("{\"time\":\"2025-03-01T12:00:01Z\",\"state\":\"running\",\"job\":\"each\","
                + "\"job_state\":\"retrying\",\"item\":1,\"attempt\":2,\"backoff_ms\":2000,\"after\":\"failed (exit code 3)\"}");
        assertThat(retry.job()).isEqualTo("each[1]");
        assertThat(retry.state()).isEqualTo("retrying");
        assertThat(retry.detail()).isEqualTo("attempt 2 in 2.0 s after failed (exit code 3)");
        assertThat(retry.runState()).isNull();

        var decision = WorkflowModel.Event.parse("{\"time\":\"2025-03-01T12:00:01Z\",\"state\":\"waiting_approval\",\"job\":\"gate\","
                + "\"decision\":\"approved\",\"by\":\"ann via ao tui\"}");
        assertThat(decision).extracting(WorkflowModel.Event::job, WorkflowModel.Event::state, WorkflowModel.Event::detail)
                .containsExactly("gate", "approved", "by ann via ao tui");

        var end = WorkflowModel.Event.parse("{\"time\":\"2025-03-01T12:00:02Z\",\"state\":\"failed\",\"exit_code\":1,\"reason\":\"job each failed\"}");
        assertThat(end).extracting(WorkflowModel.Event::job, WorkflowModel.Event::state, WorkflowModel.Event::detail)
                .containsExactly("", "failed", "job each failed · exit code 1");
        assertThat(end.runState()).isEqualTo(RunState.FAILED);

        var resumed = WorkflowModel.Event.parse("{\"time\":\"2025-03-01T12:00:02Z\",\"state\":\"queued\",\"resumed\":true,\"kept\":[\"a\",\"b\"]}");
        assertThat(resumed.detail()).isEqualTo("resumed; kept a, b");
    }

    @Test
    void aLineThatIsNotAnEventIsShownAsItIs() {
        assertThat(WorkflowModel.Event.parse("{\"time\":\"2025-03-01T12:00:0")).extracting(WorkflowModel.Event::detail)
                .isEqualTo("{\"time\":\"2025-03-01T12:00:0");
        assertThat(WorkflowModel.Event.parse("[1,2]").state()).isEmpty();
    }

    @Test
    void onlyRunIdsNameAChildFolder() {
        assertThat(WorkflowModel.runIds(job("x", RunState.SUCCEEDED, null, 1, 0, 0,
                List.of("20250301-120000-001-a001", "../../etc", "20250301-120000-001-a001/..", "x"))))
                .containsExactly("20250301-120000-001-a001");
    }
}
