package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What is left when ao dies or the disk fills: no process of the run, and a run recorded as what happened. */
class RunReliabilityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("reliability");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private static boolean root() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void anUnsandboxedRunsEscapedProcessesDieWithTheNextAoAfterAKill9() throws Exception {
        Path pidFile = project.root().resolve("grandchild.pid");
        // a grandchild in its own session, out of ao's process tree: only the run's cgroup still knows it
        project.script("escape.sh", "#!/bin/bash\n(setsid sleep 300 & echo $! > '" + pidFile + "')\nsleep 300\n");
        Process ao = project.ao().start(project.base().resolve("out"), project.base().resolve("err"),
                "run", "escape.sh", "--sandbox", "danger-full-access", "--approve");
        long grandchild;
        try {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < end && (!Files.exists(pidFile) || Files.readString(pidFile).isBlank())) Thread.sleep(50);
            grandchild = Long.parseLong(Files.readString(pidFile).trim());
            Assumptions.assumeTrue(cgroupOf(grandchild).contains("/ao/"), "no writable cgroup here: README says what remains");
            ao.toHandle().destroyForcibly();
            ao.waitFor();
            Thread.sleep(300);
            assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false))
                    .as("the escaped grandchild outlives a kill -9 of ao on its own").isTrue();
            Ao.Result any = project.ao().run("--version");
            assertThat(any.exit()).isZero();
            long gone = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < gone && ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false)) Thread.sleep(50);
            assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false))
                    .as("the next ao, whatever it was asked, killed what was left of the run").isFalse();
        } finally {
            ao.descendants().forEach(ProcessHandle::destroyForcibly);
            ao.destroyForcibly();
        }
    }

    private static String cgroupOf(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aFullDiskEndsTheRunFailedWithTheReasonNotLost() throws Exception {
        Assumptions.assumeTrue(root() && Ao.itUid().isEmpty(), "mounting a small file system for the run store needs root");
        Path store = Files.createDirectories(project.root().resolve(".ao"));
        project.script("fill.sh", "#!/bin/bash\nset -e\nhead -c 50000000 /dev/zero > big\necho filled\n");
        // the run store on a 4 MiB file system of its own, in a private mount namespace that ends with the command
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs -o size=4m tmpfs \"$1\" && shift && \"$@\"; echo \"EXIT=$?\"; cat \"$0\"/runs/*/run.json",
                store.toString(), store.toString()));
        cmd.addAll(project.ao().command("run", "fill.sh", "--keep-workspace"));
        Processes.Result r = Processes.run(cmd, project.ao().env(), project.root(), Duration.ofSeconds(120));
        assertThat(r.stdout()).as(r.toString()).contains("EXIT=1");
        String json = r.stdout().substring(r.stdout().indexOf('{'));
        JsonNode run = JSON.readTree(json);
        assertThat(run.path("state").asText()).as(json).isEqualTo("failed");
        assertThat(run.path("reason").asText()).contains("no space left on device");
    }
}
