package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ao.cli.e2e.WorkflowRecords.Interval;
import static dev.ao.cli.e2e.WorkflowRecords.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workflows run by the built ao, every job a real sandboxed child run: what ran, when, how often and with what is read
 * back from the records (children's run.json, the workflow's events.jsonl, jobs.json, children.jsonl), never from
 * sleeps or from what ao printed alone.
 */
class WorkflowIT {
    private TestProject project;
    private WorkflowRecords records;
    private OwnProcesses own;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("workflow");
        records = new WorkflowRecords(project);
        own = new OwnProcesses();
    }

    @AfterEach
    void tearDown() {
        if (own != null) own.close();
        if (project != null) project.close();
    }

    /**
     * Scheduling, validation and control files alone, no privilege in play: the suite's non-root pass (ao as an
     * unprivileged user) keeps to what the sandbox's user changes, the runs, a cancel and a resume; the rest once.
     */
    private static void rootPassOnly() {
        Assumptions.assumeTrue(Ao.itUid().isEmpty(), "scheduling only: checked in the root pass");
    }

    /** {@code ao run FILE -o json ARGS}: the workflow's run with its jobs. */
    private JsonNode runJson(int expectedExit, String file, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", file, "-o", "json"));
        args.addAll(List.of(more));
        Ao.Result r = project.ao().run(240, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isEqualTo(expectedExit);
        JsonNode n = JSON.readTree(r.stdout());
        assertThat(n.path("kind").asText()).isEqualTo("workflow");
        return n;
    }

    private String detach(String file, String... more) {
        List<String> args = new ArrayList<>(List.of("run", file, "--detach"));
        args.addAll(List.of(more));
        Ao.Result r = project.ao().run(60, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = r.stdout().strip();
        own.supervisorOf(project.runDir(id));
        return id;
    }

    private static Map<String, JsonNode> byId(JsonNode jobs) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode j : jobs) out.put(j.path("id").asText(), j);
        return out;
    }

    private static Instant latestEnd(Interval... xs) {
        Instant t = Instant.MIN;
        for (Interval x : xs) if (x.end().isAfter(t)) t = x.end();
        return t;
    }

    // ---- the DAG ----

    @Test
    void jobsRunInDagOrderAndIndependentJobsRunAtTheSameTime() throws Exception {
        project.write("dag.yml", """
                name: dag
                max_parallel: 4
                jobs:
                  a:
                    shell: bash
                    run: |
                      sleep 0.5
                      echo "k=from-a" >> "$AO_OUTPUT"
                  b:
                    needs: [a]
                    shell: bash
                    run: sleep 1.5
                  c:
                    needs: [a]
                    with: {v: "${{ jobs.a.outputs.k }}"}
                    shell: bash
                    run: |
                      sleep 1.5
                      echo "got=$AO_PARAM_V" >> "$AO_OUTPUT"
                  d:
                    needs: [b, c]
                    with: {x: "${{ jobs.c.outputs.got }}/${{ jobs.b.result }}"}
                    shell: python
                    run: |
                      import json, os
                      p = json.load(open(os.environ["AO_PARAMS"]))
                      with open(os.environ["AO_OUTPUT"], "a") as f:
                          f.write("x=%s\\nfrom_file=%s\\n" % (os.environ["AO_PARAM_X"], p["x"]))
                  lone:
                    shell: bash
                    run: sleep 3
                summary: "d saw ${{ jobs.d.outputs.x }}"
                """);
        JsonNode run = runJson(0, "dag.yml");
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("succeeded");

        Interval a = records.only(id, "a"), b = records.only(id, "b"), c = records.only(id, "c"), d = records.only(id, "d"),
                lone = records.only(id, "lone");
        // a job's child run is created only after every child run of its needs ended
        for (String[] edge : new String[][] {{"b", "a"}, {"c", "a"}, {"d", "b"}, {"d", "c"}}) {
            Instant created = Instant.parse(records.run(records.childIds(id, edge[0]).get(0)).path("created_at").asText());
            Instant needEnded = records.only(id, edge[1]).end();
            assertThat(created).as(edge[0] + " created after " + edge[1] + " ended").isAfterOrEqualTo(needEnded);
            assertThat(records.jobEvent(id, edge[0], "running")).as(edge[0] + " running after " + edge[1] + " succeeded")
                    .isAfterOrEqualTo(records.jobEvent(id, edge[1], "succeeded"));
        }
        assertThat(d.start()).isAfterOrEqualTo(latestEnd(b, c));
        // and what may run at once did
        assertThat(b.overlaps(c)).as("b %s and c %s overlap", b, c).isTrue();
        assertThat(lone.overlaps(a)).as("lone %s and a %s overlap", lone, a).isTrue();
        assertThat(lone.overlaps(b) || lone.overlaps(c)).as("lone overlaps b or c").isTrue();

        // outputs flow through with: as AO_PARAM_* and $AO_PARAMS
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("d").path("outputs").path("x").asText()).isEqualTo("from-a/succeeded");
        assertThat(jobs.get("d").path("outputs").path("from_file").asText()).isEqualTo("from-a/succeeded");
        assertThat(records.run(id).path("summary").asText()).isEqualTo("d saw from-a/succeeded");
        assertThat(records.children(id)).hasSize(5);
        for (JsonNode child : records.children(id)) {
            JsonNode cr = records.run(child.path("id").asText());
            assertThat(cr.path("parent").asText()).isEqualTo(id);
            assertThat(cr.path("kind").asText()).isEqualTo("job");
            assertThat(cr.path("job").asText()).isEqualTo(child.path("job").asText());
        }
    }

    @Test
    void theWorkflowWideMaxParallelBoundsChildRunsAcrossAllItsJobs() throws Exception {
        rootPassOnly();
        project.write("width.yml", """
                name: width
                max_parallel: 2
                jobs:
                  a: {shell: bash, run: sleep 1}
                  b: {shell: bash, run: sleep 1}
                  c: {shell: bash, run: sleep 1}
                  each:
                    for_each: ${{ [1, 2, 3] }}
                    shell: bash
                    run: sleep 1
                """);
        JsonNode run = runJson(0, "width.yml");
        String id = run.path("id").asText();
        List<Interval> all = new ArrayList<>();
        for (String job : List.of("a", "b", "c", "each")) all.addAll(records.intervals(id, job));
        assertThat(all).hasSize(6);
        assertThat(WorkflowRecords.maxOverlap(all)).as("child runs at once under max_parallel: 2: %s", all).isEqualTo(2);
    }

    @Test
    void theFirstParallelRunsOfAFreshStoreAllStart() throws Exception {
        rootPassOnly();
        project.write("first.yml", """
                name: first
                max_parallel: 12
                jobs:
                  each:
                    for_each: ${{ [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }}
                    max_parallel: 12
                    shell: bash
                    run: "true"
                """);
        // what a fresh store lacks: the library every run is given, written by the first runs
        for (int round = 0; round < 2; round++) {
            RunsTree.delete(project.root().resolve(".ao/lib"));
            Ao.Result r = project.ao().run(120, "run", "first.yml", "-o", "json");
            JsonNode run = JSON.readTree(r.stdout());
            String id = run.path("id").asText();
            assertThat(r.exit()).as("round %d%s", round, records.dump(id)).isZero();
            assertThat(records.jobs(id).get("each").path("succeeded").asInt()).isEqualTo(12);
        }
    }

    // ---- failures ----

    @Test
    void aFailedJobSkipsItsDependentsAndOnlyTheConditionsThatAskForItRun() throws Exception {
        rootPassOnly();
        project.write("fail.yml", """
                name: fail
                max_parallel: 4
                jobs:
                  bad:
                    shell: bash
                    run: exit 3
                  dep:
                    needs: [bad]
                    shell: bash
                    run: echo dep
                  depdep:
                    needs: [dep]
                    shell: bash
                    run: echo depdep
                  on_failure:
                    needs: [bad]
                    if: ${{ failure() }}
                    shell: bash
                    run: echo cleaning up
                  anyway:
                    needs: [dep]
                    if: ${{ always() }}
                    shell: bash
                    run: echo anyway
                summary: "bad=${{ jobs.bad.result }}"
                """);
        JsonNode run = runJson(1, "fail.yml");
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("failed");
        assertThat(run.path("reason").asText()).isEqualTo("job bad failed");
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("bad").path("state").asText()).isEqualTo("failed");
        assertThat(jobs.get("bad").path("reason").asText()).contains("exit code 3");
        assertThat(jobs.get("dep").path("state").asText()).isEqualTo("skipped");
        assertThat(jobs.get("dep").path("reason").asText()).isEqualTo("needs bad, which ended failed");
        assertThat(jobs.get("depdep").path("state").asText()).isEqualTo("skipped");
        assertThat(jobs.get("depdep").path("reason").asText()).isEqualTo("needs dep, which was skipped");
        assertThat(records.childIds(id, "dep")).isEmpty();
        assertThat(records.childIds(id, "depdep")).isEmpty();
        for (String ran : List.of("on_failure", "anyway")) {
            assertThat(jobs.get(ran).path("state").asText()).as(ran).isEqualTo("succeeded");
            assertThat(records.run(records.childIds(id, ran).get(0)).path("state").asText()).isEqualTo("succeeded");
        }
        assertThat(records.only(id, "on_failure").start()).isAfterOrEqualTo(records.only(id, "bad").end());
        // the skip is an event with its reason, like every transition
        assertThat(records.events(id)).anySatisfy(e -> {
            assertThat(e.path("job").asText()).isEqualTo("dep");
            assertThat(e.path("job_state").asText()).isEqualTo("skipped");
            assertThat(e.path("reason").asText()).contains("needs bad");
        });
        // -o json carries the jobs as jobs.json has them
        Map<String, JsonNode> printed = byId(run.path("jobs"));
        assertThat(printed.keySet()).containsExactlyInAnyOrderElementsOf(jobs.keySet());
        jobs.forEach((k, v) -> assertThat(printed.get(k).path("state").asText()).as(k).isEqualTo(v.path("state").asText()));
        assertThat(run.path("summary").asText()).isEqualTo("bad=failed");
    }

    @Test
    void continueOnErrorLetsDependentsRunAndTheWorkflowSucceed() throws Exception {
        rootPassOnly();
        project.write("soft.yml", """
                name: soft
                jobs:
                  soft:
                    continue_on_error: true
                    shell: bash
                    run: exit 4
                  after:
                    needs: [soft]
                    shell: bash
                    run: echo after
                  on_failure:
                    needs: [soft]
                    if: ${{ failure() }}
                    shell: bash
                    run: echo should not run
                """);
        JsonNode run = runJson(0, "soft.yml");
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("succeeded");
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("soft").path("state").asText()).isEqualTo("failed");
        assertThat(records.run(records.childIds(id, "soft").get(0)).path("exit_code").asInt()).isEqualTo(4);
        assertThat(jobs.get("after").path("state").asText()).isEqualTo("succeeded");
        assertThat(records.childIds(id, "after")).hasSize(1);
        assertThat(jobs.get("on_failure").path("state").asText()).isEqualTo("skipped");
        assertThat(records.childIds(id, "on_failure")).isEmpty();
    }

    @Test
    void aWithValueThatFailsTheSkillsParametersAtRunTimeFailsTheJobNamingTheParameter() throws Exception {
        rootPassOnly();
        project.config("[scripts]\nexecution_timeout = 60\n[skills]\npaths = [\"" + Ao.repo().resolve("skills") + "\"]\n");
        project.write("late.yml", """
                name: late
                jobs:
                  a:
                    shell: bash
                    run: echo "n=abc" >> "$AO_OUTPUT"
                  b:
                    needs: [a]
                    uses: logs/error-summary
                    with: {path: app.log, top: "${{ jobs.a.outputs.n }}"}
                """);
        JsonNode run = runJson(1, "late.yml");
        String id = run.path("id").asText();
        JsonNode b = records.jobs(id).get("b");
        assertThat(b.path("state").asText()).isEqualTo("failed");
        // only known once a ran: the binding error is b's reason, as 'ao run' would have said it
        assertThat(b.path("reason").asText()).as(records.dump(id)).contains("top").doesNotContain("Exception");
        assertThat(records.childIds(id, "b")).isEmpty();
    }

    // ---- retries ----

    @Test
    void retriesTryAgainAfterTheBackoffAndOnlyForWhatTheySayToRetry() throws Exception {
        rootPassOnly();
        project.write("counts/.keep", "");
        String dir = project.root().resolve("counts").toString();
        // one after another: each job's child runs alone, whatever the others do with the shared folder
        project.write("retry.yml", """
                name: retries
                jobs:
                  flaky:
                    retry: {attempts: 3, backoff: 500ms}
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      echo x >> "$AO_PARAM_DIR/flaky"
                      n=$(wc -l < "$AO_PARAM_DIR/flaky")
                      echo "attempt=$n" >> "$AO_OUTPUT"
                      [ "$n" -ge 3 ]
                  plain:
                    needs: [flaky]
                    if: ${{ always() }}
                    retry: {attempts: 3, backoff: 100ms, on: [timed_out]}
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      echo x >> "$AO_PARAM_DIR/plain"
                      exit 1
                  slow_once:
                    needs: [plain]
                    if: ${{ always() }}
                    timeout: 2
                    retry: {attempts: 2, backoff: 100ms, on: [timed_out]}
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      echo x >> "$AO_PARAM_DIR/slow_once"
                      if [ "$(wc -l < "$AO_PARAM_DIR/slow_once")" -eq 1 ]; then sleep 60; fi
                      echo done
                  codes:
                    needs: [slow_once]
                    if: ${{ always() }}
                    retry: {attempts: 3, backoff: 100ms, on: [7]}
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      echo x >> "$AO_PARAM_DIR/codes"
                      if [ "$(wc -l < "$AO_PARAM_DIR/codes")" -eq 1 ]; then exit 7; fi
                      exit 8
                """.replace("DIR", dir));
        JsonNode run = runJson(1, "retry.yml", "--allow-write", "counts");
        String id = run.path("id").asText();
        Map<String, JsonNode> jobs = records.jobs(id);
        String dump = records.dump(id);

        // flaky: failed twice, succeeded on attempt 3, each retry an event, each after its backoff
        assertThat(Files.readAllLines(Path.of(dir, "flaky"))).as(dump).hasSize(3);
        assertThat(jobs.get("flaky").path("state").asText()).isEqualTo("succeeded");
        assertThat(jobs.get("flaky").path("attempt").asInt()).isEqualTo(3);
        assertThat(jobs.get("flaky").path("outputs").path("attempt").asText()).isEqualTo("3");
        List<String> flaky = records.childIds(id, "flaky");
        assertThat(flaky).hasSize(3);
        List<String> states = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode child = records.run(flaky.get(i));
            assertThat(child.path("attempt").asInt()).isEqualTo(i + 1);
            states.add(child.path("state").asText());
        }
        assertThat(states).containsExactly("failed", "failed", "succeeded");
        List<JsonNode> retrying = records.events(id).stream()
                .filter(e -> e.path("job").asText().equals("flaky") && e.path("job_state").asText().equals("retrying")).toList();
        assertThat(retrying).extracting(e -> e.path("attempt").asInt()).containsExactly(2, 3);
        for (int n = 1; n < 3; n++) {
            long backoff = retrying.get(n - 1).path("backoff_ms").asLong();
            assertThat(backoff).isGreaterThanOrEqualTo(500);
            Instant prevEnd = records.interval(flaky.get(n - 1)).end();
            Instant nextCreated = Instant.parse(records.run(flaky.get(n)).path("created_at").asText());
            assertThat(Duration.between(prevEnd, nextCreated).toMillis()).as("gap before attempt %d", n + 1)
                    .isGreaterThanOrEqualTo(backoff);
        }

        // plain: retried only on timed_out, so a plain failure is not retried
        assertThat(Files.readAllLines(Path.of(dir, "plain"))).hasSize(1);
        assertThat(records.childIds(id, "plain")).hasSize(1);
        assertThat(jobs.get("plain").path("state").asText()).isEqualTo("failed");
        assertThat(records.events(id)).noneMatch(e -> e.path("job").asText().equals("plain") && e.path("job_state").asText().equals("retrying"));

        // slow_once: a timeout is what it retries
        List<String> slow = records.childIds(id, "slow_once");
        assertThat(slow).hasSize(2);
        assertThat(records.run(slow.get(0)).path("state").asText()).isEqualTo("timed_out");
        assertThat(records.run(slow.get(1)).path("state").asText()).isEqualTo("succeeded");
        assertThat(jobs.get("slow_once").path("state").asText()).isEqualTo("succeeded");

        // codes: exit 7 is retried, exit 8 is not
        List<String> codes = records.childIds(id, "codes");
        assertThat(codes).extracting(c -> records.run(c).path("exit_code").asInt()).containsExactly(7, 8);
        assertThat(jobs.get("codes").path("state").asText()).isEqualTo("failed");
        assertThat(run.path("reason").asText()).contains("plain").contains("codes").doesNotContain("flaky").doesNotContain("slow_once");
    }

    @Test
    void parallelJobsCanAllWriteToTheFolderGivenWithAllowWrite() throws Exception {
        Assumptions.assumeTrue(Ao.itUid().isEmpty() && root(), "a root ao lends the folder to the sandbox user; else nothing is lent");
        project.write("shared/.keep", "");
        String dir = project.root().resolve("shared").toString();
        project.write("shared.yml", """
                name: shared
                max_parallel: 2
                jobs:
                  long:
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      for i in $(seq 1 20); do echo "$i" >> "$AO_PARAM_DIR/long" || echo "write $i failed" >&2; sleep 0.1; done
                  short:
                    with: {dir: "DIR"}
                    shell: bash
                    run: |
                      sleep 0.5
                      echo x >> "$AO_PARAM_DIR/short"
                """.replace("DIR", dir));
        JsonNode run = runJson(0, "shared.yml", "--allow-write", "shared");
        String id = run.path("id").asText();
        assertThat(records.only(id, "long").overlaps(records.only(id, "short"))).as("the two ran at once").isTrue();
        assertThat(Files.readAllLines(Path.of(dir, "short"))).containsExactly("x");
        // short ended while long was still writing: long's writes after that must still land
        String longErr = project.read(Path.of(records.run(records.childIds(id, "long").get(0)).path("stderr_log").asText()));
        assertThat(longErr).as("long's stderr").doesNotContain("failed");
        assertThat(Files.readAllLines(Path.of(dir, "long"))).hasSize(20);
    }

    /** Deletes a folder tree (the test's own files). */
    private static final class RunsTree {
        static void delete(Path dir) throws java.io.IOException {
            if (!Files.exists(dir)) return;
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static boolean root() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }

    // ---- for_each ----

    @Test
    void forEachOverTwoHundredItemsKeepsToMaxParallelAndKeepsEveryItemsOutputsInOrder() throws Exception {
        rootPassOnly();
        project.write("fan.yml", """
                name: fan
                max_parallel: 8
                jobs:
                  gen:
                    shell: python
                    run: |
                      import json, os
                      items = [{"n": i, "name": "i%d" % i} for i in range(200)]
                      with open(os.environ["AO_OUTPUT"], "a") as f:
                          f.write("items=" + json.dumps(items) + "\\n")
                  each:
                    needs: [gen]
                    for_each: ${{ fromJSON(jobs.gen.outputs.items) }}
                    max_parallel: 8
                    shell: bash
                    run: |
                      echo "sq=$((AO_INDEX * AO_INDEX))" >> "$AO_OUTPUT"
                      echo "item=$AO_ITEM" >> "$AO_OUTPUT"
                      [ "$AO_INDEX" != 17 ]
                summary: "${{ size(jobs.each.outputs) }} items, 5th sq=${{ jobs.each.outputs[5].sq }}"
                """);
        JsonNode run = runJson(1, "fan.yml");
        String id = run.path("id").asText();
        JsonNode each = records.jobs(id).get("each");
        assertThat(each.path("state").asText()).isEqualTo("failed");
        assertThat(each.path("items").asInt()).isEqualTo(200);
        assertThat(each.path("succeeded").asInt()).isEqualTo(199);
        assertThat(each.path("failed").asInt()).isEqualTo(1);
        assertThat(each.path("reason").asText()).contains("item 17");

        // every item's outputs, in item order
        JsonNode outs = each.path("outputs");
        assertThat(outs.isArray()).isTrue();
        assertThat(outs.size()).isEqualTo(200);
        for (int i = 0; i < 200; i++) {
            assertThat(outs.get(i).path("sq").asText()).as("item %d", i).isEqualTo(Integer.toString(i * i));
            JsonNode item = JSON.readTree(outs.get(i).path("item").asText());
            assertThat(item.path("n").asInt()).isEqualTo(i);
            assertThat(item.path("name").asText()).isEqualTo("i" + i);
        }
        assertThat(run.path("summary").asText()).isEqualTo("200 items, 5th sq=25");

        // a child per item; the one failing item failed alone
        List<String> ids = records.childIds(id, "each");
        assertThat(ids).hasSize(200);
        List<Interval> intervals = new ArrayList<>();
        Map<Integer, String> stateByItem = new HashMap<>();
        for (String c : ids) {
            JsonNode cr = records.run(c);
            stateByItem.put(cr.path("item").asInt(), cr.path("state").asText());
            intervals.add(records.interval(c));
        }
        assertThat(stateByItem).hasSize(200);
        stateByItem.forEach((i, s) -> assertThat(s).as("item %d", i).isEqualTo(i == 17 ? "failed" : "succeeded"));

        // never more than 8 at once, and really in parallel
        int peak = WorkflowRecords.maxOverlap(intervals);
        assertThat(peak).as("child runs at once").isLessThanOrEqualTo(8).isGreaterThanOrEqualTo(4);
    }

    // ---- approvals ----

    private static final String GATED = """
            name: gated
            jobs:
              first:
                shell: bash
                run: echo first
              gated:
                needs: [first]
                approval: true
                shell: bash
                run: echo gated ran
              later:
                needs: [gated]
                shell: bash
                run: echo later
            """;

    @Test
    void inCiAnApprovalJobRefusesWithoutApproveAndRunsWithIt() throws Exception {
        rootPassOnly();
        project.write("gated.yml", GATED);
        JsonNode refused = runJson(126, "gated.yml");
        String id = refused.path("id").asText();
        assertThat(refused.path("state").asText()).isEqualTo("rejected");
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("gated").path("state").asText()).isEqualTo("rejected");
        assertThat(jobs.get("gated").path("reason").asText()).contains("--approve");
        assertThat(records.childIds(id, "gated")).as("nothing of the gated job ran").isEmpty();
        assertThat(records.childIds(id, "later")).isEmpty();
        assertThat(jobs.get("later").path("state").asText()).isNotEqualTo("succeeded");
        assertThat(records.events(id)).anySatisfy(e -> {
            assertThat(e.path("job").asText()).isEqualTo("gated");
            assertThat(e.path("decision").asText()).isEqualTo("rejected");
        });

        JsonNode approved = runJson(0, "gated.yml", "--approve");
        String id2 = approved.path("id").asText();
        assertThat(records.childIds(id2, "gated")).hasSize(1);
        assertThat(records.run(records.childIds(id2, "gated").get(0)).path("summary").asText()).isEqualTo("gated ran");
        assertThat(records.childIds(id2, "later")).hasSize(1);
        assertThat(records.events(id2)).anySatisfy(e -> {
            assertThat(e.path("job").asText()).isEqualTo("gated");
            assertThat(e.path("decision").asText()).isEqualTo("approved");
            assertThat(e.path("by").asText()).contains("--approve");
        });
    }

    @Test
    void aDetachedWorkflowWaitsForApprovalFromAnotherProcess() throws Exception {
        rootPassOnly();
        project.write("gated.yml", GATED);
        String id = detach("gated.yml");
        JsonNode waiting = null;
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            waiting = records.show(id);
            if (waiting.path("state").asText().equals("waiting_approval")) break;
            assertThat(waiting.path("state").asText()).isIn("queued", "running");
            Thread.sleep(300);
        }
        assertThat(waiting.path("state").asText()).isEqualTo("waiting_approval");
        assertThat(byId(waiting.path("jobs")).get("gated").path("state").asText()).isEqualTo("waiting_approval");
        assertThat(records.childIds(id, "gated")).as("nothing of the gated job ran before the approval").isEmpty();

        Ao.Result approve = project.ao().run(60, "runs", "approve", id);
        assertThat(approve.exit()).as(approve.toString()).isZero();
        Ao.Result waited = project.ao().run(120, "runs", "wait", id);
        assertThat(waited.exit()).as(waited.toString()).isZero();
        assertThat(records.run(id).path("state").asText()).isEqualTo("succeeded");
        assertThat(records.childIds(id, "gated")).hasSize(1);
        assertThat(records.childIds(id, "later")).hasSize(1);
        Instant decided = null;
        for (JsonNode e : records.events(id)) {
            if (e.path("job").asText().equals("gated") && e.path("decision").asText().equals("approved")) {
                assertThat(e.path("by").asText()).contains("ao runs approve");
                decided = Instant.parse(e.path("time").asText());
            }
        }
        assertThat(decided).as("an approved decision event").isNotNull();
        assertThat(Instant.parse(records.run(records.childIds(id, "gated").get(0)).path("created_at").asText())).isAfter(decided);
    }

    // ---- control from another process ----

    @Test
    void cancelEndsTheWholeTreeAndQueuedJobsNeverStart() throws Exception {
        project.write("cancel.yml", """
                name: cancel
                jobs:
                  slow:
                    shell: bash
                    run: |
                      sleep 300 &
                      sleep 300
                  slow2:
                    shell: bash
                    run: sleep 300
                  queued:
                    needs: [slow]
                    shell: bash
                    run: echo never
                """);
        String id = detach("cancel.yml");
        long supervisor = WorkflowRecords.read(project.runDir(id).resolve("run.json")).path("supervisor").path("pid").asLong();
        // both children running, and their scripts started (three sleeps under bash under bwrap under the supervisor)
        records.awaitChildren(id, c -> c.size() == 2, Duration.ofSeconds(60));
        List<Long> tree = List.of();
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end && sleeps(tree) < 3) {
            Thread.sleep(50);
            tree = ProcessHandle.of(supervisor).map(h -> h.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
        }
        assertThat(sleeps(tree)).as("three sleeps under the supervisor: %s%s", commands(tree), records.dump(id)).isEqualTo(3);

        Ao.Result cancel = project.ao().run(60, "runs", "cancel", id);
        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        List<Long> everything = new ArrayList<>(tree);
        everything.add(supervisor);
        assertThat(OwnProcesses.awaitGone(everything, Duration.ofSeconds(15)))
                .as("no process of the tree is left: %s", commands(everything.stream().filter(OwnProcesses::running).toList())).isTrue();

        String dump = records.dump(id);
        JsonNode wf = records.run(id);
        assertThat(wf.path("state").asText()).as(dump).isEqualTo("canceled");
        assertThat(wf.path("exit_code").asInt()).as(dump).isEqualTo(130);
        Map<String, JsonNode> jobs = records.jobs(id);
        assertThat(jobs.get("queued").path("state").asText()).as(dump).isEqualTo("canceled");
        assertThat(records.childIds(id, "queued")).isEmpty();
        for (String job : List.of("slow", "slow2")) {
            assertThat(jobs.get(job).path("state").asText()).as(job + dump).isEqualTo("canceled");
            assertThat(records.run(records.childIds(id, job).get(0)).path("state").asText()).as(job + dump).isEqualTo("canceled");
        }
    }

    private static long sleeps(List<Long> pids) {
        return pids.stream().filter(p -> ProcessHandle.of(p).flatMap(h -> h.info().command()).orElse("").endsWith("/sleep")).count();
    }

    private static List<String> commands(List<Long> pids) {
        return pids.stream().map(p -> p + " " + ProcessHandle.of(p).flatMap(h -> h.info().commandLine()).orElse("?")).toList();
    }

    @Test
    void pauseStartsNothingNewUntilResume() throws Exception {
        rootPassOnly();
        project.write("pause.yml", """
                name: pause
                jobs:
                  each:
                    for_each: ${{ [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }}
                    max_parallel: 1
                    shell: bash
                    run: sleep 1
                """);
        String id = detach("pause.yml");
        records.awaitChildren(id, c -> c.size() >= 2, Duration.ofSeconds(60));
        Ao.Result pause = project.ao().run(60, "runs", "pause", id);
        assertThat(pause.exit()).as(pause.toString()).isZero();
        assertThat(pause.stdout()).contains(id + " paused");
        // a while paused: the window is what the records are checked over, not a guess of how long things take
        Thread.sleep(2_000);
        Ao.Result resume = project.ao().run(60, "runs", "resume", id);
        assertThat(resume.exit()).as(resume.toString()).isZero();
        JsonNode done = records.awaitRun(id, r -> !List.of("queued", "running", "paused").contains(r.path("state").asText()), Duration.ofSeconds(120));
        assertThat(done.path("state").asText()).as(records.dump(id)).isEqualTo("succeeded");

        Instant paused = records.stateEvent(id, "paused", null);
        Instant resumed = records.stateEvent(id, "running", paused);
        assertThat(Duration.between(paused, resumed).toMillis()).isGreaterThanOrEqualTo(1_500);
        List<String> ids = records.childIds(id, "each");
        assertThat(ids).hasSize(10);
        List<String> startedWhilePaused = new ArrayList<>();
        for (String c : ids) {
            Instant created = Instant.parse(records.run(c).path("created_at").asText());
            if (created.isAfter(paused) && created.isBefore(resumed)) startedWhilePaused.add(c + " item " + records.run(c).path("item") + " at " + created);
        }
        assertThat(startedWhilePaused).as("child runs created between paused (%s) and resumed (%s)", paused, resumed).isEmpty();
        assertThat(records.jobs(id).get("each").path("succeeded").asInt()).isEqualTo(10);
    }

    // ---- bad input ----

    private record Bad(String file, String yaml, List<Map.Entry<Integer, String>> problems) {}

    @Test
    void badWorkflowsAreRefusedWithALinePerProblemAndNothingIsRecorded() throws Exception {
        rootPassOnly();
        project.config("[scripts]\nexecution_timeout = 60\n[skills]\npaths = [\"" + Ao.repo().resolve("skills") + "\"]\n");
        // problems of one stage are reported together; a file that does not parse, or whose graph is wrong, stops there
        List<Bad> cases = List.of(
                new Bad("syntax.yml", "name: s\njobs:\n  a:\n    shell: bash\n   run: echo\n",
                        List.of(Map.entry(5, "not valid YAML"))),
                new Bad("unknown-keys.yml", "name: u\njobs:\n  a:\n    shell: bash\n    run: echo hi\n    bogus: 1\n"
                        + "  b:\n    shell: bash\n    run: echo\n    neds: [a]\n",
                        List.of(Map.entry(6, "unknown key 'bogus'"), Map.entry(10, "unknown key 'neds' (did you mean 'needs'?)"))),
                new Bad("graph.yml", "name: g\njobs:\n  a:\n    needs: [b]\n    shell: bash\n    run: echo\n  b:\n    needs: [a]\n"
                        + "    shell: bash\n    run: echo\n  c:\n    needs: [nope]\n    shell: bash\n    run: echo\n",
                        List.of(Map.entry(4, "cycle a -> b -> a"), Map.entry(12, "no job 'nope'"))),
                new Bad("expressions.yml", """
                        name: sem
                        parameters_schema: {type: object, properties: {x: {type: string}}}
                        jobs:
                          x:
                            shell: bash
                            run: echo
                          a:
                            with: {v: "${{ params. }}"}
                            shell: bash
                            run: echo
                          b:
                            if: ${{ params.x }} == 'y'
                            shell: bash
                            run: echo
                          c:
                            uses: logs/error-summary
                            with:
                              path: app.log
                              bogus_param: 1
                          d:
                            with: {v: "${{ jobs.x.outputs.k }}"}
                            shell: bash
                            run: echo
                        """,
                        List.of(Map.entry(8, "syntax error"), Map.entry(12, "${{ params.x == 'y' }}"),
                                Map.entry(19, "has no parameter 'bogus_param'"), Map.entry(21, "not among its needs"))));
        for (Bad bad : cases) {
            Path file = project.write(bad.file(), bad.yaml());
            Ao.Result r = project.ao().run(60, "run", bad.file());
            assertThat(r.exit()).as(bad.file() + "\n" + r).isEqualTo(2);
            assertThat(r.stdout()).as(bad.file()).isEmpty();
            List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(bad.file() + ": a line per problem\n" + r.stderr()).hasSize(bad.problems().size());
            Pattern at = Pattern.compile("^(?:ao: )?" + Pattern.quote(file.toString()) + ":(\\d+)(?::\\d+)?: (.*)$");
            List<Map.Entry<Integer, String>> seen = new ArrayList<>();
            for (String line : lines) {
                Matcher m = at.matcher(line);
                assertThat(m.matches()).as(bad.file() + ": file:line: in " + line).isTrue();
                seen.add(Map.entry(Integer.parseInt(m.group(1)), m.group(2)));
            }
            for (Map.Entry<Integer, String> want : bad.problems()) {
                assertThat(seen).as(bad.file() + ": line " + want.getKey() + " saying " + want.getValue() + "\n" + r.stderr())
                        .anyMatch(got -> got.getKey().equals(want.getKey()) && got.getValue().contains(want.getValue()));
            }
        }
        assertThat(project.runIds()).as("nothing recorded under .ao/runs").isEmpty();
    }

    // ---- validate and graph ----

    @Test
    void validateAndGraphReadAGoodWorkflowWithoutRunningIt() throws Exception {
        rootPassOnly();
        String yaml = """
                name: pipeline
                description: build then test and lint, then ship
                jobs:
                  build: {shell: bash, run: echo build}
                  test: {needs: [build], shell: bash, run: echo test}
                  lint: {needs: [build], shell: python, run: print("lint")}
                  ship: {needs: [test, lint], shell: bash, run: echo ship}
                """;
        project.write("pipeline.yml", yaml);

        Ao.Result file = project.ao().run(60, "workflow", "validate", "pipeline.yml");
        assertThat(file.exit()).as(file.toString()).isZero();
        assertThat(file.stdout()).contains("pipeline.yml").contains("4 jobs");

        Ao.Result dot = project.ao().run(60, "workflow", "graph", "pipeline.yml", "--format", "dot");
        assertThat(dot.exit()).as(dot.toString()).isZero();
        assertThat(dot.stdout().strip()).startsWith("digraph \"pipeline\" {").endsWith("}");
        List<String> edges = dot.stdout().lines().map(String::strip).filter(l -> l.contains("->")).sorted().toList();
        assertThat(edges).containsExactly("\"build\" -> \"lint\";", "\"build\" -> \"test\";", "\"lint\" -> \"ship\";", "\"test\" -> \"ship\";");
        assertThat(project.runIds()).as("validate and graph run nothing").isEmpty();
    }
}
