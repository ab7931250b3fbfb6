package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.AoException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParameterBinderTest {
    private static final JsonNode SCHEMA;

    static {
        try {
            SCHEMA = new ObjectMapper().readTree("""
                    {"type": "object", "required": ["namespace"],
                     "properties": {"namespace": {"type": "string"}, "replicas": {"type": "integer", "minimum": 0},
                       "dry_run": {"type": "boolean", "default": false}, "ratio": {"type": "number"},
                       "names": {"type": "array", "items": {"type": "string"}}, "meta": {"type": "object"},
                       "log": {"type": "string", "format": "path"},
                       "password": {"type": "string", "secret": true}}}
                    """);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static BoundParameters bind(String... pairs) {
        return ParameterBinder.bind(SCHEMA, ParameterBinder.parsePairs(List.of(pairs)), "script.json");
    }

    @Test
    void coercesToSchemaTypesAndAppliesDefaults() {
        BoundParameters p = bind("namespace=prod", "replicas=3", "ratio=0.5", "names=a,b", "meta={\"k\":1}", "dry_run=yes");
        assertThat(p.values().get("replicas").isIntegralNumber()).isTrue();
        assertThat(p.values().get("ratio").asDouble()).isEqualTo(0.5);
        assertThat(p.values().get("names")).hasSize(2);
        assertThat(p.values().get("meta").path("k").asInt()).isEqualTo(1);
        assertThat(p.values().get("dry_run").asBoolean()).isTrue();
        assertThat(bind("namespace=x").values().get("dry_run").asBoolean()).isFalse();
    }

    @Test
    void argvEnvAndMasking() {
        BoundParameters p = bind("namespace=prod", "dry_run=true", "names=a", "names=b", "password=pa55");
        assertThat(p.argv()).containsExactly("--namespace", "prod", "--dry-run", "--names", "a", "--names", "b");
        assertThat(p.env()).containsEntry("AO_PARAM_NAMESPACE", "prod").containsEntry("AO_PARAM_PASSWORD", "pa55")
                .containsEntry("AO_PARAM_NAMES", "[\"a\",\"b\"]");
        assertThat(p.masked().get("password").asText()).isEqualTo("***");
        assertThat(p.secretValues()).containsExactly("pa55");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> bind("replicas=-1", "ratio=abc", "extra=1"))
                .isInstanceOf(AoException.class)
                .hasMessageContaining("missing required parameter 'namespace'")
                .hasMessageContaining("parameter 'ratio' must be a number, got \"abc\"")
                .hasMessageContaining("unknown parameter 'extra' (known: namespace, replicas")
                .hasMessageContaining("parameter 'replicas'");
        assertThatThrownBy(() -> bind("namespace")).hasMessageContaining("must be key=value");
    }

    @Test
    void pathParametersResolveAgainstTheCallersDirectory() {
        BoundParameters p = bind("namespace=x", "log=logs/../app.log").resolvePaths(SCHEMA, Path.of("/work/here"));
        assertThat(p.values().get("log").asText()).isEqualTo("/work/here/app.log");
        assertThat(bind("namespace=x", "log=/abs.log").resolvePaths(SCHEMA, Path.of("/w")).values().get("log").asText()).isEqualTo("/abs.log");
    }

    @Test
    void bareScriptsTakeAnyParameterAsString() {
        BoundParameters p = ParameterBinder.bind(ScriptSpecReader.bare(Path.of("/x/y.sh")).parametersSchema(),
                Map.of("anything", List.of("1")), "y.sh");
        assertThat(p.values().get("anything").asText()).isEqualTo("1");
    }
}
