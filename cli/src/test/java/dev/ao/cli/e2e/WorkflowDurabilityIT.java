package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.ao.cli.e2e.WorkflowRecords.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A workflow whose supervisor is killed with SIGKILL mid-run: what the records say afterwards, and what
 * {@code ao runs resume} does with them. Which jobs ran, and how often, is counted from children.jsonl and
 * {@code ao runs list --all}, before and after.
 */
class WorkflowDurabilityIT {
    /** b runs long enough to be killed in the middle of, once a and a2 have succeeded; c needs what b made. */
    private static final String WORKFLOW = """
            name: durable
            jobs:
              a:
                shell: bash
                run: echo "v=from-a" >> "$AO_OUTPUT"
              a2:
                shell: python
                run: print("a2")
              b:
                needs: [a, a2]
                with: {v: "${{ jobs.a.outputs.v }}"}
                shell: bash
                run: |
                  sleep 3
                  echo "got=$AO_PARAM_V" >> "$AO_OUTPUT"
              c:
                needs: [b]
                with: {v: "${{ jobs.b.outputs.got }}"}
                shell: bash
                run: echo "c=$AO_PARAM_V" >> "$AO_OUTPUT"
            """;

    private TestProject project;
    private WorkflowRecords records;
    private OwnProcesses own;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("wf-durable");
        records = new WorkflowRecords(project);
        own = new OwnProcesses();
        project.write("durable.yml", WORKFLOW);
    }

    @AfterEach
    void tearDown() {
        if (own != null) own.close();
        if (project != null) project.close();
    }

    /** The resume's bookkeeping, not the sandbox's user: the suite's non-root pass keeps to the kill and resume itself. */
    private static void rootPassOnly() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Ao.itUid().isEmpty(), "checked in the root pass");
    }

    private String detach(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "durable.yml", "--detach"));
        args.addAll(List.of(more));
        Ao.Result r = project.ao().run(60, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = r.stdout().strip();
        own.supervisorOf(project.runDir(id));
        return id;
    }

    /** Kills the supervisor once b's child is running and jobs.json says so: a, a2 have succeeded by then. */
    private void killWhileBRuns(String id) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            assertThat(System.nanoTime()).as("b never ran%s", records.dump(id)).isLessThan(end);
            List<String> b = records.childIds(id, "b");
            if (!b.isEmpty() && Files.exists(project.runDir(b.get(0)).resolve("run.json"))
                    && records.run(b.get(0)).path("state").asText().equals("running")
                    && records.jobs(id).get("b").path("state").asText().equals("running")
                    && records.jobs(id).get("a2").path("state").asText().equals("succeeded")) {
                break;
            }
            Thread.sleep(20);
        }
        OwnProcesses.kill9(records.run(id).path("supervisor").path("pid").asLong());
    }

    /** {@code ao runs show} until the run reads as lost (a killed process can take a moment to be reaped). */
    private JsonNode awaitLost(String id) throws Exception {
        JsonNode shown = null;
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            shown = records.show(id);
            if (shown.path("state").asText().equals("lost")) return shown;
            Thread.sleep(200);
        }
        throw new AssertionError("never lost: " + shown);
    }

    /** Child runs per job, from children.jsonl. */
    private Map<String, Integer> childCounts(String id) {
        Map<String, Integer> fromFile = new HashMap<>();
        for (JsonNode c : records.children(id)) fromFile.merge(c.path("job").asText(), 1, Integer::sum);
        return fromFile;
    }

    /** {@link #childCounts}, checked against {@code ao runs list --all -o json}, which reads every child's run.json. */
    private Map<String, Integer> listedChildCounts(String id) throws Exception {
        Map<String, Integer> fromFile = childCounts(id);
        Ao.Result list = project.ao().run(60, "runs", "list", "--all", "--limit", "0", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        Map<String, Integer> listed = new HashMap<>();
        for (JsonNode r : JSON.readTree(list.stdout())) {
            if (id.equals(r.path("parent").asText(null))) listed.merge(r.path("job").asText(), 1, Integer::sum);
        }
        assertThat(listed).as("ao runs list --all agrees with children.jsonl").isEqualTo(fromFile);
        return fromFile;
    }

    @Test
    void aKilledWorkflowIsLostAndResumeFinishesItWithoutRunningSucceededJobsAgain() throws Exception {
        String id = detach();
        killWhileBRuns(id);

        JsonNode lost = awaitLost(id);
        Map<String, String> states = new HashMap<>();
        lost.path("jobs").forEach(j -> states.put(j.path("id").asText(), j.path("state").asText()));
        assertThat(states).containsEntry("a", "succeeded").containsEntry("a2", "succeeded").containsEntry("b", "interrupted")
                .containsEntry("c", "queued");
        Map<String, Integer> before = childCounts(id);
        assertThat(before).isEqualTo(Map.of("a", 1, "a2", 1, "b", 1));

        // b was running and is not idempotent: refused, and the refusal names it
        Ao.Result refused = project.ao().run(120, "runs", "resume", id);
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.stderr()).contains("job b").contains("--rerun-interrupted");
        assertThat(childCounts(id)).as("nothing ran").isEqualTo(before);

        // the file changed since the run started: refused too, until --allow-changed
        Path file = project.root().resolve("durable.yml");
        project.write("durable.yml", WORKFLOW + "# edited after the run started\n");
        Ao.Result changed = project.ao().run(120, "runs", "resume", id, "--rerun-interrupted");
        assertThat(changed.exit()).as(changed.toString()).isEqualTo(2);
        assertThat(changed.stderr()).contains(file.toString()).contains("changed").contains("--allow-changed");
        assertThat(childCounts(id)).as("nothing ran").isEqualTo(before);

        Ao.Result resumed = project.ao().run(180, "runs", "resume", id, "--rerun-interrupted", "--allow-changed");
        assertThat(resumed.exit()).as(resumed.toString()).isZero();
        assertThat(listedChildCounts(id)).as("a and a2 kept, b run again, c run once").isEqualTo(Map.of("a", 1, "a2", 1, "b", 2, "c", 1));
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("a").path("reason").asText()).contains("kept");
        // c got what b made from a's kept outputs
        assertThat(jobs.get("c").path("outputs").path("c").asText()).isEqualTo("from-a");
        JsonNode done = records.run(id);
        assertThat(done.path("state").asText()).isEqualTo("succeeded");
        assertThat(done.path("exit_code").asInt()).isZero();
    }

    @Test
    void aJobWhoseChildHadJustStartedIsNotRunAgainWithoutRerunInterrupted() throws Exception {
        rootPassOnly();
        String id = detach();
        // the moment b's child run is recorded as started, before anything else is written
        records.awaitChildren(id, c -> c.stream().anyMatch(n -> n.path("job").asText().equals("b")), Duration.ofSeconds(90));
        OwnProcesses.kill9(records.run(id).path("supervisor").path("pid").asLong());
        awaitLost(id);
        assertThat(childCounts(id)).containsEntry("b", 1);

        Ao.Result resumed = project.ao().run(180, "runs", "resume", id);
        assertThat(resumed.exit()).as("b's child had started: resume must refuse without --rerun-interrupted\n%s%s", resumed, records.dump(id))
                .isEqualTo(2);
        assertThat(resumed.stderr()).contains("job b");
        assertThat(childCounts(id)).containsEntry("b", 1);
    }

    @Test
    void aResumedWorkflowRunsItsRemainingJobsInTheSandboxItStartedWith() throws Exception {
        rootPassOnly();
        String id = detach("--sandbox", "read-only");
        killWhileBRuns(id);
        awaitLost(id);
        assertThat(records.run(records.childIds(id, "b").get(0)).path("sandbox").path("mode").asText()).isEqualTo("read-only");

        Ao.Result resumed = project.ao().run(180, "runs", "resume", id, "--rerun-interrupted");
        assertThat(resumed.exit()).as(resumed.toString()).isZero();
        List<String> b = records.childIds(id, "b");
        assertThat(b).hasSize(2);
        for (String child : List.of(b.get(1), records.childIds(id, "c").get(0))) {
            JsonNode run = records.run(child);
            assertThat(run.path("sandbox").path("mode").asText()).as("%s (%s) after the resume", child, run.path("job").asText())
                    .isEqualTo("read-only");
        }
    }
}
