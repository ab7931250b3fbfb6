package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeSelectorsTest {

    private static boolean matches(String selector, Map<String, String> labels) {
        return KubeSelectors.parseLabels(selector).matches(labels);
    }

    @Test
    void labelSelectorOperators() {
        Map<String, String> web = Map.of("app", "web", "env", "prod");
        assertThat(matches("", web)).isTrue();
        assertThat(matches("app=web", web)).isTrue();
        assertThat(matches("app==web,env=prod", web)).isTrue();
        assertThat(matches("app=web,env=dev", web)).isFalse();
        assertThat(matches("app!=api", web)).isTrue();
        assertThat(matches("tier!=db", web)).as("!= matches a missing label").isTrue();
        assertThat(matches("env in (prod, staging)", web)).isTrue();
        assertThat(matches("env notin (prod)", web)).isFalse();
        assertThat(matches("tier notin (db)", web)).isTrue();
        assertThat(matches("app", web)).isTrue();
        assertThat(matches("!app", web)).isFalse();
        assertThat(matches("!tier,app in (web),env", web)).isTrue();
        assertThat(matches("example.com/team=a", Map.of("example.com/team", "a"))).isTrue();
    }

    @Test
    void badSelectorsAreBadRequests() {
        assertThatThrownBy(() -> KubeSelectors.parseLabels("app in (web"))
                .isInstanceOfSatisfying(KubeError.class, e -> assertThat(e.code).isEqualTo(400));
        assertThatThrownBy(() -> KubeSelectors.parseLabels("app=we b")).isInstanceOf(KubeError.class);
        assertThatThrownBy(() -> KubeSelectors.parseFields("spec.colour=blue", KubeResource.PODS))
                .hasMessage("field label not supported: spec.colour");
    }

    @Test
    void fieldSelectors() throws Exception {
        var pod = new ObjectMapper().readTree(
                "{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"status\":{\"phase\":\"Failed\"}}");
        assertThat(KubeSelectors.parseFields("status.phase=Failed", KubeResource.PODS).matches(pod)).isTrue();
        assertThat(KubeSelectors.parseFields("status.phase!=Failed", KubeResource.PODS).matches(pod)).isFalse();
        assertThat(KubeSelectors.parseFields("metadata.name==p,metadata.namespace=ns", KubeResource.PODS)
                .matches(pod)).isTrue();
        assertThat(KubeSelectors.parseFields("spec.nodeName=", KubeResource.PODS).matches(pod)).isTrue();
    }

    @Test
    void selectorObjectsAndText() throws Exception {
        var selector = new ObjectMapper().readTree("""
                {"matchLabels": {"app": "web"},
                 "matchExpressions": [{"key": "env", "operator": "In", "values": ["a", "b"]},
                                      {"key": "legacy", "operator": "DoesNotExist"}]}""");
        assertThat(KubeSelectors.fromObject(selector).matches(Map.of("app", "web", "env", "a"))).isTrue();
        assertThat(KubeSelectors.fromObject(selector).matches(Map.of("app", "web", "env", "c"))).isFalse();
        assertThat(KubeSelectors.toText(selector)).isEqualTo("app=web,env in (a,b),!legacy");
        assertThat(KubeSelectors.fromObject(null).matches(Map.of())).isFalse();
    }

    @Test
    void humanDurationsLikeTheApiServer() {
        assertThat(KubeTables.human(java.time.Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(KubeTables.human(java.time.Duration.ofSeconds(312))).isEqualTo("5m12s");
        assertThat(KubeTables.human(java.time.Duration.ofMinutes(200))).isEqualTo("3h20m");
        assertThat(KubeTables.human(java.time.Duration.ofHours(26))).isEqualTo("26h");
        assertThat(KubeTables.human(java.time.Duration.ofHours(98))).isEqualTo("4d2h");
        assertThat(KubeTables.human(java.time.Duration.ofDays(400))).isEqualTo("400d");
        assertThat(KubeTables.human(java.time.Duration.ofDays(800))).isEqualTo("2y70d");
    }
}
