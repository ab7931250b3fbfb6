package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the real {@code kubectl} binary against {@link KubePeer}. */
class KubePeerTest {

    /**
     * A hang detector, not a speed goal: a kubectl call that needs this long is stuck in a discovery fallback
     * or a watch that never ends. Normal calls take 50-150 ms; the margin keeps a loaded CI machine green.
     */
    private static final Duration KUBECTL_BUDGET = Duration.ofSeconds(8);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SLOWEST = new AtomicLong();

    @AfterAll
    static void reportSlowest() {
        System.out.println("slowest kubectl call: " + SLOWEST.get() + " ms");
    }

    @TempDir
    Path home;

    private KubePeer peer;
    private Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

    @BeforeEach
    void start() {
        peer = new KubePeer().start();
        env = peer.kubectlEnv(home);
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    private Processes.Result kubectl(String... args) {
        return kubectlIn(null, args);
    }

    private Processes.Result kubectlIn(String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of("kubectl"));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.run(cmd, env, home, Duration.ofSeconds(20), stdin);
        SLOWEST.accumulateAndGet(r.elapsed().toMillis(), Math::max);
        assertThat(r.timedOut()).as("%s", r).isFalse();
        assertThat(r.elapsed()).as("kubectl %s took too long", String.join(" ", args)).isLessThan(KUBECTL_BUDGET);
        return r;
    }

    private Processes.Result ok(String... args) {
        Processes.Result r = kubectl(args);
        assertThat(r.exit()).as("%s", r).isZero();
        return r;
    }

    private static final String MANIFEST = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              labels: {app: web}
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
                    ports: [{containerPort: 80}]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: debug
              namespace: shop
              labels: {role: debug}
            spec:
              containers:
              - name: sh
                image: busybox:1.36
            """;

    @Test
    void applyThenGetAsJson() throws Exception {
        Path manifest = Files.writeString(home.resolve("shop.yaml"), MANIFEST);
        Processes.Result applied = ok("apply", "-f", manifest.toString());
        assertThat(applied.stdout()).contains("namespace/shop created", "deployment.apps/web created",
                "pod/debug created");

        JsonNode d = JSON.readTree(ok("get", "deployment", "web", "-n", "shop", "-o", "json").stdout());
        assertThat(d.path("kind").asText()).isEqualTo("Deployment");
        assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(d.path("metadata").path("uid").asText()).isNotEmpty();
        assertThat(d.path("metadata").path("generation").asInt()).isEqualTo(1);
        assertThat(d.path("metadata").path("creationTimestamp").asText()).isNotEmpty();
        assertThat(d.path("metadata").path("annotations").has("kubectl.kubernetes.io/last-applied-configuration")).isTrue();
        assertThat(d.path("status").path("availableReplicas").asInt()).isEqualTo(2);

        // Like a real cluster: pod -> replicaset -> deployment.
        List<ObjectNode> pods = peer.podsOf("shop", "web");
        assertThat(pods).hasSize(2);
        JsonNode podOwner = pods.get(0).path("metadata").path("ownerReferences").path(0);
        assertThat(podOwner.path("kind").asText()).isEqualTo("ReplicaSet");
        ObjectNode rs = peer.get("rs", "shop", podOwner.path("name").asText()).orElseThrow();
        JsonNode rsOwner = rs.path("metadata").path("ownerReferences").path(0);
        assertThat(rsOwner.path("kind").asText()).isEqualTo("Deployment");
        assertThat(rsOwner.path("uid").asText()).isEqualTo(d.path("metadata").path("uid").asText());

        assertThat(ok("apply", "-f", manifest.toString()).stdout()).contains("deployment.apps/web unchanged");
        String changed = MANIFEST.replace("replicas: 2", "replicas: 3").replace("nginx:1.27", "nginx:1.28");
        Files.writeString(manifest, changed);
        assertThat(ok("apply", "-f", manifest.toString()).stdout()).contains("deployment.apps/web configured");
        ObjectNode after = peer.get("deploy", "shop", "web").orElseThrow();
        assertThat(after.path("metadata").path("generation").asInt()).isEqualTo(2);
        assertThat(after.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText())
                .isEqualTo("nginx:1.28");
        assertThat(peer.podsOf("shop", "web")).hasSize(3)
                .allSatisfy(p -> assertThat(p.path("spec").path("containers").path(0).path("image").asText())
                        .isEqualTo("nginx:1.28"));

        String jsonpath = ok("get", "pod", "debug", "-n", "shop", "-o", "jsonpath={.status.phase}").stdout();
        assertThat(jsonpath).isEqualTo("Running");
    }

    @Test
    void listsAcrossNamespacesWithLabelSelectors() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        peer.seedDeployment("shop", "api", Map.of("app", "api"), 1);
        peer.seedDeployment("billing", "web", Map.of("app", "web"), 1);
        peer.seedPod("billing", "loose", Map.of());

        String all = ok("get", "pods", "-A", "-o", "name").stdout();
        assertThat(all.lines()).hasSize(5);
        assertThat(ok("get", "pods", "-A", "-l", "app=web", "-o", "name").stdout().lines()).hasSize(3);
        assertThat(ok("get", "pods", "-n", "shop", "-l", "app==web", "-o", "name").stdout().lines()).hasSize(2);
        assertThat(ok("get", "pods", "-A", "-l", "app in (web,api)", "-o", "name").stdout().lines()).hasSize(4);
        assertThat(ok("get", "pods", "-A", "-l", "app notin (web)", "-o", "name").stdout().lines()).hasSize(2);
        assertThat(ok("get", "pods", "-A", "-l", "app!=web", "-o", "name").stdout().lines()).hasSize(2);
        assertThat(ok("get", "pods", "-A", "-l", "!app", "-o", "name").stdout().trim()).isEqualTo("pod/loose");
        assertThat(ok("get", "pods", "-A", "-l", "app", "-o", "name").stdout().lines()).hasSize(4);

        String table = ok("get", "pods", "-A", "-l", "app=api").stdout();
        assertThat(table.lines().findFirst().orElseThrow()).startsWith("NAMESPACE").contains("NAME");
        assertThat(table).contains("shop").contains("api-");

        Processes.Result bad = kubectl("get", "pods", "-l", "app in (web");
        assertThat(bad.exit()).isNotZero();
    }

    @Test
    void fieldSelectors() {
        peer.seedPod("jobs", "ok-1", Map.of("app", "job"));
        peer.seedPod("jobs", "ok-2", Map.of("app", "job"));
        peer.seedPod("jobs", "broken", Map.of("app", "job"));
        peer.setPodPhase("jobs", "broken", "Failed");

        assertThat(ok("get", "pods", "-A", "--field-selector", "status.phase=Running", "-o", "name").stdout())
                .contains("pod/ok-1", "pod/ok-2").doesNotContain("broken");
        assertThat(ok("get", "pods", "-n", "jobs", "--field-selector", "status.phase!=Running", "-o", "name")
                .stdout().trim()).isEqualTo("pod/broken");
        assertThat(ok("get", "pods", "-A", "--field-selector", "metadata.name=ok-2,metadata.namespace=jobs",
                "-o", "name").stdout().trim()).isEqualTo("pod/ok-2");
        Processes.Result unsupported = kubectl("get", "pods", "--field-selector", "spec.colour=blue");
        assertThat(unsupported.exit()).isNotZero();
        assertThat(unsupported.stderr()).contains("field label not supported: spec.colour");
    }

    @Test
    void rolloutRestartSetsRestartedAtAndRollsOut() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        List<String> before = names(peer.podsOf("shop", "web"));

        assertThat(ok("rollout", "restart", "deployment/web", "-n", "shop").stdout())
                .contains("deployment.apps/web restarted");

        ObjectNode d = peer.get("deployment", "shop", "web").orElseThrow();
        String restartedAt = d.path("spec").path("template").path("metadata").path("annotations")
                .path("kubectl.kubernetes.io/restartedAt").asText();
        assertThat(Instant.parse(restartedAt)).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(d.path("metadata").path("generation").asInt()).isEqualTo(2);
        List<String> after = names(peer.podsOf("shop", "web"));
        assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
        assertThat(peer.list("rs", "shop")).hasSize(2);

        assertThat(ok("rollout", "status", "deployment/web", "-n", "shop", "--timeout=10s").stdout())
                .contains("successfully rolled out");
        assertThat(ok("rollout", "history", "deployment/web", "-n", "shop").stdout()).contains("1 ", "2 ");
    }

    @Test
    void rolloutStatusWaitsWhileAPodCrashLoops() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        String pod = names(peer.podsOf("shop", "web")).get(0);
        peer.setPodCrashLooping("shop", pod);

        String table = ok("get", "pods", "-n", "shop").stdout();
        assertThat(table).containsPattern(pod + "\\s+0/1\\s+CrashLoopBackOff\\s+5 \\(\\d+s ago\\)");
        assertThat(ok("get", "deploy", "web", "-n", "shop").stdout()).containsPattern("web\\s+1/2\\s+2\\s+1");

        Processes.Result status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=1s");
        assertThat(status.exit()).as("%s", status).isNotZero();
        assertThat(status.stdout()).contains("1 of 2 updated replicas are available");
    }

    @Test
    void deletesPodsByNameAndBySelector() {
        peer.seedPod("jobs", "a", Map.of("tier", "batch"));
        peer.seedPod("jobs", "b", Map.of("tier", "batch"));
        peer.seedPod("jobs", "c", Map.of("tier", "web"));
        peer.seedDeployment("jobs", "web", Map.of("app", "web"), 1);

        assertThat(ok("delete", "pod", "c", "-n", "jobs").stdout()).contains("pod \"c\" deleted");
        assertThat(peer.get("pod", "jobs", "c")).isEmpty();

        assertThat(ok("delete", "pods", "-n", "jobs", "-l", "tier=batch").stdout())
                .contains("pod \"a\" deleted", "pod \"b\" deleted");
        assertThat(peer.list("pods", "jobs", "tier")).isEmpty();

        // A pod owned by a ReplicaSet is replaced, as on a real cluster.
        String owned = names(peer.podsOf("jobs", "web")).get(0);
        ok("delete", "pod", owned, "-n", "jobs");
        assertThat(names(peer.podsOf("jobs", "web"))).hasSize(1).doesNotContain(owned);

        Processes.Result missing = kubectl("delete", "pod", "c", "-n", "jobs");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.stderr()).contains("pods \"c\" not found");

        ok("delete", "deployment", "web", "-n", "jobs");
        assertThat(peer.list("rs", "jobs")).isEmpty();
        assertThat(peer.list("pods", "jobs")).isEmpty();
    }

    @Test
    void getPodsPrintsANormalTable() {
        peer.seedPod("default", "old", Map.of("app", "x"));
        peer.setCreationTimestamp("pod", "default", "old", Instant.now().minus(Duration.ofHours(2)));
        peer.seedPod("default", "pending", Map.of());
        peer.setPodPhase("default", "pending", "Pending");

        List<String> lines = ok("get", "pods").stdout().lines().toList();
        assertThat(lines.get(0)).matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE");
        assertThat(lines).anyMatch(l -> l.matches("old\\s+1/1\\s+Running\\s+0\\s+(119m|120m|2h)"));
        assertThat(lines).anyMatch(l -> l.matches("pending\\s+0/1\\s+ContainerCreating\\s+0\\s+\\d+s"));
        assertThat(ok("get", "pods", "-o", "wide").stdout().lines().findFirst().orElseThrow())
                .contains("IP", "NODE", "NOMINATED NODE");

        peer.seedDeployment("default", "web", Map.of("app", "web"), 3);
        assertThat(ok("get", "deployments").stdout().lines().toList())
                .first().satisfies(h -> assertThat(h).matches("NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE"));
        assertThat(ok("get", "deploy", "web").stdout()).containsPattern("web\\s+3/3\\s+3\\s+3\\s+\\d+s");
        assertThat(ok("get", "ns").stdout()).containsPattern("default\\s+Active");
        assertThat(ok("get", "rs").stdout()).containsPattern("web-\\w+\\s+3\\s+3\\s+3");
        assertThat(ok("get", "pods", "--show-labels").stdout()).contains("app=x");
    }

    @Test
    void serverDryRunChangesNothing() throws Exception {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        String rv = peer.get("deploy", "shop", "web").orElseThrow().path("metadata").path("resourceVersion").asText();
        List<String> pods = names(peer.podsOf("shop", "web"));

        assertThat(ok("delete", "deployment", "web", "-n", "shop", "--dry-run=server").stdout()).contains("server dry run");
        assertThat(ok("scale", "deployment", "web", "-n", "shop", "--replicas=5", "--dry-run=server").stdout())
                .contains("server dry run");
        ok("delete", "pod", pods.get(0), "-n", "shop", "--dry-run=server");
        Path manifest = Files.writeString(home.resolve("shop.yaml"), MANIFEST);
        assertThat(ok("apply", "-f", manifest.toString(), "--dry-run=server").stdout()).contains("(server dry run)");

        ObjectNode d = peer.get("deploy", "shop", "web").orElseThrow();
        assertThat(d.path("metadata").path("resourceVersion").asText()).isEqualTo(rv);
        assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(names(peer.podsOf("shop", "web"))).containsExactlyInAnyOrderElementsOf(pods);
        assertThat(peer.get("pod", "shop", "debug")).isEmpty();
    }

    @Test
    void missingObjectsGiveKubectlsNotFound() {
        Processes.Result pod = kubectl("get", "pod", "nope");
        assertThat(pod.exit()).isEqualTo(1);
        assertThat(pod.stderr().trim()).isEqualTo("Error from server (NotFound): pods \"nope\" not found");

        Processes.Result deploy = kubectl("get", "deployment", "nope", "-n", "kube-system");
        assertThat(deploy.stderr().trim()).isEqualTo("Error from server (NotFound): deployments.apps \"nope\" not found");

        // kubectl itself looks up the namespace after a NotFound and reports that instead.
        Processes.Result namespace = kubectl("get", "deployment", "nope", "-n", "ghost");
        assertThat(namespace.stderr().trim()).isEqualTo("Error from server (NotFound): namespaces \"ghost\" not found");

        Processes.Result kind = kubectl("get", "widgets");
        assertThat(kind.exit()).isNotZero();
        assertThat(kind.stderr()).contains("the server doesn't have a resource type \"widgets\"");
    }

    @Test
    void versionAndDiscovery() throws Exception {
        JsonNode version = JSON.readTree(ok("version", "-o", "json").stdout());
        assertThat(version.path("serverVersion").path("gitVersion").asText()).isEqualTo(KubePeer.SERVER_VERSION);

        String resources = ok("api-resources").stdout();
        assertThat(resources).containsPattern("pods\\s+po\\s+v1\\s+true\\s+Pod")
                .containsPattern("deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment")
                .containsPattern("replicasets\\s+rs\\s+apps/v1\\s+true\\s+ReplicaSet")
                .containsPattern("namespaces\\s+ns\\s+v1\\s+false\\s+Namespace");
        // kubectl asked for aggregated discovery and got it.
        assertThat(peer.requests()).anyMatch(r -> r.startsWith("GET /api?")).anyMatch(r -> r.startsWith("GET /apis?"))
                .noneMatch(r -> r.startsWith("GET /api/v1?") || r.startsWith("GET /apis/apps/v1?"));
    }

    @Test
    void legacyDiscoveryForClientsThatAskForIt() throws Exception {
        JsonNode api = getJson("/api");
        assertThat(api.path("kind").asText()).isEqualTo("APIVersions");
        assertThat(api.path("versions").toString()).contains("v1");
        JsonNode groups = getJson("/apis");
        assertThat(groups.path("kind").asText()).isEqualTo("APIGroupList");
        assertThat(groups.path("groups").path(0).path("preferredVersion").path("groupVersion").asText())
                .isEqualTo("apps/v1");
        JsonNode core = getJson("/api/v1");
        assertThat(core.path("kind").asText()).isEqualTo("APIResourceList");
        assertThat(core.path("resources").toString()).contains("\"name\":\"pods\"", "\"po\"", "\"pods/status\"");
        JsonNode apps = getJson("/apis/apps/v1");
        assertThat(apps.path("resources").toString()).contains("\"deploy\"", "\"rs\"", "\"deployments/scale\"");
        HttpResponse<String> missing = get("/apis/policy/v1", "application/json");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).path("kind").asText()).isEqualTo("Status");
    }

    @Test
    void concurrentRestartsOfFiftyDeployments() throws Exception {
        for (int i = 0; i < 50; i++) {
            peer.seedDeployment("fleet", "svc-" + i, Map.of("app", "svc-" + i, "fleet", "yes"), 2);
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Processes.Result>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String name = "deployment/svc-" + i;
                results.add(pool.submit(() -> Processes.run(List.of("kubectl", "rollout", "restart", name, "-n", "fleet"),
                        env, home, Duration.ofSeconds(30))));
            }
            for (Future<Processes.Result> f : results) {
                Processes.Result r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.exit()).as("%s", r).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 50; i++) {
            ObjectNode d = peer.get("deploy", "fleet", "svc-" + i).orElseThrow();
            assertThat(d.path("spec").path("template").path("metadata").path("annotations")
                    .has("kubectl.kubernetes.io/restartedAt")).isTrue();
            assertThat(d.path("status").path("updatedReplicas").asInt()).isEqualTo(2);
            assertThat(peer.podsOf("fleet", "svc-" + i)).hasSize(2);
        }
        assertThat(peer.list("pods", "fleet")).hasSize(100);
        assertThat(peer.list("rs", "fleet")).hasSize(100);
    }

    @Test
    void patchScaleLabelAndLogs() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 1);
        ok("patch", "deployment", "web", "-n", "shop", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]");
        assertThat(peer.podsOf("shop", "web")).hasSize(3);
        ok("patch", "deployment", "web", "-n", "shop", "--type=merge", "-p", "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
        ok("patch", "deployment", "web", "-n", "shop",
                "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:2\"}]}}}}");
        ObjectNode d = peer.get("deploy", "shop", "web").orElseThrow();
        assertThat(d.path("metadata").path("labels").path("team").asText()).isEqualTo("a");
        assertThat(d.path("spec").path("template").path("spec").path("containers")).hasSize(1);
        assertThat(d.path("spec").path("template").path("spec").path("containers").path(0).path("ports")).hasSize(1);

        ok("scale", "deployment/web", "-n", "shop", "--replicas=1");
        assertThat(peer.podsOf("shop", "web")).hasSize(1);

        String pod = names(peer.podsOf("shop", "web")).get(0);
        ok("label", "pod", pod, "-n", "shop", "checked=yes");
        assertThat(peer.get("pod", "shop", pod).orElseThrow().path("metadata").path("labels").path("checked").asText())
                .isEqualTo("yes");

        peer.setPodLog("shop", pod, null, "starting\nready\nserving\n");
        assertThat(ok("logs", pod, "-n", "shop").stdout()).isEqualTo("starting\nready\nserving\n");
        assertThat(ok("logs", "deployment/web", "-n", "shop", "--tail=1").stdout()).isEqualTo("serving\n");
    }

    @Test
    void drainEvictsAndCordonKeepsReplacementsPending() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        List<String> before = names(peer.podsOf("shop", "web"));

        Processes.Result drain = ok("drain", "peer-node", "--ignore-daemonsets", "--timeout=10s");
        assertThat(drain.stdout()).contains("node/peer-node drained");
        List<ObjectNode> replacements = peer.podsOf("shop", "web");
        assertThat(names(replacements)).hasSize(2).doesNotContainAnyElementsOf(before);
        assertThat(replacements).allSatisfy(p -> assertThat(p.path("status").path("phase").asText()).isEqualTo("Pending"));
        assertThat(ok("get", "nodes").stdout()).contains("SchedulingDisabled");

        ok("uncordon", "peer-node");
        assertThat(peer.podsOf("shop", "web"))
                .allSatisfy(p -> assertThat(p.path("status").path("phase").asText()).isEqualTo("Running"));
    }

    @Test
    void rollbackReusesThePreviousReplicaSet() {
        peer.seedDeployment("shop", "web", Map.of("app", "web"), 2);
        String original = peer.list("rs", "shop").get(0).path("metadata").path("name").asText();
        ok("set", "image", "deployment/web", "-n", "shop", "nginx=nginx:1.28");
        assertThat(peer.list("rs", "shop")).hasSize(2);

        ok("rollout", "undo", "deployment/web", "-n", "shop");
        ObjectNode rs = peer.get("rs", "shop", original).orElseThrow();
        assertThat(rs.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(rs.path("metadata").path("annotations").path("deployment.kubernetes.io/revision").asText())
                .isEqualTo("3");
        assertThat(peer.list("rs", "shop")).hasSize(2);
        assertThat(ok("rollout", "status", "deployment/web", "-n", "shop").stdout()).contains("successfully rolled out");
    }

    @Test
    void kubectlWaitWatchesForChanges() throws Exception {
        peer.seedPod("default", "slow", Map.of());
        peer.setPodReady("default", "slow", false);
        Thread later = new Thread(() -> {
            FreePort.sleep(400);
            peer.setPodReady("default", "slow", true);
        });
        later.start();
        Processes.Result r = kubectl("wait", "--for=condition=Ready", "pod/slow", "--timeout=10s");
        later.join();
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("pod/slow condition met");
    }

    @Test
    void watchStreamsEventsUntilTimeout() throws Exception {
        peer.seedPod("default", "first", Map.of("app", "w"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(peer.url()
                + "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dw&timeoutSeconds=2")).build();
        Thread later = new Thread(() -> {
            // Changes only once the watch is being served: on a loaded machine the request can come late.
            while (peer.requests().stream().noneMatch(r -> r.contains("watch=true"))) {
                FreePort.sleep(20);
            }
            FreePort.sleep(300);
            peer.seedPod("default", "second", Map.of("app", "w"));
            peer.seedPod("default", "other", Map.of("app", "x"));
            peer.delete("pod", "default", "first");
        });
        long start = System.nanoTime();
        later.start();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        List<String> events = new ArrayList<>();
        response.body().forEach(line -> events.add(line));
        later.join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        List<String> summary = new ArrayList<>();
        for (String line : events) {
            JsonNode e = JSON.readTree(line);
            summary.add(e.path("type").asText() + " " + e.path("object").path("metadata").path("name").asText());
        }
        assertThat(summary).startsWith("ADDED first", "ADDED second").contains("DELETED first")
                .doesNotContain("ADDED other");
    }

    @Test
    void seedsAndReportsStateOverHttp() throws Exception {
        String seed = """
                {"kind": "List", "apiVersion": "v1", "items": [
                  {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "batch-1", "namespace": "etl", "labels": {"job": "etl"},
                                "creationTimestamp": "2024-01-01T00:00:00Z"},
                   "spec": {"containers": [{"name": "main", "image": "python:3.12"}]},
                   "status": {"phase": "Failed"}},
                  {"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "loader", "namespace": "etl"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "loader"}},
                            "template": {"metadata": {"labels": {"app": "loader"}},
                                         "spec": {"containers": [{"name": "l", "image": "loader:1"}]}}}}
                ]}""";
        HttpResponse<String> seeded = http.send(HttpRequest.newBuilder(URI.create(peer.url() + "/_peer/seed"))
                .POST(HttpRequest.BodyPublishers.ofString(seed)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(seeded.statusCode()).as(seeded.body()).isEqualTo(200);

        String pods = ok("get", "pods", "-n", "etl", "--field-selector", "status.phase=Failed", "-o", "name").stdout();
        assertThat(pods.trim()).isEqualTo("pod/batch-1");
        assertThat(ok("get", "pods", "-n", "etl", "-l", "app=loader", "-o", "name").stdout().lines()).hasSize(2);
        assertThat(ok("get", "pod", "batch-1", "-n", "etl").stdout()).containsPattern("batch-1\\s+0/1\\s+Failed\\s+0\\s+\\d+[yd]");

        http.send(HttpRequest.newBuilder(URI.create(peer.url() + "/_peer/crashloop?namespace=etl&pod="
                + names(peer.podsOf("etl", "loader")).get(0))).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok("get", "pods", "-n", "etl").stdout()).contains("CrashLoopBackOff");

        JsonNode state = getJson("/_peer/state?kind=deployments&namespace=etl");
        assertThat(state.path("items")).hasSize(1);
        assertThat(state.path("items").path(0).path("status").path("readyReplicas").asInt()).isEqualTo(1);

        http.send(HttpRequest.newBuilder(URI.create(peer.url() + "/_peer/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(peer.list("pods", null)).isEmpty();
        assertThat(peer.get("ns", null, "default")).isPresent();
    }

    @Test
    void runsStandaloneAndPrintsReady() throws Exception {
        Path kubeconfig = home.resolve("standalone/config");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KubePeer.class.getName(),
                "--port", "0", "--kubeconfig", kubeconfig.toString());
        builder.redirectErrorStream(true);
        Process process = builder.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).matches("ready http://127\\.0\\.0\\.1:\\d+");
            Map<String, String> standaloneEnv = Processes.baseEnv();
            standaloneEnv.put("HOME", home.toString());
            standaloneEnv.put("KUBECONFIG", kubeconfig.toString());
            Processes.Result r = Processes.run(List.of("kubectl", "get", "ns", "-o", "name"), standaloneEnv, home,
                    Duration.ofSeconds(10));
            assertThat(r.stdout()).as("%s", r).contains("namespace/default");
        } finally {
            Processes.stop(process, Duration.ofSeconds(5));
        }
        assertThat(process.isAlive()).isFalse();
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(peer.url() + path)).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = get(path, "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static List<String> names(List<ObjectNode> objects) {
        return objects.stream().map(o -> o.path("metadata").path("name").asText()).toList();
    }
}
