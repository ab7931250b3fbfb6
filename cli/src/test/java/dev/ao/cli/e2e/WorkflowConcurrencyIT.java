package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrency groups of workflows, between separate ao processes: a workflow-wide {@code cancel-in-progress} group
 * cancels the run that holds it, {@code fail} refuses at once with nothing run, and a job's {@code queue} group keeps
 * two workflows' jobs apart (proven from the children's recorded times).
 */
class WorkflowConcurrencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private Path go;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        project = TestProject.create("wf-concurrency");
        go = project.root().resolve("go");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (project != null && !Files.exists(go)) Files.writeString(go, "");
        for (Process p : started) Processes.kill(p);
        project.close();
    }

    /** A workflow whose one job waits until the test creates {@code go}; the group is the workflow's or the job's. */
    private Path workflow(String name, String workflowGroup, String jobGroup) {
        String wfc = workflowGroup == null ? "" : "concurrency: " + workflowGroup + "\n";
        String jc = jobGroup == null ? "" : "    concurrency: " + jobGroup + "\n";
        return project.write(name, "name: " + name.replace(".yml", "") + "\n" + wfc + "jobs:\n  hold:\n" + jc
                + "    shell: bash\n    with: {go: \"" + go + "\"}\n"
                + "    run: |\n      while [ ! -e \"$AO_PARAM_GO\" ]; do sleep 0.05; done\n      echo held\n");
    }

    private Process start(String... args) throws Exception {
        Path out = Files.createTempFile(project.base(), "ao-out", ".txt");
        Process p = project.ao().start(out, out, args);
        started.add(p);
        return p;
    }

    private String arrive(String file) throws Exception {
        Set<String> before = new HashSet<>(project.runIds());
        start("run", file);
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            for (String id : project.runIds()) {
                if (!before.contains(id) && Files.exists(project.runDir(id).resolve("run.json"))
                        && "workflow".equals(json(id).path("kind").asText())) return id;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no workflow run was recorded for " + file);
    }

    private JsonNode json(String id) throws Exception {
        for (int i = 0; ; i++) {
            try {
                return JSON.readTree(project.runDir(id).resolve("run.json").toFile());
            } catch (java.io.IOException notYet) {
                if (i > 100) throw notYet;
                Thread.sleep(20);
            }
        }
    }

    private JsonNode awaitState(String id, String... states) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode n = null;
        while (System.nanoTime() < end) {
            n = json(id);
            if (List.of(states).contains(n.path("state").asText())) return n;
            Thread.sleep(30);
        }
        throw new AssertionError("run " + id + " never reached " + List.of(states) + "; last: " + n);
    }

    /** The child runs of a workflow run, from its children.jsonl. */
    private List<String> children(String id) throws Exception {
        List<String> out = new ArrayList<>();
        Path f = project.runDir(id).resolve("children.jsonl");
        if (!Files.exists(f)) return out;
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(JSON.readTree(l).path("id").asText());
        return out;
    }

    private String awaitChildRunning(String wf) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            for (String c : children(wf)) if ("running".equals(json(c).path("state").asText())) return c;
            Thread.sleep(30);
        }
        throw new AssertionError("workflow " + wf + " never had a running child");
    }

    @Test
    void cancelInProgressCancelsTheHoldingWorkflowAndNotTheNewcomer() throws Exception {
        workflow("a.yml", "{group: deploy, limit: 1, on_conflict: cancel-in-progress}", null);
        String first = arrive("a.yml");
        String firstChild = awaitChildRunning(first);
        String second = arrive("a.yml");
        JsonNode canceled = awaitState(first, "canceled");
        assertThat(canceled.path("reason").asText()).contains("deploy").contains("cancel-in-progress");
        assertThat(json(firstChild).path("state").asText()).isEqualTo("canceled");
        awaitChildRunning(second);
        Files.writeString(go, "");
        assertThat(started.get(1).waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(started.get(1).exitValue()).isZero();
        assertThat(started.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(started.get(0).exitValue()).isEqualTo(130);
        assertThat(json(second).path("state").asText()).isEqualTo("succeeded");
    }

    @Test
    void failRefusesAtOnceAndRunsNothing() throws Exception {
        workflow("a.yml", "{group: deploy, limit: 1, on_conflict: fail}", null);
        String first = arrive("a.yml");
        awaitChildRunning(first);
        Set<String> before = new HashSet<>(project.runIds());
        Ao.Result r = project.ao().run("run", "a.yml");
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.err()).contains("deploy").contains(first);
        Set<String> added = new HashSet<>(project.runIds());
        added.removeAll(before);
        assertThat(added).as("only the refused workflow's own record").hasSize(1);
        String refused = added.iterator().next();
        assertThat(json(refused).path("state").asText()).isEqualTo("rejected");
        assertThat(children(refused)).as("no job ran").isEmpty();
        Files.writeString(go, "");
        assertThat(started.get(0).waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(started.get(0).exitValue()).isZero();
    }

    @Test
    void aJobGroupKeepsTwoWorkflowsJobsApartInArrivalOrder() throws Exception {
        workflow("a.yml", null, "{group: \"db-${{ run.id != '' ? 'main' : 'x' }}\", limit: 1}");
        String first = arrive("a.yml");
        String firstChild = awaitChildRunning(first);
        String second = arrive("a.yml");
        // the second's job waits for the slot: recorded blocked in its jobs, and no child started
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String jobState = "";
        while (System.nanoTime() < end && !jobState.equals("blocked")) {
            Path jobs = project.runDir(second).resolve("jobs.json");
            if (Files.exists(jobs)) jobState = JSON.readTree(jobs.toFile()).path("jobs").get(0).path("state").asText();
            Thread.sleep(50);
        }
        assertThat(jobState).isEqualTo("blocked");
        assertThat(children(second)).isEmpty();
        Files.writeString(go, "");
        for (Process p : started) {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        String secondChild = children(second).get(0);
        Instant firstEnd = Instant.parse(json(firstChild).path("ended_at").asText());
        Instant secondStart = Instant.parse(json(secondChild).path("started_at").asText());
        assertThat(secondStart).as("the second job started only after the first ended").isAfterOrEqualTo(firstEnd);
        List<String> events = Files.readAllLines(project.runDir(second).resolve("events.jsonl"));
        assertThat(events).anySatisfy(l -> assertThat(l).contains("\"job_state\":\"blocked\"").contains("db-main"));
    }
}
