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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundled workflow k8s/heal-crashloops, run by name through the real jar against the real kubectl and the local
 * Kubernetes API peer. What was restarted is read from the peer (the PATCH requests it served and the deployments'
 * templates), never from ao's own report; the tree of runs from ao's store.
 */
class HealCrashloopsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    /** Crash-looping in the namespace healed: shop/web has two pods, both from its ReplicaSet. */
    private static final Set<String> CRASHING = Set.of("shop/web", "shop/api", "shop/worker");
    private static final Set<String> HEALTHY = Set.of("shop/cart", "shop/search");
    /** Crash-looping too, but in another namespace: -p namespace=shop must leave it alone. */
    private static final String ELSEWHERE = "pay/ledger";

    private TestProject project;
    private KubePeer peer;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("heal");
        Path repo = Ao.repo();
        project.config("[skills]\npaths = [\"" + repo.resolve("skills") + "\", \"" + repo.resolve("dotcodex/skills") + "\"]\n");
        peer = new KubePeer().start();
        peer.writeKubeconfig(project.home().resolve(".kube/config"));
        project.giveToItUser();
        seed();
    }

    @AfterEach
    void tearDown() {
        try {
            if (peer != null) peer.close();
        } finally {
            if (project != null) project.close();
        }
    }

    /** Through the peer's own hooks: each deployment's controller makes a ReplicaSet and its pods; then some crash. */
    private void seed() {
        peer.seedNamespace("shop");
        peer.seedNamespace("pay");
        for (String d : List.of("shop/web", "shop/api", "shop/worker", "shop/cart", "shop/search", ELSEWHERE)) {
            String[] p = d.split("/");
            int replicas = d.equals("shop/web") || d.equals("shop/search") ? 2 : 1;
            peer.seedDeployment(p[0], p[1], Map.of("app", p[1]), replicas);
        }
        for (String d : union(CRASHING, Set.of(ELSEWHERE))) {
            String[] p = d.split("/");
            List<ObjectNode> pods = peer.podsOf(p[0], p[1]);
            assertThat(pods).as(d + " has its pods").hasSize(d.equals("shop/web") ? 2 : 1);
            for (ObjectNode pod : pods) {
                assertThat(pod.path("metadata").path("ownerReferences").path(0).path("kind").asText()).isEqualTo("ReplicaSet");
                peer.setPodCrashLooping(p[0], pod.path("metadata").path("name").asText());
            }
        }
        peer.clearRequests();
    }

    private Ao ao() {
        return project.ao().env("KUBECONFIG", project.home().resolve(".kube/config").toString());
    }

    /** ns/name -> how many PATCH requests the peer served for that deployment. */
    private Map<String, Integer> deploymentPatches() {
        Map<String, Integer> patches = new TreeMap<>();
        for (String req : peer.requests()) {
            if (!req.startsWith("PATCH ") || !req.contains("/deployments/")) continue;
            String path = req.split(" ")[1];
            String ns = path.split("/namespaces/")[1].split("/")[0];
            String name = path.split("/deployments/")[1].split("[/?]")[0];
            patches.merge(ns + "/" + name, 1, Integer::sum);
        }
        return patches;
    }

    private Set<String> restartedPerTemplate() {
        Set<String> out = new TreeSet<>();
        for (ObjectNode d : peer.list("deployments", null)) {
            if (!d.path("spec").path("template").path("metadata").path("annotations").path(RESTARTED_AT).asText("").isEmpty()) {
                out.add(d.path("metadata").path("namespace").asText() + "/" + d.path("metadata").path("name").asText());
            }
        }
        return out;
    }

    private Set<String> crashingNow() {
        Set<String> out = new TreeSet<>();
        for (String d : union(union(CRASHING, HEALTHY), Set.of(ELSEWHERE))) {
            String[] p = d.split("/");
            for (ObjectNode pod : peer.podsOf(p[0], p[1])) {
                for (JsonNode c : pod.path("status").path("containerStatuses")) {
                    if (c.path("state").path("waiting").path("reason").asText().equals("CrashLoopBackOff")) out.add(d);
                }
            }
        }
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private List<JsonNode> childrenOf(String workflowId) throws Exception {
        Ao.Result list = ao().run("runs", "list", "--all", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : JSON.readTree(list.stdout())) {
            if (workflowId.equals(r.path("parent").asText(null))) out.add(r);
        }
        return out;
    }

    /** The one run in the store that is a workflow (the rest are its children). */
    private JsonNode workflowRun() throws Exception {
        Ao.Result list = ao().run("runs", "list", "--all", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        List<JsonNode> workflows = new ArrayList<>();
        for (JsonNode r : JSON.readTree(list.stdout())) if ("workflow".equals(r.path("kind").asText())) workflows.add(r);
        assertThat(workflows).hasSize(1);
        return workflows.get(0);
    }

    private String events(String runId) throws Exception {
        return Files.readString(project.runDir(runId).resolve("events.jsonl"));
    }

    @Test
    void approvedRunRestartsEachCrashloopingDeploymentOnceInItsOwnChildRun() throws Exception {
        Ao.Result r = ao().run(300, "run", "k8s/heal-crashloops", "-p", "namespace=shop", "--approve", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();

        // what the cluster saw: one rollout-restart PATCH per crash-looping deployment, nothing else patched
        Map<String, Integer> expected = new TreeMap<>();
        CRASHING.forEach(d -> expected.put(d, 1));
        assertThat(deploymentPatches()).isEqualTo(expected);
        assertThat(restartedPerTemplate()).isEqualTo(new TreeSet<>(CRASHING));
        assertThat(crashingNow()).as("the restarts replaced the crashing pods; the other namespace was not healed")
                .containsExactly(ELSEWHERE);

        JsonNode run = JSON.readTree(r.stdout());
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("succeeded");
        assertThat(run.path("summary").asText())
                .startsWith("Restarted 3 of 3 crash-looping deployments: shop/api, shop/web, shop/worker.")
                .contains("Verify: 3 of 3 healthy.");
        assertThat(run.path("outputs").path("restarted").asText()).isEqualTo("3");

        // the tree of runs in the store: a child per job, and per deployment for the restart job
        List<JsonNode> children = childrenOf(id);
        Map<String, List<JsonNode>> byJob = new TreeMap<>();
        for (JsonNode c : children) byJob.computeIfAbsent(c.path("job").asText(), k -> new ArrayList<>()).add(c);
        assertThat(byJob.keySet()).containsExactly("find", "restart", "verify");
        assertThat(byJob.get("find")).hasSize(1);
        assertThat(byJob.get("verify")).hasSize(1);
        List<JsonNode> restarts = byJob.get("restart");
        assertThat(restarts).hasSize(3);
        Set<String> restartedByChildren = new TreeSet<>();
        Set<Integer> items = new TreeSet<>();
        for (JsonNode c : restarts) {
            assertThat(c.path("skill").asText()).isEqualTo("k8s/rollout-restart");
            assertThat(c.path("state").asText()).isEqualTo("succeeded");
            restartedByChildren.add(c.path("outputs").path("deployment").asText());
            items.add(c.path("item").asInt());
            JsonNode recorded = JSON.readTree(project.runDir(c.path("id").asText()).resolve("run.json").toFile());
            assertThat(recorded.path("parent").asText()).isEqualTo(id);
        }
        assertThat(restartedByChildren).isEqualTo(new TreeSet<>(CRASHING));
        assertThat(items).containsExactly(0, 1, 2);
        assertThat(events(id)).contains("\"decision\":\"approved\"");
    }

    @Test
    void dryRunRestartsNothingAndAsksForNoApproval() throws Exception {
        // no --approve, no terminal (CI=true): an approval gate would refuse, so passing proves none was reached
        Ao.Result r = ao().run(300, "run", "k8s/heal-crashloops", "-p", "namespace=shop", "-p", "dry_run=true", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();

        assertThat(deploymentPatches()).isEmpty();
        assertThat(restartedPerTemplate()).isEmpty();
        assertThat(crashingNow()).isEqualTo(union(CRASHING, Set.of(ELSEWHERE)));

        JsonNode run = JSON.readTree(r.stdout());
        String id = run.path("id").asText();
        assertThat(run.path("summary").asText())
                .isEqualTo("Dry run: would restart 3 crash-looping deployments: shop/api, shop/web, shop/worker. Nothing restarted.");
        Map<String, String> states = new TreeMap<>();
        for (JsonNode j : run.path("jobs")) states.put(j.path("id").asText(), j.path("state").asText());
        assertThat(states).containsEntry("find", "succeeded").containsEntry("restart", "skipped").containsEntry("verify", "skipped");
        assertThat(childrenOf(id)).extracting(c -> c.path("job").asText()).containsExactly("find");
        assertThat(events(id)).doesNotContain("waiting_approval");
    }

    @Test
    void withoutApproveAndNoTerminalTheRestartIsRefused() throws Exception {
        Ao.Result r = ao().run(300, "run", "k8s/heal-crashloops", "-p", "namespace=shop");
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.stderr()).contains("--approve");
        assertThat(r.stdout()).startsWith("Not approved: restarted none of 3 crash-looping deployments");

        assertThat(deploymentPatches()).isEmpty();
        assertThat(restartedPerTemplate()).isEmpty();
        assertThat(crashingNow()).isEqualTo(union(CRASHING, Set.of(ELSEWHERE)));

        JsonNode run = workflowRun();
        String id = run.path("id").asText();
        assertThat(run.path("state").asText()).isEqualTo("rejected");
        assertThat(childrenOf(id)).extracting(c -> c.path("job").asText()).containsExactly("find");
    }

    @Test
    void aRestartKubectlRefusesIsNamedInTheSummaryAndTheOthersStillRestart() throws Exception {
        // kubectl refuses to restart a paused deployment; its pods keep crash-looping
        peer.update("deployments", "shop", "api", d -> ((ObjectNode) d.path("spec")).put("paused", true));
        peer.clearRequests();
        Ao.Result r = ao().run(300, "run", "k8s/heal-crashloops", "-p", "namespace=shop", "-p", "wait=0", "--approve", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);

        assertThat(deploymentPatches()).isEqualTo(Map.of("shop/web", 1, "shop/worker", 1));
        assertThat(crashingNow()).containsExactlyInAnyOrder("shop/api", ELSEWHERE);

        JsonNode run = JSON.readTree(r.stdout());
        assertThat(run.path("summary").asText())
                .startsWith("Restarted 2 of 3 crash-looping deployments: shop/api, shop/web, shop/worker (restart failed); "
                        + "shop/api: deployments.apps \"api\" can't restart paused deployment")
                .contains("Verify: 2 of 3 healthy; shop/api: paused (kubectl rollout resume), 1 pod in CrashLoopBackOff.");
        assertThat(run.path("outputs").path("restarted").asText()).isEqualTo("2");
    }
}
