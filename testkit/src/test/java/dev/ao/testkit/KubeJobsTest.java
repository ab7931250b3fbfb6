package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs whose pods the peer runs as local processes, driven through the real {@code kubectl}. */
class KubeJobsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private KubePeer peer;
    private Map<String, String> env;

    @BeforeEach
    void start() {
        peer = new KubePeer().start();
        env = peer.kubectlEnv(home);
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    static final String JOB_YAML = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: greet-script}
            data:
              run.sh: |
                echo "hello $WHO from $(basename $PWD)"
                echo "to stderr" >&2
                cat "$GREETING"
                printf 'all good' > "$TERMINATION_LOG"
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: greet-secret}
            stringData: {who: world}
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: greet}
            spec:
              backoffLimit: 0
              template:
                metadata: {labels: {app: greet}}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: alpine:3.20
                    command: [sh, /scripts/run.sh]
                    workingDir: /work
                    env:
                    - {name: GREETING, value: /etc/app/greeting.txt}
                    - {name: TERMINATION_LOG, value: /dev/termination-log}
                    - name: WHO
                      valueFrom: {secretKeyRef: {name: greet-secret, key: who}}
                    volumeMounts:
                    - {name: scripts, mountPath: /scripts}
                    - {name: app, mountPath: /etc/app}
                    - {name: work, mountPath: /work}
                  volumes:
                  - name: scripts
                    configMap: {name: greet-script, defaultMode: 0755}
                  - name: app
                    configMap:
                      name: greet-script
                      items: [{key: run.sh, path: greeting.txt}]
                  - name: work
                    emptyDir: {}
            """;

    @Test
    void kubectlAppliesAJobWhosePodRunsWithItsEnvVolumesAndTerminationMessage() throws Exception {
        Processes.Result dry = kubectl("apply", "--dry-run=server", "-f", "-", JOB_YAML);
        assertThat(dry.exit()).as("%s", dry).isZero();
        assertThat(dry.stdout()).contains("job.batch/greet created (server dry run)",
                "secret/greet-secret created (server dry run)");
        assertThat(peer.list("jobs", "default")).isEmpty();

        ok("apply", "-f", "-", JOB_YAML);
        ok("wait", "--for=condition=complete", "job/greet", "--timeout=20s");
        String logs = ok("logs", "job/greet").stdout();
        assertThat(logs).contains("hello world from work", "to stderr", "echo \"hello $WHO");

        ObjectNode job = peer.get("jobs", "default", "greet").orElseThrow();
        JsonNode status = job.path("status");
        assertThat(status.path("succeeded").asInt()).isEqualTo(1);
        assertThat(status.has("active")).isFalse();
        assertThat(status.path("startTime").asText()).isNotEmpty();
        assertThat(status.path("completionTime").asText()).isNotEmpty();
        assertThat(conditionTypes(status)).contains("SuccessCriteriaMet", "Complete");

        ObjectNode pod = peer.list("pods", "default", "job-name=greet").get(0);
        String jobUid = job.path("metadata").path("uid").asText();
        assertThat(pod.path("metadata").path("name").asText()).matches("greet-[a-z0-9]{5}");
        assertThat(pod.path("metadata").path("labels").path("batch.kubernetes.io/controller-uid").asText()).isEqualTo(jobUid);
        assertThat(pod.path("metadata").path("labels").path("controller-uid").asText()).isEqualTo(jobUid);
        assertThat(pod.path("metadata").path("labels").path("app").asText()).isEqualTo("greet");
        JsonNode owner = pod.path("metadata").path("ownerReferences").path(0);
        assertThat(owner.path("kind").asText()).isEqualTo("Job");
        assertThat(owner.path("controller").asBoolean()).isTrue();
        assertThat(pod.path("spec").path("nodeName").asText()).isEqualTo("peer-node");
        assertThat(pod.path("status").path("phase").asText()).isEqualTo("Succeeded");
        JsonNode terminated = pod.path("status").path("containerStatuses").path(0).path("state").path("terminated");
        assertThat(terminated.path("exitCode").asInt()).isZero();
        assertThat(terminated.path("reason").asText()).isEqualTo("Completed");
        assertThat(terminated.path("message").asText()).isEqualTo("all good");
        assertThat(terminated.path("startedAt").asText()).isNotEmpty();

        String table = ok("get", "jobs").stdout();
        assertThat(table).contains("NAME", "STATUS", "COMPLETIONS").containsPattern("greet\\s+Complete\\s+1/1");

        ok("delete", "job", "greet", "--cascade=foreground");
        assertThat(peer.list("jobs", "default")).isEmpty();
        assertThat(peer.list("pods", "default", "job-name=greet")).isEmpty();
    }

    @Test
    void aFailingPodFailsTheJobWithBackoffLimitZero() {
        ok("apply", "-f", "-", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: broken}
                spec:
                  backoffLimit: 0
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: alpine:3.20
                        command: [sh, -c, 'echo giving up; echo "bad input" > /dev/termination-log; exit 3']
                """);
        ok("wait", "--for=condition=failed", "job/broken", "--timeout=20s");
        JsonNode status = peer.get("jobs", "default", "broken").orElseThrow().path("status");
        assertThat(status.path("failed").asInt()).isEqualTo(1);
        assertThat(conditionTypes(status)).contains("FailureTarget", "Failed").doesNotContain("Complete");
        assertThat(condition(status, "Failed").path("reason").asText()).isEqualTo("BackoffLimitExceeded");
        ObjectNode pod = peer.list("pods", "default", "job-name=broken").get(0);
        assertThat(pod.path("status").path("phase").asText()).isEqualTo("Failed");
        JsonNode terminated = pod.path("status").path("containerStatuses").path(0).path("state").path("terminated");
        assertThat(terminated.path("exitCode").asInt()).isEqualTo(3);
        assertThat(terminated.path("reason").asText()).isEqualTo("Error");
        assertThat(terminated.path("message").asText()).isEqualTo("bad input\n");
        assertThat(ok("logs", "pod/" + pod.path("metadata").path("name").asText()).stdout()).isEqualTo("giving up\n");
    }

    @Test
    void activeDeadlineKillsThePodProcess(@TempDir Path marks) throws Exception {
        Path pidFile = marks.resolve("pid");
        ok("apply", "-f", "-", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: slow}
                spec:
                  backoffLimit: 0
                  activeDeadlineSeconds: 1
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: alpine:3.20
                        command: [sh, -c, 'echo $$$$ > %s; sleep 60 & wait']
                """.formatted(pidFile));
        ok("wait", "--for=condition=failed", "job/slow", "--timeout=20s");
        JsonNode status = peer.get("jobs", "default", "slow").orElseThrow().path("status");
        assertThat(condition(status, "Failed").path("reason").asText()).isEqualTo("DeadlineExceeded");
        ObjectNode pod = peer.list("pods", "default", "job-name=slow").get(0);
        assertThat(pod.path("status").path("phase").asText()).isEqualTo("Failed");
        assertThat(pod.path("status").path("reason").asText()).isEqualTo("DeadlineExceeded");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void unschedulablePodsStayPendingWithAFailedSchedulingEvent() {
        peer.seedNode("gpu-node", Map.of("gpu", "true"), List.of("dedicated=gpu:NoSchedule"));
        ok("apply", "-f", "-", """
                apiVersion: v1
                kind: Pod
                metadata: {name: nowhere}
                spec:
                  nodeSelector: {disk: ssd}
                  containers: [{name: main, image: alpine, command: [sleep, "30"]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: gpu-untolerated}
                spec:
                  nodeSelector: {gpu: "true"}
                  containers: [{name: main, image: alpine, command: [sleep, "30"]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: gpu-tolerated}
                spec:
                  nodeSelector: {gpu: "true"}
                  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
                  restartPolicy: Never
                  containers: [{name: main, image: alpine, command: [sh, -c, 'echo on gpu']}]
                """);
        ObjectNode nowhere = peer.get("pods", "default", "nowhere").orElseThrow();
        assertThat(nowhere.path("status").path("phase").asText()).isEqualTo("Pending");
        JsonNode scheduled = condition(nowhere.path("status"), "PodScheduled");
        assertThat(scheduled.path("status").asText()).isEqualTo("False");
        assertThat(scheduled.path("reason").asText()).isEqualTo("Unschedulable");
        assertThat(scheduled.path("message").asText()).isEqualTo(
                "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
        String untolerated = condition(peer.get("pods", "default", "gpu-untolerated").orElseThrow().path("status"),
                "PodScheduled").path("message").asText();
        assertThat(untolerated).isEqualTo("0/2 nodes are available: 1 node(s) didn't match Pod's node"
                + " affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}.");
        String events = ok("get", "events", "--field-selector", "involvedObject.name=nowhere").stdout();
        assertThat(events).contains("FailedScheduling", "didn't match Pod's node affinity/selector");

        ok("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/gpu-tolerated", "--timeout=20s");
        ObjectNode tolerated = peer.get("pods", "default", "gpu-tolerated").orElseThrow();
        assertThat(tolerated.path("spec").path("nodeName").asText()).isEqualTo("gpu-node");
        assertThat(ok("logs", "gpu-tolerated").stdout()).isEqualTo("on gpu\n");
    }

    @Test
    void imageBehavioursAndMissingSecrets() throws Exception {
        peer.imageBehavior("registry.example/missing:1.0", "pull-fail");
        peer.imageBehavior("hungry:1", "oom");
        ok("apply", "-f", "-", """
                apiVersion: v1
                kind: Pod
                metadata: {name: nopull}
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: "registry.example/missing:1.0", command: [sh, -c, 'echo never']}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: oom}
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: "hungry:1", command: [sh, -c, 'echo eating; sleep 30']}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: nosecret}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: alpine
                    command: [sh, -c, 'echo "token=$TOKEN"']
                    envFrom: [{secretRef: {name: later}}]
                """);
        ok("wait", "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff",
                "pod/nopull", "--timeout=20s");
        JsonNode waiting = peer.get("pods", "default", "nopull").orElseThrow().path("status")
                .path("containerStatuses").path(0).path("state").path("waiting");
        assertThat(waiting.path("message").asText()).contains("registry.example/missing:1.0");
        Processes.Result notStarted = kubectl("logs", "nopull");
        assertThat(notStarted.exit()).isNotZero();
        assertThat(notStarted.stderr()).contains("is waiting to start");
        assertThat(peer.podHistory().stream().filter(h -> h.path("name").asText().equals("nopull"))
                .flatMap(h -> h.path("containers").findValuesAsText("reason").stream()).toList())
                .contains("ContainerCreating", "ErrImagePull", "ImagePullBackOff");

        ok("wait", "--for=jsonpath={.status.phase}=Failed", "pod/oom", "--timeout=20s");
        JsonNode oomKilled = peer.get("pods", "default", "oom").orElseThrow().path("status")
                .path("containerStatuses").path(0).path("state").path("terminated");
        assertThat(oomKilled.path("reason").asText()).isEqualTo("OOMKilled");
        assertThat(oomKilled.path("exitCode").asInt()).isEqualTo(137);

        waitFor(() -> "CreateContainerConfigError".equals(peer.get("pods", "default", "nosecret").orElseThrow()
                .path("status").path("containerStatuses").path(0).path("state").path("waiting").path("reason").asText()));
        assertThat(peer.get("pods", "default", "nosecret").orElseThrow().path("status").path("containerStatuses")
                .path(0).path("state").path("waiting").path("message").asText()).isEqualTo("secret \"later\" not found");
        ok("apply", "-f", "-", "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"later\"},"
                + " \"data\": {\"TOKEN\": \"czNjcmV0\"}}");
        ok("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/nosecret", "--timeout=20s");
        assertThat(ok("logs", "nosecret").stdout()).isEqualTo("token=s3cret\n");
    }

    @Test
    void kubectlFollowsAJobLogUntilItsContainerEnds() throws Exception {
        ok("apply", "-f", "-", """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: ticker}
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: alpine:3.20
                        command: [sh, -c, 'for i in 1 2 3 4; do echo tick $i; sleep 0.4; done; echo bye >&2']
                """);
        ok("wait", "--for=jsonpath={.status.ready}=1", "job/ticker", "--timeout=20s");
        Processes.Result followed = ok("logs", "-f", "job/ticker");
        assertThat(followed.stdout()).isEqualTo("tick 1\ntick 2\ntick 3\ntick 4\nbye\n");
        assertThat(peer.get("jobs", "default", "ticker").orElseThrow().path("status").path("succeeded").asInt())
                .isEqualTo(1);
        assertThat(peer.requests()).anyMatch(r -> r.contains("/log?") && r.contains("follow=true"));
    }

    @Test
    void closingThePeerKillsThePodProcesses(@TempDir Path marks) throws Exception {
        Path pidFile = marks.resolve("pid");
        ok("apply", "-f", "-", """
                apiVersion: v1
                kind: Pod
                metadata: {name: sleeper}
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: alpine, command: [sh, -c, 'echo $$$$ > %s; exec sleep 120']}]
                """.formatted(pidFile));
        waitFor(() -> Files.exists(pidFile) && !readQuietly(pidFile).isBlank());
        long pid = Long.parseLong(readQuietly(pidFile).trim());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue();
        peer.close();
        waitFor(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    // ------------------------------------------------------------------ helpers

    static List<String> conditionTypes(JsonNode status) {
        List<String> types = new ArrayList<>();
        status.path("conditions").forEach(c -> {
            if (c.path("status").asText().equals("True")) {
                types.add(c.path("type").asText());
            }
        });
        return types;
    }

    static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return JSON.missingNode();
    }

    static void waitFor(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private Processes.Result kubectl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("kubectl"));
        String stdin = null;
        List<String> list = new ArrayList<>(List.of(args));
        if (list.contains("-") && list.indexOf("-") == list.size() - 2) {
            stdin = list.remove(list.size() - 1);
        }
        cmd.addAll(list);
        Processes.Result r = Processes.run(cmd, env, home, Duration.ofSeconds(30), stdin);
        assertThat(r.timedOut()).as("%s", r).isFalse();
        return r;
    }

    private Processes.Result ok(String... args) {
        Processes.Result r = kubectl(args);
        assertThat(r.exit()).as("%s", r).isZero();
        return r;
    }
}
