package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.config.ConfigValue;
import dev.ao.engine.run.RunStore;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class K8sManifestsTest {
    static final String SECRET = "s3cr3t-canary-value";

    private static K8sSettings settings() throws Exception {
        JsonNode gpu = RunStore.JSON.readTree("{\"node_selector\": {\"accelerator\": \"nvidia\"}, \"tolerations\": "
                + "[{\"key\": \"gpu\", \"operator\": \"Exists\", \"effect\": \"NoSchedule\"}], \"resources\": {\"limits\": {\"nvidia.com/gpu\": \"1\"}}}");
        JsonNode fast = RunStore.JSON.readTree("{\"node_selector\": {\"disk\": \"ssd\"}}");
        JsonNode other = RunStore.JSON.readTree("{\"node_selector\": {\"accelerator\": \"amd\"}}");
        return new K8sSettings(null, "jobs", "python:3.12-slim", null, 300, 1L << 30, 60,
                Map.of("gpu", new ConfigValue(gpu, "config.toml:3"), "fast", new ConfigValue(fast, "config.toml:9"),
                        "amd", new ConfigValue(other, "config.toml:12")));
    }

    private static K8sManifests.Input input(List<String> tags, byte[] script) {
        ObjectNode full = JsonNodeFactory.instance.objectNode().put("namespace", "shop").put("token", SECRET);
        ObjectNode shown = full.deepCopy().put("token", "***");
        return new K8sManifests.Input("20261129-120000-000-ab12", "k8s/restart", "k8s/restart", "main.py", script,
                List.of("python3", "/ao/main.py", "--namespace", "shop"), full, shown, Map.of("AO_PARAM_NAMESPACE", "shop"),
                Map.of("AO_PARAM_TOKEN", SECRET), "# lib".getBytes(StandardCharsets.UTF_8), 120, "python:3.12-slim",
                "AO-0011223344556677", tags, List.of());
    }

    @Test
    void secretValuesGoOnlyIntoTheSecretNeverTheConfigMapPodSpecOrAnnotations() throws Exception {
        K8sManifests.Objects o = K8sManifests.build(input(List.of(), "print(1)\n".getBytes(StandardCharsets.UTF_8)), settings(), "jobs");
        assertThat(Serialization.asJson(o.configMap())).doesNotContain(SECRET);
        assertThat(Serialization.asJson(o.job())).doesNotContain(SECRET);
        assertThat(o.yaml()).doesNotContain(SECRET);
        String secretData = String.join("", o.secret().getData().values());
        assertThat(new String(java.util.Base64.getDecoder().decode(o.secret().getData().get("env-0")), StandardCharsets.UTF_8)).isEqualTo(SECRET);
        assertThat(secretData).isNotEmpty();
        Container c = o.job().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("AO_PARAM_TOKEN");
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(o.secret().getMetadata().getName());
        });
    }

    @Test
    void theJobIsOneHardenedAttemptBoundedByTheTimeout() throws Exception {
        K8sManifests.Objects o = K8sManifests.build(input(List.of(), "print(1)\n".getBytes(StandardCharsets.UTF_8)), settings(), "jobs");
        assertThat(o.job().getSpec().getBackoffLimit()).isZero();
        assertThat(o.job().getSpec().getActiveDeadlineSeconds()).isEqualTo(120L);
        assertThat(o.job().getSpec().getTtlSecondsAfterFinished()).isEqualTo(300);
        assertThat(o.job().getSpec().getPodFailurePolicy().getRules().get(0).getAction()).isEqualTo("Ignore");
        PodSpec pod = o.job().getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        Container c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("workspace");
            assertThat(v.getEmptyDir().getSizeLimit().toString()).isEqualTo(String.valueOf(1L << 30));
        });
        assertThat(o.job().getMetadata().getLabels()).containsEntry("ao.dev/run-id", "20261129-120000-000-ab12")
                .containsEntry("ao.dev/skill", "k8s.restart");
    }

    @Test
    void tagsMergeIntoThePodAndConflictingOrUnknownTagsAreOneLine() throws Exception {
        K8sManifests.Objects o = K8sManifests.build(input(List.of("gpu", "fast"), "x".getBytes(StandardCharsets.UTF_8)), settings(), "jobs");
        PodSpec pod = o.job().getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector()).containsEntry("accelerator", "nvidia").containsEntry("disk", "ssd");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("gpu"));
        assertThat(pod.getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu").toString()).isEqualTo("1");
        assertThatThrownBy(() -> settings().placement(List.of("gpu", "amd"))).isInstanceOf(AoException.class)
                .hasMessageContaining("config.toml:12").hasMessageContaining("accelerator").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> settings().placement(List.of("tpu"))).isInstanceOf(AoException.class)
                .hasMessageContaining("--tag tpu").hasMessageContaining("known: ");
    }

    @Test
    void aScriptTooLargeForAConfigMapIsRefusedBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> K8sManifests.build(input(List.of(), new byte[1024 * 1024]), settings(), "jobs"))
                .isInstanceOf(AoException.class).hasMessageContaining("main.py").hasMessageContaining("ConfigMap");
    }
}
