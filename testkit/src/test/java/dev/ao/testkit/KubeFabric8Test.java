package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fabric8 client (JDK http client), as ao's k8s runner uses it, against {@link KubePeer}. */
class KubeFabric8Test {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private KubePeer peer;
    private KubernetesClient client;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

    @BeforeEach
    void start() throws Exception {
        peer = new KubePeer().start();
        Path kubeconfig = peer.writeKubeconfig(home.resolve("config"));
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString())).build();
    }

    @AfterEach
    void stop() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            peer.close();
        }
    }

    private static Job job(String name, String script, int backoffLimit) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withBackoffLimit(backoffLimit)
                .withNewPodFailurePolicy().addNewRule().withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .endRule().endPodFailurePolicy()
                .withNewTemplate().withNewMetadata().addToLabels("run", name).endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("main").withImage("python:3.12").withCommand("sh", "-c", script)
                .addNewEnv().withName("PARAMS").withNewValueFrom().withNewSecretKeyRef("params", name + "-params", false)
                .endValueFrom().endEnv()
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    @Test
    void createsAJobWithOwnedSecretFollowsItsLogAndDeletesEverythingInTheForeground() throws Exception {
        Job created = client.batch().v1().jobs().inNamespace("default").resource(job("etl",
                "echo \"params=$PARAMS\"; for i in 1 2 3; do echo line $i; sleep 0.3; done; echo oops >&2", 0)).create();
        // The runner creates the job first, then the secret it owns; the kubelet retries until it exists.
        Secret secret = client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
                .withName("etl-params").withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1")
                        .withKind("Job").withName("etl").withUid(created.getMetadata().getUid()).build())
                .endMetadata().addToStringData("params", "a=1").build()).create();
        assertThat(secret.getData()).containsEntry("params", Base64.getEncoder().encodeToString("a=1".getBytes()));
        assertThat(secret.getStringData()).isNullOrEmpty();
        assertThat(created.getSpec().getPodFailurePolicy().getRules().get(0).getAction()).isEqualTo("Ignore");

        List<String> podEvents = new CopyOnWriteArrayList<>();
        Watch watch = client.pods().inNamespace("default").withLabel("job-name", "etl").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                podEvents.add(action + " " + pod.getStatus().getPhase());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        Pod pod = client.pods().inNamespace("default").withLabel("job-name", "etl").informOnCondition(
                pods -> !pods.isEmpty()).get(20, TimeUnit.SECONDS).get(0);
        String podName = pod.getMetadata().getName();
        client.pods().inNamespace("default").withName(podName).waitUntilCondition(
                p -> p.getStatus().getPhase().equals("Running") || p.getStatus().getPhase().equals("Succeeded"),
                20, TimeUnit.SECONDS);
        List<String> followed = new ArrayList<>();
        try (LogWatch log = client.pods().inNamespace("default").withName(podName).watchLog();
             BufferedReader reader = new BufferedReader(new InputStreamReader(log.getOutput(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                followed.add(line);
            }
        }
        assertThat(followed).containsExactly("params=a=1", "line 1", "line 2", "line 3", "oops");
        Job done = client.batch().v1().jobs().inNamespace("default").withName("etl").waitUntilCondition(
                j -> j.getStatus() != null && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() == 1
                        && j.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Complete")),
                20, TimeUnit.SECONDS);
        assertThat(done.getStatus().getCompletionTime()).isNotNull();
        assertThat(client.pods().inNamespace("default").withName(podName).getLog()).isEqualTo(
                "params=a=1\nline 1\nline 2\nline 3\noops\n");
        assertThat(client.pods().inNamespace("default").withName(podName).tailingLines(2).getLog())
                .isEqualTo("line 3\noops\n");
        Pod finished = client.pods().inNamespace("default").withName(podName).get();
        assertThat(finished.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason())
                .isEqualTo("Completed");
        assertThat(podEvents).contains("MODIFIED Running", "MODIFIED Succeeded");
        watch.close();

        client.batch().v1().jobs().inNamespace("default").withName("etl")
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.FOREGROUND).delete();
        assertThat(client.batch().v1().jobs().inNamespace("default").withName("etl").get()).isNull();
        assertThat(client.pods().inNamespace("default").withName(podName).get()).isNull();
        assertThat(client.secrets().inNamespace("default").withName("etl-params").get()).isNull();
        assertThat(peer.requests()).anyMatch(r -> r.contains("/pods?") && r.contains("watch=true"))
                .anyMatch(r -> r.contains("/pods/" + podName + "/log") && r.contains("follow=true"));
    }

    @Test
    void optimisticConcurrencyConflictsAndLeases() {
        ConfigMap cm = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("cfg").endMetadata().addToData("k", "v1").build()).create();
        ConfigMap fresh = client.configMaps().inNamespace("default").withName("cfg").edit(c -> {
            c.getData().put("k", "v2");
            return c;
        });
        assertThat(fresh.getMetadata().getResourceVersion()).isNotEqualTo(cm.getMetadata().getResourceVersion());
        cm.getData().put("k", "stale");
        assertThatThrownBy(() -> client.configMaps().inNamespace("default").resource(cm).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
                });
        assertThatThrownBy(() -> client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("cfg").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists");
                });

        Lease lease = client.leases().inNamespace("default").resource(new LeaseBuilder().withNewMetadata()
                .withName("ao-lock").endMetadata().withNewSpec().withHolderIdentity("runner-1")
                .withLeaseDurationSeconds(15).endSpec().build()).create();
        lease.getSpec().setHolderIdentity("runner-2");
        Lease taken = client.leases().inNamespace("default").resource(lease).update();
        assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("runner-2");
        lease.getSpec().setHolderIdentity("runner-3");
        assertThatThrownBy(() -> client.leases().inNamespace("default").resource(lease).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    }

    @Test
    void accessReviewsAllowUnlessDenied() throws Exception {
        assertThat(review("create", "jobs", "batch", "default").getStatus().getAllowed()).isTrue();
        post("/_peer/deny?verb=create&resource=jobs&namespace=prod");
        assertThat(review("create", "jobs", "batch", "default").getStatus().getAllowed()).isTrue();
        SelfSubjectAccessReview denied = review("create", "jobs", "batch", "prod");
        assertThat(denied.getStatus().getAllowed()).isFalse();
        assertThat(denied.getStatus().getReason()).contains("/_peer/deny");
        assertThatThrownBy(() -> client.batch().v1().jobs().inNamespace("prod").resource(job("x", "true", 0)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        post("/_peer/reset");
        assertThat(review("create", "jobs", "batch", "prod").getStatus().getAllowed()).isTrue();
    }

    private SelfSubjectAccessReview review(String verb, String resource, String group, String ns) {
        return client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes().withVerb(verb).withResource(resource).withGroup(group)
                .withNamespace(ns).endResourceAttributes().endSpec().build());
    }

    @Test
    void ttlAfterFinishedDeletesTheJobItsPodsAndOwnedConfigMaps() throws Exception {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("batch").endMetadata().build()).create();
        client.secrets().inNamespace("batch").resource(new SecretBuilder().withNewMetadata().withName("quick-params")
                .endMetadata().addToStringData("params", "x").build()).create();
        Job job = job("quick", "echo done", 0);
        job.getSpec().setTtlSecondsAfterFinished(1);
        Job created = client.batch().v1().jobs().inNamespace("batch").resource(job).create();
        client.configMaps().inNamespace("batch").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("quick-script").withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1")
                        .withKind("Job").withName("quick").withUid(created.getMetadata().getUid()).build())
                .endMetadata().addToData("run.sh", "echo done").build()).create();
        client.batch().v1().jobs().inNamespace("batch").withName("quick").waitUntilCondition(
                j -> j == null || j.getStatus() != null && j.getStatus().getCompletionTime() != null, 20, TimeUnit.SECONDS);
        client.batch().v1().jobs().inNamespace("batch").withName("quick").waitUntilCondition(
                j -> j == null, 20, TimeUnit.SECONDS);
        assertThat(client.pods().inNamespace("batch").list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace("batch").withName("quick-script").get()).isNull();
        assertThat(client.secrets().inNamespace("batch").withName("quick-params").get()).isNotNull();
    }

    @Test
    void logParametersAndCutStreams(@TempDir Path marks) throws Exception {
        Path go = marks.resolve("go");
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("talk-params")
                .endMetadata().addToStringData("params", "p").build()).create();
        client.batch().v1().jobs().inNamespace("default").resource(job("talk",
                "echo first; echo second; while [ ! -e " + go + " ]; do sleep 0.1; done; echo third; sleep 1; echo fourth",
                0)).create();
        Pod pod = client.pods().inNamespace("default").withLabel("job-name", "talk").informOnCondition(
                pods -> !pods.isEmpty() && "Running".equals(pods.get(0).getStatus().getPhase()))
                .get(20, TimeUnit.SECONDS).get(0);
        String base = "/api/v1/namespaces/default/pods/" + pod.getMetadata().getName() + "/log";

        HttpResponse<java.io.InputStream> follow = http.send(HttpRequest.newBuilder(URI.create(peer.url() + base
                + "?follow=true")).build(), HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(follow.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).isEqualTo("first");
        assertThat(reader.readLine()).isEqualTo("second");
        post("/_peer/cut-log-streams");
        // The connection drops mid-body: the reader fails or ends early, never seeing the rest.
        List<String> after = new ArrayList<>();
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                after.add(line);
            }
        } catch (java.io.IOException expected) {
            after.add("(connection dropped)");
        }
        assertThat(after).doesNotContain("third");
        Files.writeString(go, "");

        KubeJobsTest.waitFor(() -> getText(base).contains("fourth"));
        String stamped = getText(base + "?timestamps=true");
        List<String> lines = stamped.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d*[1-9])?Z first");
        Instant third = Instant.parse(lines.get(2).substring(0, lines.get(2).indexOf(' ')));
        assertThat(getText(base + "?sinceTime=" + third.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .plusSeconds(1))).isEqualTo("fourth\n");
        assertThat(getText(base + "?tailLines=1")).isEqualTo("fourth\n");
        assertThat(getText(base + "?limitBytes=8")).isEqualTo("first\nse");
        HttpResponse<String> previous = http.send(HttpRequest.newBuilder(URI.create(peer.url() + base + "?previous=true"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(previous.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(previous.body()).path("message").asText()).contains("previous terminated container");
        HttpResponse<String> followDone = http.send(HttpRequest.newBuilder(URI.create(peer.url() + base
                + "?follow=true&tailLines=2")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(followDone.body()).isEqualTo("third\nfourth\n");
    }

    @Test
    void podHistoryAndMaxRunning(@TempDir Path marks) throws Exception {
        Path go = marks.resolve("go");
        for (String name : List.of("a", "b", "c")) {
            client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
                    .withName(name + "-params").endMetadata().addToStringData("params", name).build()).create();
            Job j = job(name, "while [ ! -e " + go + " ]; do sleep 0.1; done", 0);
            j.getSpec().getTemplate().getMetadata().getLabels().put("batch", "abc");
            client.batch().v1().jobs().inNamespace("default").resource(j).create();
        }
        // Three pods running at once, held there until the test lets them finish.
        client.pods().inNamespace("default").withLabel("batch", "abc").informOnCondition(pods -> pods.size() == 3
                && pods.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase()))).get(20, TimeUnit.SECONDS);
        Files.writeString(go, "");
        for (String name : List.of("a", "b", "c")) {
            client.batch().v1().jobs().inNamespace("default").withName(name).waitUntilCondition(
                    j -> j.getStatus() != null && j.getStatus().getCompletionTime() != null, 20, TimeUnit.SECONDS);
        }
        JsonNode max = JSON.readTree(getText("/_peer/max-running?selector=batch%3Dabc"));
        assertThat(max.path("maxRunning").asInt()).isEqualTo(3);
        assertThat(JSON.readTree(getText("/_peer/max-running?selector=run%3Da")).path("maxRunning").asInt()).isEqualTo(1);
        JsonNode history = JSON.readTree(getText("/_peer/pod-history"));
        List<String> phases = new ArrayList<>();
        for (JsonNode h : history) {
            if (h.path("labels").path("run").asText().equals("a")) {
                phases.add(h.path("phase").asText());
            }
        }
        assertThat(phases).containsSubsequence("Pending", "Running", "Succeeded");
        assertThat(history.get(0).path("time").asText()).isNotEmpty();
    }

    private String getText(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(peer.url() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void post(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(peer.url() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
