package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class KubePatchesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static final String DEPLOYMENT = """
            {'metadata': {'name': 'web', 'labels': {'app': 'web', 'tier': 'fe'}, 'finalizers': ['a']},
             'spec': {'replicas': 2,
                      'strategy': {'type': 'RollingUpdate', 'rollingUpdate': {'maxSurge': 1}},
                      'template': {'spec': {'containers': [
                          {'name': 'web', 'image': 'nginx:1', 'env': [{'name': 'A', 'value': '1'}]},
                          {'name': 'sidecar', 'image': 'envoy:1'}]}}}}""";

    @Test
    void strategicMergeMergesListsByKey() throws Exception {
        JsonNode patched = KubePatches.strategicMerge(json(DEPLOYMENT), json("""
                {'spec': {'template': {'spec': {
                   '$setElementOrder/containers': [{'name': 'sidecar'}, {'name': 'web'}],
                   'containers': [{'name': 'web', 'image': 'nginx:2', 'env': [{'name': 'B', 'value': '2'}]}]}}}}"""));
        JsonNode containers = patched.path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(2);
        assertThat(containers.path(0).path("name").asText()).isEqualTo("sidecar");
        assertThat(containers.path(1).path("image").asText()).isEqualTo("nginx:2");
        assertThat(containers.path(1).path("env")).hasSize(2);
        assertThat(patched.toString()).doesNotContain("$setElementOrder");
    }

    @Test
    void strategicMergeDirectives() throws Exception {
        JsonNode patched = KubePatches.strategicMerge(json(DEPLOYMENT), json("""
                {'metadata': {'labels': {'tier': null}, 'finalizers': ['b']},
                 'spec': {'strategy': {'$retainKeys': ['type'], 'type': 'Recreate'},
                          'template': {'spec': {'containers': [{'name': 'sidecar', '$patch': 'delete'}]}}}}"""));
        assertThat(patched.path("metadata").path("labels").has("tier")).isFalse();
        assertThat(patched.path("metadata").path("finalizers").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(patched.path("spec").path("strategy").toString()).isEqualTo("{\"type\":\"Recreate\"}");
        assertThat(patched.path("spec").path("template").path("spec").path("containers")).hasSize(1);

        JsonNode replaced = KubePatches.strategicMerge(json(DEPLOYMENT), json("""
                {'spec': {'template': {'spec': {'containers': [{'$patch': 'replace'}, {'name': 'only', 'image': 'x'}]}}}}"""));
        assertThat(replaced.path("spec").path("template").path("spec").path("containers").toString())
                .isEqualTo("[{\"name\":\"only\",\"image\":\"x\"}]");
    }

    @Test
    void mergePatchReplacesListsAndDeletesNulls() throws Exception {
        JsonNode patched = KubePatches.mergePatch(json(DEPLOYMENT), json(
                "{'metadata': {'labels': {'app': null, 'new': 'x'}}, 'spec': {'template': {'spec': {'containers': []}}}}"));
        assertThat(patched.path("metadata").path("labels").toString()).isEqualTo("{\"tier\":\"fe\",\"new\":\"x\"}");
        assertThat(patched.path("spec").path("template").path("spec").path("containers")).isEmpty();
    }

    @Test
    void jsonPatchOperations() throws Exception {
        JsonNode patched = KubePatches.jsonPatch(json(DEPLOYMENT), json("""
                [{'op': 'replace', 'path': '/spec/replicas', 'value': 5},
                 {'op': 'add', 'path': '/metadata/labels/a~1b', 'value': 'slash'},
                 {'op': 'remove', 'path': '/spec/template/spec/containers/1'},
                 {'op': 'add', 'path': '/metadata/finalizers/-', 'value': 'z'},
                 {'op': 'copy', 'from': '/metadata/name', 'path': '/metadata/labels/copied'},
                 {'op': 'move', 'from': '/metadata/labels/tier', 'path': '/metadata/labels/layer'},
                 {'op': 'test', 'path': '/spec/replicas', 'value': 5}]"""));
        assertThat(patched.path("spec").path("replicas").asInt()).isEqualTo(5);
        assertThat(patched.path("metadata").path("labels").path("a/b").asText()).isEqualTo("slash");
        assertThat(patched.path("metadata").path("labels").path("copied").asText()).isEqualTo("web");
        assertThat(patched.path("metadata").path("labels").path("layer").asText()).isEqualTo("fe");
        assertThat(patched.path("metadata").path("finalizers").toString()).isEqualTo("[\"a\",\"z\"]");
        assertThat(patched.path("spec").path("template").path("spec").path("containers")).hasSize(1);

        assertThatThrownBy(() -> KubePatches.jsonPatch(json(DEPLOYMENT),
                json("[{'op': 'test', 'path': '/spec/replicas', 'value': 9}]")))
                .isInstanceOf(KubeError.class).hasMessageContaining("testing value /spec/replicas failed");
        assertThatThrownBy(() -> KubePatches.jsonPatch(json(DEPLOYMENT),
                json("[{'op': 'remove', 'path': '/spec/nothing'}]")))
                .isInstanceOf(KubeError.class).hasMessageContaining("missing path");
    }
}
