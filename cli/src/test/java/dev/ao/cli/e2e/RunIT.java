package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ao run} as a real process: timeouts, cancel, lost supervisors, big output, summaries. */
class RunIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("run");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private static List<ProcessHandle> processesWith(String token) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(token)).orElse(false)
                        || p.info().arguments().map(a -> String.join(" ", a).contains(token)).orElse(false))
                .toList();
    }

    private static void awaitGone(String token, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end && !processesWith(token).isEmpty()) Thread.sleep(50);
    }

    private JsonNode runJson(String id) throws Exception {
        return JSON.readTree(project.runDir(id).resolve("run.json").toFile());
    }

    @Test
    void timeoutKillsGrandchildrenThatIgnoreTermAndHoldStdoutOpen() throws Exception {
        String token = "ao-stubborn-" + UUID.randomUUID();
        project.script("stubborn.sh", """
                #!/bin/bash
                # grandchildren that ignore SIGTERM and keep stdout open; each carries the token in its argv
                for i in 1 2 3; do
                  bash -c 'trap "" TERM; while true; do echo "grandchild alive"; sleep 0.2; done' "$AO_PARAM_TOKEN" &
                done
                trap '' TERM
                exec -a "$AO_PARAM_TOKEN" sleep 1000
                """);
        Instant before = Instant.now();
        Ao.Result r = project.ao().run(60, "run", "stubborn.sh", "-p", "token=" + token, "--timeout", "2");
        Duration took = Duration.between(before, Instant.now());

        assertThat(r.exit()).as(r.toString()).isEqualTo(124);
        String id = project.runIds().get(0);
        JsonNode run = runJson(id);
        assertThat(run.path("state").asText()).isEqualTo("timed_out");
        Duration recorded = Duration.between(Instant.parse(run.path("started_at").asText()), Instant.parse(run.path("ended_at").asText()));
        // timeout 2 s + grace 2 s + 2 s allowed by the issue
        assertThat(recorded).isLessThan(Duration.ofSeconds(6));
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        assertThat(processesWith(token)).as("no process of the run's tree survives").isEmpty();
        assertThat(project.read(project.runDir(id).resolve("stdout.log"))).contains("grandchild alive");
        assertThat(Files.readAllLines(project.runDir(id).resolve("events.jsonl")))
                .extracting(l -> JSON.readTree(l).path("state").asText())
                .containsExactly("queued", "running", "timed_out");
    }

    @Test
    void oneGibOfOutputRunsWithA64MbHeapAndEveryByteReachesTheLog() throws Exception {
        project.script("big.sh", """
                #!/bin/bash
                # 1 GiB of text in 1 MiB lines
                line=$(head -c 1048575 /dev/zero | tr '\\0' 'x')
                for i in $(seq 1 1024); do printf '%s\\n' "$line"; done
                echo "done: 1024 lines of 1 MiB"
                """);
        Ao ao = project.ao().jvm("-Xmx64m");
        Ao.Result r = ao.run(600, "run", "big.sh");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = project.runIds().get(0);
        Path log = project.runDir(id).resolve("stdout.log");
        assertThat(Files.size(log)).isEqualTo(1024L * 1048576 + "done: 1024 lines of 1 MiB\n".length());
        assertThat(r.stdout().strip()).isEqualTo("done: 1024 lines of 1 MiB");
        Files.delete(log);
    }

    @Test
    void maskedOutputAlsoStreamsInBoundedMemory() throws Exception {
        project.write("masked/script.json", """
                {"name": "masked", "script_file": "masked.sh",
                 "parameters_schema": {"type": "object", "properties": {"token": {"type": "string", "secret": true}}}}
                """);
        project.script("masked/masked.sh", """
                #!/bin/bash
                line=$(head -c 1048000 /dev/zero | tr '\\0' 'y')
                for i in $(seq 1 128); do printf '%s %s\\n' "$line" "$AO_PARAM_TOKEN"; done
                echo "finished"
                """);
        Ao.Result r = project.ao().jvm("-Xmx64m").run(300, "run", "masked", "-p", "token=s3cr3t-value");
        assertThat(r.exit()).as(r.toString()).isZero();
        Path log = project.runDir(project.runIds().get(0)).resolve("stdout.log");
        assertThat(Files.size(log)).isEqualTo(128L * (1048000 + 1 + 3 + 1) + "finished\n".length());
        try (var lines = Files.lines(log)) {
            assertThat(lines.noneMatch(l -> l.contains("s3cr3t-value"))).isTrue();
        }
    }

    @Test
    void ctrlCCancelsTheWholeTreeAndExits130() throws Exception {
        String token = "ao-cancel-" + UUID.randomUUID();
        project.script("long.sh", """
                #!/bin/bash
                bash -c 'while true; do sleep 0.2; done' "$AO_PARAM_TOKEN" &
                echo started
                exec -a "$AO_PARAM_TOKEN" sleep 1000
                """);
        Path out = project.root().resolve("out.txt");
        Path err = project.root().resolve("err.txt");
        Process p = project.ao().start(out, err, "run", "long.sh", "-p", "token=" + token);
        awaitState("running", Duration.ofSeconds(20));
        awaitLog("started", Duration.ofSeconds(10));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        JsonNode run = runJson(project.runIds().get(0));
        assertThat(run.path("state").asText()).isEqualTo("canceled");
        awaitGone(token, Duration.ofSeconds(3));
        assertThat(processesWith(token)).isEmpty();
    }

    @Test
    void killMinus9OfAoLeavesTheRunShownAsLost() throws Exception {
        String token = "ao-lost-" + UUID.randomUUID();
        project.script("sleepy.sh", """
                #!/bin/bash
                echo up
                exec -a "$AO_PARAM_TOKEN" sleep 1000
                """);
        Process p = project.ao().start(project.root().resolve("o"), project.root().resolve("e"), "run", "sleepy.sh", "-p", "token=" + token);
        awaitState("running", Duration.ofSeconds(20));
        awaitLog("up", Duration.ofSeconds(10));
        p.destroyForcibly().waitFor();
        // the child's parent-death signal and bwrap's --die-with-parent take the sandbox down with its supervisor
        awaitGone(token, Duration.ofSeconds(5));
        assertThat(processesWith(token)).isEmpty();
        String id = project.runIds().get(0);
        Ao.Result show = project.ao().run("runs", "show", id, "-o", "json");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(JSON.readTree(show.stdout()).path("state").asText()).isEqualTo("lost");
        Ao.Result list = project.ao().run("runs", "list", "--state", "lost");
        assertThat(list.stdout()).contains(id).contains("lost");
    }

    @Test
    void twoRunsAtOnceTwentyTimesAreAllRecorded() throws Exception {
        project.script("quick.sh", "#!/bin/bash\necho \"run $AO_RUN_ID\"\n");
        for (int round = 0; round < 20; round++) {
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ps.add(project.ao().start(project.root().resolve("o" + i), project.root().resolve("e" + i), "run", "quick.sh"));
            }
            for (Process p : ps) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
        }
        List<String> ids = project.runIds();
        assertThat(ids).hasSize(40).doesNotHaveDuplicates();
        for (String id : ids) {
            JsonNode run = runJson(id);
            assertThat(run.path("state").asText()).isEqualTo("succeeded");
            assertThat(run.path("summary").asText()).isEqualTo("run " + id);
        }
        Ao.Result list = project.ao().run("runs", "list", "--limit", "0", "-o", "json");
        assertThat(JSON.readTree(list.stdout())).hasSize(40);
    }

    @Test
    void summaryIsTheSummaryFileElseTheLastStdoutLineAndIsBounded() throws Exception {
        project.script("last.sh", "#!/bin/bash\necho first\necho 'the last line'\necho\necho '   '\n");
        Ao.Result r = project.ao().run("run", "last.sh");
        assertThat(r.stdout()).isEqualTo("the last line\n");
        assertThat(r.stderr()).contains("succeeded").contains("ao runs logs ");

        project.script("broken.sh", "#!/bin/bash\necho 'starting'  >&2\necho 'broken.sh: config file not found: /etc/x.conf' >&2\nexit 2\n");
        Ao.Result broken = project.ao().run("run", "broken.sh");
        assertThat(broken.exit()).isEqualTo(2);
        // a failed run's summary ends with the end of its stderr, where the reason is
        assertThat(broken.stdout()).as("a failed run without a summary says why")
                .isEqualTo("stderr (last 2 lines):\nstarting\nbroken.sh: config file not found: /etc/x.conf\n");
        assertThat(broken.stderr()).contains("failed (exit code 2)");

        project.script("long_summary.sh", "#!/bin/bash\nfor i in $(seq 1 100); do echo \"line $i\" >> \"$AO_SUMMARY\"; done\necho raw output\n");
        Ao.Result l = project.ao().run("run", "long_summary.sh", "-o", "json");
        JsonNode j = JSON.readTree(l.stdout());
        String summary = j.path("summary").asText();
        assertThat(summary.lines().count()).isLessThanOrEqualTo(41);
        assertThat(summary).contains("line 1\n").contains("line 40").doesNotContain("line 41\n")
                .contains("summary truncated").contains("ao runs show " + j.path("id").asText() + " --full");
        Ao.Result full = project.ao().run("runs", "show", j.path("id").asText(), "--full");
        assertThat(full.stdout()).contains("line 100");
    }

    @Test
    void jsonOutputHasTheRunFieldsAndOutputs() throws Exception {
        project.script("out.sh", "#!/bin/bash\necho 'restarted=12' >> \"$AO_OUTPUT\"\necho 'failed=0' >> \"$AO_OUTPUT\"\necho '# 12 restarted' > \"$AO_SUMMARY\"\nexit 3\n");
        Ao.Result r = project.ao().run("run", "out.sh", "-o", "json");
        assertThat(r.exit()).isEqualTo(3);
        JsonNode j = JSON.readTree(r.stdout());
        assertThat(j.path("state").asText()).isEqualTo("failed");
        assertThat(j.path("exit_code").asInt()).isEqualTo(3);
        assertThat(j.path("duration_ms").isIntegralNumber()).isTrue();
        assertThat(j.path("summary").asText()).isEqualTo("# 12 restarted");
        assertThat(j.path("outputs").path("restarted").asText()).isEqualTo("12");
        assertThat(Path.of(j.path("logs").path("stdout").asText())).exists();
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void workspaceIsRemovedUnlessKeptOrGiven() throws Exception {
        project.script("ws.sh", "#!/bin/bash\necho data > result.txt\npwd\n");
        project.ao().run("run", "ws.sh");
        String first = project.runIds().get(0);
        assertThat(project.runDir(first).resolve("workspace")).doesNotExist();
        assertThat(project.runDir(first).resolve("stdout.log")).exists();
        assertThat(project.runDir(first).resolve("ws.sh")).hasContent(project.read(project.root().resolve("ws.sh")));

        project.ao().run("run", "ws.sh", "--keep-workspace");
        String second = project.runIds().get(1);
        assertThat(project.runDir(second).resolve("workspace/result.txt")).hasContent("data\n");

        Path mine = Files.createDirectories(project.root().resolve("mine"));
        Ao.Result r = project.ao().run("run", "ws.sh", "--workspace", mine.toString());
        assertThat(r.stdout().strip()).isEqualTo(mine.toString());
        assertThat(mine.resolve("result.txt")).hasContent("data\n");

        project.config("[scripts]\ncleanup_after_run = false\n");
        project.ao().run("run", "ws.sh");
        assertThat(project.runDir(project.runIds().get(3)).resolve("workspace/result.txt")).exists();
    }

    @Test
    void runsListShowLogsAndIdPrefixes() throws Exception {
        project.script("lines.sh", "#!/bin/bash\nfor i in $(seq 1 50); do echo \"out $i\"; done\necho oops >&2\nexit 1\n");
        project.ao().run("run", "lines.sh");
        project.script("ok.sh", "#!/bin/bash\necho fine\n");
        project.ao().run("run", "ok.sh");
        List<String> ids = project.runIds();
        String failed = ids.get(0);

        Ao.Result tail = project.ao().run("runs", "logs", failed.substring(0, failed.length() - 2), "--tail", "3");
        assertThat(tail.stdout()).isEqualTo("out 48\nout 49\nout 50\n");
        assertThat(project.ao().run("runs", "logs", failed, "--stderr").stdout()).isEqualTo("oops\n");
        assertThat(project.ao().run("runs", "list", "--state", "failed").stdout()).contains(failed).doesNotContain(ids.get(1));
        JsonNode list = JSON.readTree(project.ao().run("runs", "list", "-o", "json", "--limit", "1").stdout());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("id").asText()).isEqualTo(ids.get(1));

        Ao.Result ambiguous = project.ao().run("runs", "show", failed.substring(0, 4));
        assertThat(ambiguous.exit()).isEqualTo(2);
        assertThat(ambiguous.stderr()).contains("ambiguous");
        Ao.Result missing = project.ao().run("runs", "show", "nope");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.stderr().strip()).isEqualTo("ao: no run matches 'nope'; see 'ao runs list'");
    }

    @Test
    void pruneDeletesEndedRunsBeyondTheNewestKeptAndNeverALiveOne() throws Exception {
        project.script("ok.sh", "#!/bin/bash\necho ok\n");
        for (int i = 0; i < 3; i++) assertThat(project.ao().run("run", "ok.sh").exit()).isZero();
        project.script("slow.sh", "#!/bin/bash\necho up\nsleep 30\n");
        Process live = project.ao().start(project.root().resolve("o"), project.root().resolve("e"), "run", "slow.sh");
        try {
            awaitState("running", Duration.ofSeconds(20));
            List<String> before = project.runIds();
            Ao.Result dry = project.ao().run("runs", "prune", "--keep", "1", "--dry-run");
            assertThat(dry.stdout()).startsWith("would remove 2 run(s), ").endsWith(" to free; kept 2\n");
            assertThat(project.runIds()).isEqualTo(before);
            Ao.Result r = project.ao().run("runs", "prune", "--keep", "1");
            assertThat(r.exit()).as(r.toString()).isZero();
            // the newest ended run and the live one stay; the two oldest go
            assertThat(project.runIds()).containsExactly(before.get(2), before.get(3));
            assertThat(project.ao().run("runs", "prune", "--keep", "-1").exit()).isEqualTo(2);
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(live.pid())).start().waitFor();
            live.waitFor(15, TimeUnit.SECONDS);
        }
    }

    @Test
    void outsideAProjectRunsGoToTheUserStateDir() throws Exception {
        // not under the repository, which is itself an ao project; /var/tmp because scripts get a private /tmp
        Path outside = Files.createTempDirectory(Path.of("/var/tmp"), "ao-outside-");
        try {
            Files.writeString(outside.resolve("x.sh"), "#!/bin/bash\necho outside\n");
            Ao.Result r = new Ao(outside, project.home()).run("run", "x.sh");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo("outside\n");
            try (var s = Files.list(project.home().resolve(".local/state/ao/runs"))) {
                assertThat(s.count()).isEqualTo(1);
            }
            assertThat(outside.resolve(".ao")).doesNotExist();
        } finally {
            Files.deleteIfExists(outside.resolve("x.sh"));
            Files.deleteIfExists(outside);
        }
    }

    private void awaitState(String state, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            List<String> ids = project.runIds();
            String newest = ids.isEmpty() ? null : ids.get(ids.size() - 1);
            if (newest != null && Files.exists(project.runDir(newest).resolve("run.json"))
                    && runJson(newest).path("state").asText().equals(state)) return;
            Thread.sleep(50);
        }
        throw new AssertionError("run never reached " + state);
    }

    private void awaitLog(String text, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            Path log = project.runDir(project.runIds().get(0)).resolve("stdout.log");
            if (Files.exists(log) && Files.readString(log).contains(text)) return;
            Thread.sleep(50);
        }
        throw new AssertionError("log never showed " + text);
    }
}
