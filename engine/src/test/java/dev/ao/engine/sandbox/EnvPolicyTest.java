package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EnvPolicyTest {
    private static final Map<String, String> HOST = Map.of("PATH", "/usr/bin", "HOME", "/root", "GITHUB_TOKEN", "ghp_x1234",
            "AWS_SECRET_ACCESS_KEY", "aws-secret-1", "AWS_REGION", "eu-west-1", "KUBECONFIG", "/k", "RANDOM_VAR", "r",
            "DB_PASSWORD", "pw-1234", "MY_FLAG", "1");

    @Test
    void coreOnlyByDefaultAndSecretsDropped() {
        EnvPolicy.Result r = EnvPolicy.apply(HOST, Demands.NONE, List.of());
        assertThat(r.env()).containsOnlyKeys("PATH", "HOME");
        assertThat(r.dropped()).contains("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD");
    }

    @Test
    void demandedBinariesBringTheirVariablesAndSecretsAreMasked() {
        EnvPolicy.Result r = EnvPolicy.apply(HOST, new Demands(List.of("aws", "kubectl"), List.of(), null), List.of());
        assertThat(r.env()).containsKeys("AWS_SECRET_ACCESS_KEY", "AWS_REGION", "KUBECONFIG").doesNotContainKey("GITHUB_TOKEN");
        assertThat(r.secretValues()).containsExactly("aws-secret-1");
    }

    @Test
    void namedByDemandOrIncludePasses() {
        EnvPolicy.Result r = EnvPolicy.apply(HOST, new Demands(List.of(), List.of("DB_PASSWORD"), null), List.of("MY_*"));
        assertThat(r.env()).containsKeys("DB_PASSWORD", "MY_FLAG").doesNotContainKey("RANDOM_VAR");
        assertThat(r.secretValues()).contains("pw-1234");
        assertThat(EnvPolicy.missing(HOST, new Demands(List.of(), List.of("NOPE", "PATH"), null))).containsExactly("NOPE");
    }

    private static String why(String... env) {
        return EnvPolicy.approvalReason(HOST, new Demands(List.of(), List.of(env), null));
    }

    @Test
    void wildcardsAndSecretLookingDemandsNeedApprovalNamingEveryVariable() {
        assertThat(why("*")).isEqualTo("demands.env passes secret-looking variables: AWS_SECRET_ACCESS_KEY, DB_PASSWORD, GITHUB_TOKEN (from \"*\")");
        assertThat(why("GITHUB_TOKEN", "AWS_*")).isEqualTo("demands.env passes secret-looking variables: GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY (from \"AWS_*\")");
        assertThat(why("MY_*")).isEqualTo("demands.env passes variables by wildcard \"MY_*\" (1 set now: MY_FLAG)");
        assertThat(why("NOPE_*")).isEqualTo("demands.env passes variables by wildcard \"NOPE_*\" (0 set now)");
        assertThat(why("MY_FLAG", "AWS_REGION")).isNull();
        assertThat(why()).isNull();
        // names only: no value ever reaches the reason
        for (String v : HOST.values()) if (v.length() > 3) assertThat(why("*")).doesNotContain(v);
    }
}
