package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Detached runs outlive the command that started them; cancel, approve and follow reach them by id. */
class DetachedIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("detached");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private JsonNode show(String id) throws Exception {
        Ao.Result r = project.ao().run("runs", "show", id, "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        return JSON.readTree(r.stdout());
    }

    private JsonNode awaitState(String id, String state, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        JsonNode n = null;
        while (System.nanoTime() < end) {
            if (Files.exists(project.runDir(id).resolve("run.json"))) {
                n = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
                if (n.path("state").asText().equals(state)) return n;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " never reached " + state + "; last: " + n);
    }

    @Test
    void detachPrintsTheIdAtOnceAndTheRunIsRecordedLikeAForegroundOne() throws Exception {
        project.script("slow.sh", "#!/bin/bash\nsleep 2\necho 'slow done'\n");
        long start = System.nanoTime();
        Ao.Result r = project.ao().run("run", "slow.sh", "--detach");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = r.stdout().strip();
        assertThat(project.runIds()).containsExactly(id);
        // returned while the script (2 s) was still going
        assertThat(JSON.readTree(project.runDir(id).resolve("run.json").toFile()).path("state").asText()).isIn("queued", "running");
        assertThat(tookMs).isLessThan(30_000);
        JsonNode done = awaitState(id, "succeeded", Duration.ofSeconds(60));
        assertThat(done.path("summary").asText()).isEqualTo("slow done");
        Ao.Result logs = project.ao().run("runs", "logs", id, "-f");
        assertThat(logs.stdout()).isEqualTo("slow done\n");
    }

    @Test
    void cancelStopsADetachedRunsWholeTree() throws Exception {
        String token = "ao-detached-" + UUID.randomUUID();
        project.script("forever.sh", "#!/bin/bash\nbash -c 'while true; do sleep 0.2; done' \"$AO_PARAM_TOKEN\" &\necho up\nexec -a \"$AO_PARAM_TOKEN\" sleep 1000\n");
        String id = project.ao().run("run", "forever.sh", "-p", "token=" + token, "--detach").stdout().strip();
        awaitState(id, "running", Duration.ofSeconds(60));
        Ao.Result c = project.ao().run("runs", "cancel", id.substring(0, id.length() - 1));
        assertThat(c.exit()).as(c.toString()).isZero();
        assertThat(c.stdout()).contains(id + " canceled");
        assertThat(show(id).path("state").asText()).isEqualTo("canceled");
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end && ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(token))) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(token)).toList()).isEmpty();
        Ao.Result again = project.ao().run("runs", "cancel", id);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.stderr()).contains("already ended: canceled");
    }

    @Test
    void aDetachedRunThatNeedsApprovalWaitsForAPerson() throws Exception {
        project.write("skills/risky/SKILL.md", "---\nname: risky\ndescription: needs a person\n---\n");
        project.write("skills/risky/script.json", "{\"script_file\": \"r.sh\", \"risk\": \"approval_required\"}");
        project.script("skills/risky/r.sh", "#!/bin/bash\necho 'approved and ran'\n");
        String id = project.ao().run("run", "risky", "--detach").stdout().strip();
        awaitState(id, "waiting_approval", Duration.ofSeconds(60));
        Ao.Result a = project.ao().run("runs", "approve", id);
        assertThat(a.exit()).as(a.toString()).isZero();
        JsonNode done = awaitState(id, "succeeded", Duration.ofSeconds(60));
        assertThat(done.path("approval").path("by").asText()).contains("ao runs approve");
        assertThat(done.path("summary").asText()).isEqualTo("approved and ran");

        String id2 = project.ao().run("run", "risky", "--detach").stdout().strip();
        awaitState(id2, "waiting_approval", Duration.ofSeconds(60));
        assertThat(project.ao().run("runs", "reject", id2).exit()).isZero();
        JsonNode rejected = awaitState(id2, "rejected", Duration.ofSeconds(60));
        assertThat(rejected.path("reason").asText()).contains("ao runs reject");
    }

    @Test
    void aRunWaitingForApprovalCanBeCanceled() throws Exception {
        project.write("skills/risky/SKILL.md", "---\nname: risky\ndescription: needs a person\n---\n");
        project.write("skills/risky/script.json", "{\"script_file\": \"r.sh\", \"risk\": \"approval_required\"}");
        project.script("skills/risky/r.sh", "#!/bin/bash\necho ran\n");
        String id = project.ao().run("run", "risky", "--detach").stdout().strip();
        JsonNode waiting = awaitState(id, "waiting_approval", Duration.ofSeconds(60));
        long supervisor = waiting.path("supervisor").path("pid").asLong();
        Ao.Result c = project.ao().run("runs", "cancel", id);
        assertThat(c.exit()).as(c.toString()).isZero();
        JsonNode done = awaitState(id, "canceled", Duration.ofSeconds(10));
        assertThat(done.path("reason").asText()).contains("canceled while waiting for approval");
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end && ProcessHandle.of(supervisor).map(ProcessHandle::isAlive).orElse(false)) Thread.sleep(50);
        assertThat(ProcessHandle.of(supervisor).map(ProcessHandle::isAlive).orElse(false)).as("the supervisor is gone").isFalse();
    }

    @Test
    void followStreamsTheOutputThenTheSummary() throws Exception {
        project.script("chatty.sh", "#!/bin/bash\nfor i in 1 2 3; do echo \"step $i\"; sleep 0.2; done\necho 'all 3 steps' > \"$AO_SUMMARY\"\n");
        Ao.Result r = project.ao().run("run", "chatty.sh", "--follow");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("step 1\nstep 2\nstep 3\nall 3 steps\n");
    }
}
