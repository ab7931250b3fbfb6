package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.KubePeer;
import dev.ao.testkit.MotoServer;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundled skills, run by name through the real jar, against the real kubectl (local Kubernetes API peer)
 * and the real aws CLI (moto). ao's stdout must be the summary only.
 */
class BundledSkillsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("skills");
        Path repo = Ao.repo();
        project.config("[skills]\npaths = [\"" + repo.resolve("skills") + "\", \"" + repo.resolve("dotcodex/skills") + "\"]\n");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private Ao kubeAo(KubePeer peer) {
        Ao ao = project.ao();
        ao.env("KUBECONFIG", peer.writeKubeconfig(project.home().resolve(".kube/config")).toString());
        return ao;
    }

    private static String annotation(ObjectNode deployment) {
        return deployment.path("spec").path("template").path("metadata").path("annotations").path(RESTARTED_AT).asText("");
    }

    private JsonNode lastRun() throws Exception {
        List<String> ids = project.runIds();
        return JSON.readTree(project.runDir(ids.get(ids.size() - 1)).resolve("run.json").toFile());
    }

    private void assertStdoutIsTheSummaryOnly(Ao.Result r) throws Exception {
        JsonNode run = lastRun();
        assertThat(r.stdout().strip()).isEqualTo(run.path("summary").asText().strip());
        assertThat(r.stdout()).doesNotContain("deployment.apps/").doesNotContain("\"apiVersion\"");
    }

    @Test
    void bulkRestartRestartsExactlyTheMatchingDeploymentsOfFifty() throws Exception {
        try (KubePeer peer = new KubePeer().start()) {
            List<String> namespaces = List.of("prod", "staging", "dev");
            int n = 0;
            for (String ns : namespaces) peer.seedNamespace(ns);
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 50; i++) {
                String ns = namespaces.get(i % 3);
                String tier = i % 2 == 0 ? "web" : "worker";
                String name = "svc-" + i;
                peer.seedDeployment(ns, name, Map.of("app", name, "tier", tier), 1);
                if (ns.equals("prod") && tier.equals("web")) expected.add(name);
                n++;
            }
            assertThat(n).isEqualTo(50);
            Ao.Result r = kubeAo(peer).run(300, "run", "k8s/bulk-restart", "-p", "namespace=prod", "-p", "selector=tier=web");
            assertThat(r.exit()).as(r.toString()).isZero();
            Set<String> restarted = new TreeSet<>();
            for (ObjectNode d : peer.list("deployments", null)) {
                if (!annotation(d).isEmpty()) restarted.add(d.path("metadata").path("name").asText());
            }
            assertThat(restarted).isEqualTo(expected);
            assertThat(r.stdout()).contains(Integer.toString(expected.size()));
            assertStdoutIsTheSummaryOnly(r);

            Ao.Result dry = kubeAo(peer).run(300, "run", "k8s/bulk-restart", "-p", "namespace=staging", "-p", "dry_run=true");
            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(peer.list("deployments", "staging")).allSatisfy(d -> assertThat(annotation(d)).isEmpty());
        }
    }

    @Test
    void crashloopRestartRestartsEachOwningDeploymentOnce() throws Exception {
        try (KubePeer peer = new KubePeer().start()) {
            peer.seedNamespace("shop");
            peer.seedNamespace("pay");
            Set<String> crashing = Set.of("shop/web", "shop/api", "pay/ledger", "pay/gateway");
            for (String d : List.of("shop/web", "shop/api", "shop/cart", "pay/ledger", "pay/gateway", "pay/fraud")) {
                String[] p = d.split("/");
                peer.seedDeployment(p[0], p[1], Map.of("app", p[1]), 2);
            }
            for (String d : crashing) {
                String[] p = d.split("/");
                // every pod of a crashing deployment loops: two pods, still one restart
                for (ObjectNode pod : peer.podsOf(p[0], p[1])) {
                    peer.setPodCrashLooping(p[0], pod.path("metadata").path("name").asText());
                }
            }
            peer.clearRequests();
            Ao.Result r = kubeAo(peer).run(300, "run", "k8s/crashloop-restart");
            assertThat(r.exit()).as(r.toString()).isZero();
            Map<String, Integer> patches = new HashMap<>();
            for (String req : peer.requests()) {
                if (req.startsWith("PATCH") && req.contains("/deployments/")) {
                    String path = req.split(" ")[1];
                    String ns = path.split("/namespaces/")[1].split("/")[0];
                    String name = path.split("/deployments/")[1].split("[/?]")[0];
                    patches.merge(ns + "/" + name, 1, Integer::sum);
                }
            }
            assertThat(patches.keySet()).isEqualTo(crashing);
            assertThat(patches.values()).allMatch(c -> c == 1);
            for (String d : List.of("shop/cart", "pay/fraud")) {
                String[] p = d.split("/");
                assertThat(annotation(peer.get("deployments", p[0], p[1]).orElseThrow())).isEmpty();
            }
            assertStdoutIsTheSummaryOnly(r);
        }
    }

    @Test
    void compositionExampleRestartsOnlyTheUnhealthyServices() throws Exception {
        try (KubePeer peer = new KubePeer().start()) {
            peer.seedNamespace("apps");
            for (String s : List.of("checkout", "inventory", "search", "profile")) peer.seedDeployment("apps", s, Map.of("app", s), 2);
            peer.setPodCrashLooping("apps", peer.podsOf("apps", "checkout").get(0).path("metadata").path("name").asText());
            peer.setPodReady("apps", peer.podsOf("apps", "inventory").get(1).path("metadata").path("name").asText(), false);
            Ao.Result r = kubeAo(peer).run(300, "run", "core/orchestrator", "-p", "namespace=apps");
            assertThat(r.exit()).as(r.toString()).isZero();
            Set<String> restarted = new TreeSet<>();
            for (ObjectNode d : peer.list("deployments", "apps")) {
                if (!annotation(d).isEmpty()) restarted.add(d.path("metadata").path("name").asText());
            }
            assertThat(restarted).containsExactly("checkout", "inventory");
            assertStdoutIsTheSummaryOnly(r);
        }
    }

    @Test
    void ec2InventoryCountsFiftyInstancesByStateAndType() throws Exception {
        try (MotoServer moto = MotoServer.start()) {
            Map<String, String> env = new HashMap<>(Processes.baseEnv());
            env.putAll(moto.env());
            env.put("HOME", project.home().toString());
            String ami = "ami-12c6146b";
            Map<String, Integer> types = Map.of("t3.micro", 20, "m5.large", 18, "c5.xlarge", 12);
            List<String> ids = new ArrayList<>();
            for (Map.Entry<String, Integer> t : types.entrySet()) {
                Processes.Result run = Processes.run(List.of("aws", "ec2", "run-instances", "--image-id", ami, "--count",
                        t.getValue().toString(), "--instance-type", t.getKey(), "--query", "Instances[].InstanceId", "--output", "text",
                        "--tag-specifications", "ResourceType=instance,Tags=[{Key=team,Value=" + (t.getKey().startsWith("t3") ? "web" : "data") + "}]"),
                        env, project.root(), Duration.ofSeconds(60)).orThrow();
                ids.addAll(List.of(run.stdout().trim().split("\\s+")));
            }
            assertThat(ids).hasSize(50);
            List<String> stop = new ArrayList<>(List.of("aws", "ec2", "stop-instances", "--instance-ids"));
            stop.addAll(ids.subList(0, 9));
            Processes.run(stop, env, project.root(), Duration.ofSeconds(60)).orThrow();
            List<String> term = new ArrayList<>(List.of("aws", "ec2", "terminate-instances", "--instance-ids"));
            term.addAll(ids.subList(9, 15));
            Processes.run(term, env, project.root(), Duration.ofSeconds(60)).orThrow();

            Ao ao = project.ao();
            moto.env().forEach(ao::env);
            Ao.Result r = ao.run(300, "run", "aws/ec2-inventory", "-p", "tag=team", "-o", "json");
            assertThat(r.exit()).as(r.toString()).isZero();
            JsonNode j = JSON.readTree(r.stdout());
            String summary = j.path("summary").asText();
            assertThat(j.path("outputs").path("total").asText()).isEqualTo("50");
            assertThat(summary).contains("50 instances: 35 running, 9 stopped, 6 terminated");
            assertThat(summary).containsPattern("t3\\.micro\\D+20").containsPattern("m5\\.large\\D+18").containsPattern("c5\\.xlarge\\D+12");
            assertThat(summary).containsPattern("web\\D+20").containsPattern("data\\D+30");
        }
    }

    @Test
    void errorSummaryOnTheBundledSampleMatchesAGrepCount() throws Exception {
        Path sample = Ao.repo().resolve("skills/logs/error-summary/sample/app.log");
        long errors;
        try (var lines = java.nio.file.Files.lines(sample)) {
            errors = lines.filter(l -> l.matches(".*\\bERROR\\b.*")).count();
        }
        Ao.Result r = project.ao().run("run", "logs/error-summary", "-p", "path=" + sample, "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode j = JSON.readTree(r.stdout());
        assertThat(j.path("summary").asText()).contains(errors + " matching").contains("java.net.SocketTimeoutException");
        assertThat(r.stderr()).isEmpty();
        // the summary names a file that still exists after the workspace is gone: the table is an artifact
        assertThat(j.path("summary").asText()).contains("All types: `error-types.tsv` in the run's artifacts");
        assertThat(j.path("artifacts").get(0).path("path").asText()).isEqualTo("error-types.tsv");
        assertThat(java.nio.file.Files.readString(Path.of(j.path("artifacts").get(0).path("file").asText()))).startsWith("count\ttype");
        assertThat(j.path("outputs").path("types_file").asText()).isEqualTo("error-types.tsv");
    }
}
