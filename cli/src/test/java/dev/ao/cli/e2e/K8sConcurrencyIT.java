package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.KubePeer;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A concurrency group of k8s runs is kept in the cluster (Lease objects), so separate ao processes, as on two laptops
 * and a CI runner, never run more of its pods at once than its limit: what ran when is read from the peer's pod
 * history, who waited from the runs' own events.
 */
class K8sConcurrencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private KubePeer peer;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("k8s-concurrency");
        peer = new KubePeer().start();
        peer.writeKubeconfig(project.home().resolve(".kube/config"));
        peer.seedNamespace("jobs");
        project.config("[runners.k8s]\nnamespace = \"jobs\"\nttl_seconds_after_finished = 60\n"
                + "[concurrency.groups.cluster-g]\nlimit = 2\n");
        project.giveToItUser();
    }

    @AfterEach
    void tearDown() {
        try {
            if (peer != null) peer.close();
        } finally {
            if (project != null) project.close();
        }
    }

    private Ao ao() {
        return project.ao().env("KUBECONFIG", project.home().resolve(".kube/config").toString());
    }

    @Test
    void threeAoProcessesOfAGroupOfTwoNeverRunThreePodsAtOnce() throws Exception {
        // each pod waits at a barrier (the simulated kubelet runs it as a local process), so that however slowly the
        // three ao start on a loaded machine, two hold the group while the third has to wait
        Path go = project.base().resolve("go");
        project.script("slow.sh", "#!/bin/sh\ni=0\nwhile [ ! -e '" + go + "' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\necho done\n");
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path out = project.base().resolve("run" + i + ".out");
                outs.add(out);
                procs.add(ao().start(out, project.base().resolve("run" + i + ".err"), "run", "slow.sh", "--on", "k8s",
                        "--concurrency", "cluster-g", "-o", "json"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && !(running() == 2 && blockedRuns() == 1)) Thread.sleep(100);
            assertThat(running()).isEqualTo(2);
            assertThat(blockedRuns()).isEqualTo(1);
            Thread.sleep(1000);
            assertThat(running()).as("the third waits while two hold the group").isEqualTo(2);
            Files.writeString(go, "");
            for (int i = 0; i < 3; i++) {
                assertThat(procs.get(i).waitFor(180, TimeUnit.SECONDS)).as("run " + i + " ended").isTrue();
                assertThat(procs.get(i).exitValue()).as(Files.readString(outs.get(i)) + Files.readString(project.base().resolve("run" + i + ".err"))).isZero();
            }
        } finally {
            procs.forEach(Processes::kill);
        }
        int blocked = 0;
        for (Path out : outs) {
            JsonNode run = JSON.readTree(Files.readString(out));
            assertThat(run.path("state").asText()).isEqualTo("succeeded");
            String events = Files.readString(project.runDir(run.path("id").asText()).resolve("events.jsonl"));
            assertThat(events).contains("\"concurrency\":\"acquired\"");
            if (events.contains("\"blocked\"")) {
                blocked++;
                assertThat(events).contains("held in the cluster by");
            }
        }
        // the three pods share the managed-by label; the cluster let at most two run at a time
        assertThat(peer.podHistory()).isNotEmpty();
        assertThat(peer.maxRunning("app.kubernetes.io/managed-by=ao")).isEqualTo(2);
        assertThat(blocked).isGreaterThanOrEqualTo(1);
        // every slot was let go at the end: no holder left in the cluster
        assertThat(peer.list("leases", "jobs")).isNotEmpty()
                .allSatisfy(l -> assertThat(l.path("spec").path("holderIdentity").asText("")).isEmpty());
        // waiting was a watch on the leases, not a loop of reads
        assertThat(peer.requests()).anyMatch(r -> r.startsWith("GET ") && r.contains("/leases") && r.contains("watch=true"));
    }

    @Test
    void workflowJobsOnK8sInAGroupTakeTheirSlotsInTheCluster() throws Exception {
        Path go = project.base().resolve("go-wf");
        project.write("wf.yml", "name: wf\njobs:\n  hold:\n    runs_on: k8s\n    concurrency: {group: wf-g, limit: 1}\n    shell: bash\n"
                + "    run: \"i=0; while [ ! -e '" + go + "' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\"\n");
        List<Process> procs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                procs.add(ao().start(project.base().resolve("wf" + i + ".out"), project.base().resolve("wf" + i + ".err"), "run", "wf.yml", "-o", "json"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && running() < 1) Thread.sleep(100);
            Thread.sleep(3000);
            assertThat(running()).isEqualTo(1);
            // the slot is a Lease in the cluster, held by one of the two workflows' runs
            assertThat(peer.list("leases", "jobs")).hasSize(1)
                    .allSatisfy(l -> assertThat(l.path("spec").path("holderIdentity").asText()).contains("@"));
            Files.writeString(go, "");
            for (int i = 0; i < 2; i++) {
                assertThat(procs.get(i).waitFor(180, TimeUnit.SECONDS)).isTrue();
                assertThat(procs.get(i).exitValue()).as(Files.readString(project.base().resolve("wf" + i + ".err"))).isZero();
            }
        } finally {
            procs.forEach(Processes::kill);
        }
        assertThat(peer.maxRunning("app.kubernetes.io/managed-by=ao")).isEqualTo(1);
        assertThat(peer.list("leases", "jobs")).allSatisfy(l -> assertThat(l.path("spec").path("holderIdentity").asText("")).isEmpty());
    }

    private long running() {
        return peer.list("pods", "jobs").stream().filter(p -> p.path("status").path("phase").asText().equals("Running")).count();
    }

    private long blockedRuns() throws java.io.IOException {
        Path runs = project.runs();
        if (!Files.isDirectory(runs)) return 0;
        try (var dirs = Files.list(runs)) {
            return dirs.map(d -> d.resolve("run.json")).filter(Files::isRegularFile).filter(f -> {
                try {
                    return JSON.readTree(Files.readString(f)).path("state").asText().equals("blocked");
                } catch (Exception e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void concurrencyListShowsTheClusterWideHolders() throws Exception {
        project.script("hold.sh", "#!/bin/sh\nsleep 40\n");
        Path out = project.base().resolve("hold.out");
        Process p = ao().start(out, project.base().resolve("hold.err"), "run", "hold.sh", "--on", "k8s", "--concurrency", "cluster-g");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && peer.list("leases", "jobs").isEmpty()) Thread.sleep(100);
            Ao.Result list = ao().run(60, "concurrency", "list", "-o", "json");
            assertThat(list.exit()).as(list.toString()).isZero();
            JsonNode g = null;
            for (JsonNode n : JSON.readTree(list.out())) if (n.path("group").asText().equals("cluster-g")) g = n;
            assertThat(g).as(list.out()).isNotNull();
            assertThat(g.path("cluster_holders").size()).as(list.out()).isEqualTo(1);
            assertThat(g.path("cluster_holders").get(0).path("holder").asText()).contains("@");
            assertThat(g.path("cluster_holders").get(0).path("label").asText()).contains("hold.sh");
            Ao.Result table = ao().run(60, "concurrency", "list");
            assertThat(table.out()).contains("CLUSTER GROUP").contains("cluster-g").contains("hold.sh");
        } finally {
            Processes.kill(p);
        }
    }
}
