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

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundled workflows as a person finds them: every one validates, the skill library lints clean, and the
 * composition example's workflow form (core/orchestrator-workflow) restarts what its script would, against the real
 * kubectl and the local Kubernetes API peer. k8s/heal-crashloops has its own suite, {@link HealCrashloopsIT}.
 */
class BundledWorkflowsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("workflows");
        Path repo = Ao.repo();
        project.config("[skills]\npaths = [\"" + repo.resolve("skills") + "\", \"" + repo.resolve("dotcodex/skills") + "\"]\n");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    @Test
    void everyBundledWorkflowValidatesAndTheLibraryLintsClean() {
        Ao.Result v = project.ao().run("workflow", "validate");
        assertThat(v.exit()).as(v.toString()).isZero();
        assertThat(v.stdout() + v.stderr()).contains("ok  k8s/heal-crashloops (3 jobs)").contains("ok  core/orchestrator-workflow (3 jobs)");

        Ao.Result lint = project.ao().run("skill", "lint");
        assertThat(lint.exit()).as(lint.toString()).isZero();
        assertThat(lint.stderr()).contains(": 0 errors, 0 warnings");
    }

    @Test
    void theCompositionExampleAsAWorkflowRestartsOnlyTheUnhealthyServicesEachInItsOwnRun() throws Exception {
        try (KubePeer peer = new KubePeer().start()) {
            peer.writeKubeconfig(project.home().resolve(".kube/config"));
            project.giveToItUser();
            peer.seedNamespace("store");
            for (String s : List.of("checkout", "inventory", "search", "profile")) peer.seedDeployment("store", s, Map.of("app", s), 2);
            peer.setPodCrashLooping("store", peer.podsOf("store", "checkout").get(0).path("metadata").path("name").asText());
            peer.setPodReady("store", peer.podsOf("store", "inventory").get(1).path("metadata").path("name").asText(), false);
            peer.clearRequests();
            Ao ao = project.ao().env("KUBECONFIG", project.home().resolve(".kube/config").toString());

            Ao.Result dry = ao.run(300, "run", "core/orchestrator-workflow", "-p", "namespace=store", "-p", "dry_run=true");
            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(dry.stdout()).contains("2 healthy, 2 unhealthy").contains("dry run, nothing restarted");
            assertThat(peer.requests()).noneMatch(req -> req.startsWith("PATCH "));

            Ao.Result r = ao.run(300, "run", "core/orchestrator-workflow", "-p", "namespace=store", "--approve", "-o", "json");
            assertThat(r.exit()).as(r.toString()).isZero();
            Map<String, Integer> patches = new TreeMap<>();
            for (String req : peer.requests()) {
                if (req.startsWith("PATCH ") && req.contains("/deployments/")) {
                    patches.merge(req.split(" ")[1].split("/deployments/")[1].split("[/?]")[0], 1, Integer::sum);
                }
            }
            assertThat(patches).isEqualTo(Map.of("checkout", 1, "inventory", 1));
            for (ObjectNode d : peer.list("deployments", "store")) {
                String name = d.path("metadata").path("name").asText();
                boolean restarted = d.path("spec").path("template").path("metadata").path("annotations").has("kubectl.kubernetes.io/restartedAt");
                assertThat(restarted).as(name).isEqualTo(name.equals("checkout") || name.equals("inventory"));
            }

            JsonNode run = JSON.readTree(r.stdout());
            assertThat(run.path("summary").asText()).contains("restarted 2.").contains("Verify: 2 of 2 healthy.");
            Map<String, Integer> runsPerJob = new TreeMap<>();
            for (JsonNode j : run.path("jobs")) runsPerJob.put(j.path("id").asText(), j.path("runs").size());
            assertThat(runsPerJob).isEqualTo(Map.of("decide", 1, "restart", 2, "verify", 1));
        }
    }
}
