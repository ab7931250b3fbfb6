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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No run stays queued or running once the ao supervising it is gone: a supervisor killed at any moment leaves a
 * run that {@code runs list} shows as lost, {@code runs cancel} accepts and {@code runs prune} removes.
 */
class LostRunsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("lost");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private Map<String, JsonNode> listed() throws Exception {
        Ao.Result r = project.ao().run("runs", "list", "--limit", "0", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode n : JSON.readTree(r.out())) out.put(n.path("id").asText(), n);
        return out;
    }

    private JsonNode awaitRunJson(String id, java.util.function.Predicate<JsonNode> ok) throws Exception {
        Path f = project.runDir(id).resolve("run.json");
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode n = null;
        while (System.nanoTime() < end) {
            if (Files.exists(f)) {
                try {
                    n = JSON.readTree(f.toFile());
                    if (ok.test(n)) return n;
                } catch (java.io.IOException e) {
                    // replaced while read
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("run.json of " + id + " never matched; last: " + n);
    }

    private static void kill9(long pid) throws Exception {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        });
    }

    private void assertLostThenCanceledThenPruned(String id) throws Exception {
        JsonNode run = listed().get(id);
        assertThat(run).as("listed").isNotNull();
        assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("lost");
        assertThat(run.path("reason").asText()).contains("is gone");
        Ao.Result cancel = project.ao().run("runs", "cancel", id);
        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        assertThat(cancel.out()).contains(id + " lost");
        Ao.Result prune = project.ao().run("runs", "prune", "--all");
        assertThat(prune.exit()).as(prune.toString()).isZero();
        assertThat(project.runDir(id)).doesNotExist();
    }

    @Test
    void aDetachedSupervisorKilledRightAfterItWasSpawnedLeavesALostRun() throws Exception {
        project.script("slow.sh", "#!/bin/bash\nsleep 30\n");
        Ao.Result r = project.ao().run("run", "slow.sh", "--detach");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = r.out().strip();
        // the launcher has returned: the spawned supervisor is recorded, whether or not it has written anything yet
        JsonNode placeholder = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
        long pid = placeholder.path("supervisor").path("pid").asLong();
        assertThat(pid).isPositive();
        kill9(pid);
        assertLostThenCanceledThenPruned(id);
    }

    @Test
    void aDetachedSupervisorKilledWhileItWaitsForApprovalLeavesALostRun() throws Exception {
        project.write("skills/gated/SKILL.md", "---\nname: gated\ndescription: needs a person\n---\n");
        project.write("skills/gated/script.json", "{\"script_file\": \"g.sh\", \"risk\": \"approval_required\"}");
        project.script("skills/gated/g.sh", "#!/bin/bash\necho never\n");
        String id = project.ao().run("run", "gated", "--detach").out().strip();
        JsonNode waiting = awaitRunJson(id, n -> n.path("state").asText().equals("waiting_approval"));
        kill9(waiting.path("supervisor").path("pid").asLong());
        assertLostThenCanceledThenPruned(id);
    }

    @Test
    void aScriptRemovedRightAfterDetachEndsTheRunInsteadOfLeavingItQueued() throws Exception {
        Path script = project.script("brief.sh", "#!/bin/bash\necho hi\n");
        String id = project.ao().run("run", "brief.sh", "--detach").out().strip();
        Files.delete(script);
        // as ao sees it (the placeholder on disk says queued until someone looks)
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode run = listed().get(id);
        while (System.nanoTime() < until && List.of("queued", "running").contains(run.path("state").asText())) {
            Thread.sleep(300);
            run = listed().get(id);
        }
        // if the supervisor could still read the script it ran it; else the run says why it never started
        if (run.path("state").asText().equals("succeeded")) return;
        assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("lost");
        assertThat(run.path("reason").asText()).contains("its supervisor said").contains("brief.sh");
    }

    @Test
    void aForegroundRunKilledInItsFirstMillisecondsIsStillListedAndNeverLeftQueued() throws Exception {
        project.script("quick.sh", "#!/bin/bash\nsleep 5\n");
        Ao ao = project.ao();
        List<Process> started = new ArrayList<>();
        for (long delay : new long[] {150, 250, 350, 450, 600, 800}) {
            Path out = Files.createTempFile(project.base(), "out", ".txt");
            Process p = ao.start(out, out, "run", "quick.sh");
            Thread.sleep(delay);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            started.add(p);
        }
        // a folder with no run.json is given a moment to be written before it counts as lost
        Thread.sleep(6_000);
        List<String> folders = project.runIds();
        Map<String, JsonNode> listed = listed();
        assertThat(listed.keySet()).as("every run folder is listed").containsExactlyInAnyOrderElementsOf(folders);
        for (JsonNode n : listed.values()) {
            assertThat(n.path("state").asText()).as(n.toString()).isNotIn("queued", "running", "waiting_approval");
        }
        Ao.Result prune = project.ao().run("runs", "prune", "--all");
        assertThat(prune.exit()).isZero();
        assertThat(project.runIds()).isEmpty();
    }
}
