package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.KubePeer;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ao run --on k8s} through the real jar and the fabric8 client against the testkit's Kubernetes API peer,
 * whose simulated kubelet runs the pod's command as a local process (the image is ignored). What the cluster saw is
 * read from the peer (objects, pod history, requests), what ao recorded from the run's files.
 */
class K8sRunIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private KubePeer peer;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("k8s");
        peer = new KubePeer().start();
        peer.writeKubeconfig(project.home().resolve(".kube/config"));
        peer.seedNamespace("jobs");
        project.config("[runners.k8s]\nnamespace = \"jobs\"\nttl_seconds_after_finished = 120\nschedule_timeout = 1\n"
                + "[runners.k8s.tags.gpu]\nnode_selector = {accelerator = \"nvidia\"}\n"
                + "tolerations = [{key = \"gpu\", operator = \"Exists\", effect = \"NoSchedule\"}]\n"
                + "[runners.k8s.tags.tpu]\nnode_selector = {accelerator = \"tpu\"}\n");
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

    private JsonNode json(Ao.Result r) throws Exception {
        return JSON.readTree(r.stdout());
    }

    private String file(String id, String name) throws Exception {
        return Files.readString(project.runDir(id).resolve(name));
    }

    @Test
    void aScriptRunsAsAJobAndItsLogsSummaryOutputsAndExitComeBack() throws Exception {
        project.script("job.sh", "#!/bin/sh\necho \"line one, arg $1\"\necho 'to stderr' >&2\n"
                + "printf '# Done\\nall good\\n' > \"$AO_SUMMARY\"\necho 'restarted=3' >> \"$AO_OUTPUT\"\nprintf 'no newline'\n");
        Ao.Result r = ao().env("AO_RUNNERS_K8S_TTL_SECONDS_AFTER_FINISHED", "3")
                .run(120, "run", "job.sh", "--on", "k8s", "-o", "json", "--", "$(HOME)");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode run = json(r);
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("succeeded");
        assertThat(run.path("summary").asText()).contains("# Done").contains("all good");
        assertThat(run.path("outputs").path("restarted").asText()).isEqualTo("3");
        assertThat(file(id, "stdout.log")).isEqualTo("line one, arg $(HOME)\nno newline");
        assertThat(file(id, "stderr.log")).isEqualTo("to stderr\n");
        // the Job ran in the namespace of [runners.k8s], labelled with the run; pods ran hardened
        String job = "ao-" + id;
        ObjectNode j = peer.get("jobs", "jobs", job).orElseThrow();
        assertThat(j.path("metadata").path("labels").path("ao.dev/run-id").asText()).isEqualTo(id);
        assertThat(j.path("spec").path("backoffLimit").asInt(-1)).isZero();
        JsonNode sc = j.path("spec").path("template").path("spec").path("containers").path(0).path("securityContext");
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(sc.path("capabilities").path("drop").toString()).contains("ALL");
        // ttl_seconds_after_finished = 120: the Job, its ConfigMap and pod go
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < end && (peer.get("jobs", "jobs", job).isPresent() || peer.get("configmaps", "jobs", job).isPresent())) {
            Thread.sleep(200);
        }
        assertThat(peer.get("jobs", "jobs", job)).isEmpty();
        assertThat(peer.get("configmaps", "jobs", job)).isEmpty();
        assertThat(peer.list("pods", "jobs", "job-name=" + job)).isEmpty();
    }

    @Test
    void theExitCodeComesFromThePodAndAFailureShowsStderr() throws Exception {
        project.script("fail.sh", "#!/bin/sh\necho 'step 5 ok'\necho 'the real reason' >&2\nexit 3\n");
        Ao.Result r = ao().run(120, "run", "fail.sh", "--on", "k8s", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        JsonNode run = json(r);
        assertThat(run.path("state").asText()).isEqualTo("failed");
        assertThat(run.path("exit_code").asInt()).isEqualTo(3);
        assertThat(run.path("summary").asText()).contains("the real reason");
    }

    @Test
    void timeoutCancelImagePullAndUnschedulableEachEndWithTheirReason() throws Exception {
        project.script("slow.sh", "#!/bin/sh\necho started\nsleep 60\necho never\n");
        Ao.Result t = ao().run(120, "run", "slow.sh", "--on", "k8s", "--timeout", "2", "-o", "json");
        assertThat(t.exit()).as(t.toString()).isEqualTo(124);
        assertThat(json(t).path("state").asText()).isEqualTo("timed_out");

        project.write("skills/pull/SKILL.md", "---\nname: pull\ndescription: a missing image\n---\n");
        project.write("skills/pull/script.json", "{\"script_file\": \"p.sh\", \"demands\": {\"image\": \"registry.invalid/nope:1\"}}");
        project.script("skills/pull/p.sh", "#!/bin/sh\necho hi\n");
        peer.imageBehavior("registry.invalid/nope:1", "pull-fail");
        Ao.Result p = ao().run(120, "run", "pull", "--on", "k8s", "-o", "json");
        assertThat(p.exit()).as(p.toString()).isEqualTo(1);
        assertThat(json(p).path("reason").asText()).contains("image pull failed").contains("registry.invalid/nope:1").doesNotContain("\n");

        Ao.Result u = ao().run(120, "run", "slow.sh", "--on", "k8s", "--tag", "tpu", "-o", "json");
        assertThat(u.exit()).as(u.toString()).isEqualTo(1);
        assertThat(json(u).path("reason").asText()).startsWith("unschedulable:").contains("node");

        Path out = project.base().resolve("cancel.out");
        Process run = ao().start(out, project.base().resolve("cancel.err"), "run", "slow.sh", "--on", "k8s", "-o", "json");
        try {
            String id = awaitRunning();
            Ao.Result c = ao().run("runs", "cancel", id);
            assertThat(c.exit()).as(c.toString()).isZero();
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            JsonNode shown = json(ao().run("runs", "show", id, "-o", "json"));
            assertThat(shown.path("state").asText()).isEqualTo("canceled");
            assertThat(peer.get("jobs", "jobs", "ao-" + id)).isEmpty();
            assertThat(file(id, "stdout.log")).contains("started").doesNotContain("never");
        } finally {
            run.destroyForcibly();
        }
    }

    @Test
    void tagsChooseTheNodeSelectorAndTolerations() throws Exception {
        peer.seedNode("gpu-1", Map.of("accelerator", "nvidia"), List.of("gpu=true:NoSchedule"));
        project.script("gpu.sh", "#!/bin/sh\necho on a gpu\n");
        Ao.Result r = ao().run(120, "run", "gpu.sh", "--on", "k8s", "--tag", "gpu", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = json(r).path("id").asText();
        boolean seen = false;
        for (JsonNode h : peer.podHistory()) {
            if (h.path("name").asText().startsWith("ao-" + id)) seen = true;
        }
        assertThat(seen).isTrue();
        ObjectNode j = peer.get("jobs", "jobs", "ao-" + id).orElseThrow();
        JsonNode pod = j.path("spec").path("template").path("spec");
        assertThat(pod.path("nodeSelector").path("accelerator").asText()).isEqualTo("nvidia");
        assertThat(pod.path("tolerations").path(0).path("key").asText()).isEqualTo("gpu");
    }

    @Test
    void secretParametersNeverReachAConfigMapThePodSpecAnEventOrALocalFile() throws Exception {
        String canary = "canary-" + Long.toHexString(System.nanoTime());
        project.write("skills/sec/SKILL.md", "---\nname: sec\ndescription: takes a token\n---\n");
        project.write("skills/sec/script.json", "{\"script_file\": \"s.sh\", \"parameters_schema\": {\"type\": \"object\", "
                + "\"properties\": {\"token\": {\"type\": \"string\", \"secret\": true}, \"user\": {\"type\": \"string\"}}}}");
        project.script("skills/sec/s.sh", "#!/bin/sh\necho \"user $AO_PARAM_USER token $AO_PARAM_TOKEN\"\n"
                + "echo \"len ${#AO_PARAM_TOKEN}\" > \"$AO_SUMMARY\"\necho \"t=$AO_PARAM_TOKEN\" >> \"$AO_OUTPUT\"\n");
        Ao.Result r = ao().run(120, "run", "sec", "--on", "k8s", "-p", "user=ann", "-p", "token=" + canary, "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = json(r).path("id").asText();
        // the script got the value (its length), and every record of it is masked
        assertThat(json(r).path("summary").asText()).contains("len " + canary.length());
        assertThat(file(id, "stdout.log")).contains("user ann token ***");
        assertThat(r.stdout() + r.stderr()).doesNotContain(canary);
        for (Path f : TestProject.filesUnder(project.root())) {
            if (Files.isRegularFile(f)) assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(canary);
        }
        for (ObjectNode o : peer.state()) {
            String kind = o.path("kind").asText();
            if (kind.equals("Secret")) continue;
            assertThat(o.toString()).as(kind + " " + o.path("metadata").path("name").asText()).doesNotContain(canary);
        }
    }

    @Test
    void aDryRunPrintsManifestsTheApiServerAcceptsAndCreatesNothing() throws Exception {
        project.script("dry.sh", "#!/bin/sh\necho hi\n");
        Ao.Result r = ao().run(120, "run", "dry.sh", "--on", "k8s", "--tag", "gpu", "--dry-run", "-o", "yaml");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("kind: \"Job\"").contains("kind: \"ConfigMap\"").contains("accelerator");
        assertThat(project.runIds()).isEmpty();
        assertThat(peer.list("jobs", "jobs")).isEmpty();
        Path m = project.base().resolve("manifests.yaml");
        Files.writeString(m, r.stdout());
        ProcessBuilder pb = new ProcessBuilder("kubectl", "apply", "--dry-run=server", "-f", m.toString());
        pb.environment().putAll(peer.kubectlEnv(project.home()));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("job.batch/").contains("(server dry run)");
        assertThat(peer.list("jobs", "jobs")).isEmpty();
    }

    @Test
    void aKilledAoLeavesTheJobRunningAndALaterAoReattachesWithEveryLineOnce() throws Exception {
        project.script("count.sh", "#!/bin/sh\ni=1\nwhile [ $i -le 80 ]; do echo \"line $i\"; i=$((i+1)); sleep 0.1; done\n"
                + "echo '# counted 80' > \"$AO_SUMMARY\"\n");
        Path out = project.base().resolve("kill.out");
        Process run = ao().start(out, project.base().resolve("kill.err"), "run", "count.sh", "--on", "k8s");
        String id;
        try {
            id = awaitRunning();
            // the stream drops once, then the ao is killed mid-run
            peer.cutLogStreams();
            Thread.sleep(300);
        } finally {
            run.destroyForcibly();
            run.waitFor(10, TimeUnit.SECONDS);
        }
        JsonNode shown = json(ao().run("runs", "list", "-o", "json")).path(0);
        assertThat(shown.path("state").asText()).as(shown.toString()).isEqualTo("running");
        assertThat(shown.path("reason").asText()).contains("k8s, detached");
        Ao.Result w = ao().run(120, "runs", "wait", id, "-o", "json");
        assertThat(w.exit()).as(w.toString()).isZero();
        assertThat(json(w).path("state").asText()).isEqualTo("succeeded");
        assertThat(json(w).path("summary").asText()).contains("counted 80");
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 80; i++) expected.add("line " + i);
        assertThat(Files.readAllLines(project.runDir(id).resolve("stdout.log"))).containsExactlyElementsOf(expected);
    }

    @Test
    void aWorkflowPassesOutputsFromALocalJobToAJobOnKubernetesAndBack() throws Exception {
        project.write("mixed.yml", """
                name: mixed
                jobs:
                  here:
                    shell: bash
                    run: echo "greeting=hello from $(hostname -s 2>/dev/null || echo here)" >> "$AO_OUTPUT"
                  there:
                    needs: [here]
                    runs_on: {runner: k8s, tags: [gpu]}
                    with: {g: "${{ jobs.here.outputs.greeting }}"}
                    shell: bash
                    run: |
                      echo "in the cluster: $AO_PARAM_G"
                      echo "echoed=$AO_PARAM_G, via $AO_RUNNER" >> "$AO_OUTPUT"
                  back:
                    needs: [there]
                    with: {e: "${{ jobs.there.outputs.echoed }}"}
                    shell: bash
                    run: echo "final=$AO_PARAM_E" >> "$AO_OUTPUT"
                summary: "${{ jobs.back.outputs.final }}"
                """);
        peer.seedNode("gpu-1", Map.of("accelerator", "nvidia"), List.of("gpu=true:NoSchedule"));
        Ao.Result r = ao().run(300, "run", "mixed.yml", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(json(r).path("summary").asText()).startsWith("hello from").contains(", via k8s");
        // the middle job ran as a Job in the cluster, the others here
        List<String> jobs = new ArrayList<>();
        for (ObjectNode j : peer.list("jobs", "jobs")) jobs.add(j.path("metadata").path("annotations").path("ao.dev/label").asText());
        assertThat(jobs).hasSize(1);
    }

    private String awaitRunning() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            for (String id : project.runIds()) {
                Path f = project.runDir(id).resolve("run.json");
                if (Files.exists(f) && JSON.readTree(f.toFile()).path("state").asText().equals("running")
                        && Files.size(project.runDir(id).resolve("stdout.log")) > 0) {
                    return id;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no run started in 60 s");
    }
}
