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

    @Test
    void aSecretsValueIsInNoError() throws Exception {
        JsonNode schema = new ObjectMapper().readTree("""
                {"type": "object", "properties": {
                   "pin": {"type": "integer", "secret": true},
                   "code": {"type": "string", "secret": true, "pattern": "^[0-9]+$", "minLength": 40},
                   "word": {"type": "string", "secret": true, "enum": ["alpha", "beta"]},
                   "flag": {"type": "boolean", "secret": true},
                   "blob": {"type": "object", "secret": true},
                   "plain": {"type": "integer"}}}
                """);
        String secret = "NotAnInt99";
        assertThatThrownBy(() -> ParameterBinder.bind(schema, ParameterBinder.parsePairs(List.of("pin=" + secret, "code=" + secret,
                "word=" + secret, "flag=" + secret, "blob=" + secret, "plain=" + secret)), "script.json"))
                .isInstanceOf(AoException.class)
                .hasMessageContaining("parameter 'pin' must be an integer, got a value that is not an integer")
                .hasMessageContaining("parameter 'flag' must be true or false, got a value that is not true or false")
                .hasMessageContaining("parameter 'blob' must be a JSON object, got a value that is not a JSON object")
                .hasMessageContaining("parameter 'code'")
                .hasMessageContaining("parameter 'word'")
                // a plain parameter still says what it got
                .hasMessageContaining("parameter 'plain' must be an integer, got \"NotAnInt99\"")
                .satisfies(e -> assertThat(e.getMessage().replace("got \"NotAnInt99\"", "")).doesNotContain(secret));
    }

    @Test
    void valuesComeFromFilesEnvOrAsTheyAre(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("token.txt"), "s3cr3t\n");
        Map<String, List<String>> raw = ParameterBinder.readSources(ParameterBinder.parsePairs(List.of(
                "a=@token.txt", "b=env:MY_TOKEN", "c=@@handle", "d=plain", "e=mail@example.com")), dir, Map.of("MY_TOKEN", "from-env"));
        assertThat(raw).containsEntry("a", List.of("s3cr3t")).containsEntry("b", List.of("from-env"))
                .containsEntry("c", List.of("@handle")).containsEntry("d", List.of("plain")).containsEntry("e", List.of("mail@example.com"));
        assertThatThrownBy(() -> ParameterBinder.readSources(ParameterBinder.parsePairs(List.of("token=@nope.txt")), dir, Map.of()))
                .isInstanceOf(AoException.class).hasMessage("parameter 'token': no such file " + dir.resolve("nope.txt"));
        assertThatThrownBy(() -> ParameterBinder.readSources(ParameterBinder.parsePairs(List.of("token=env:NOT_SET_HERE")), dir, Map.of()))
                .hasMessageStartingWith("parameter 'token': environment variable 'NOT_SET_HERE' is not set");
        java.nio.file.Files.write(dir.resolve("big"), new byte[ParameterBinder.MAX_FILE_VALUE + 1]);
        assertThatThrownBy(() -> ParameterBinder.readSources(ParameterBinder.parsePairs(List.of("token=@big")), dir, Map.of()))
                .hasMessageContaining("parameter 'token'").hasMessageContaining("larger than 1 MiB");
        assertThatThrownBy(() -> ParameterBinder.readSources(ParameterBinder.parsePairs(List.of("token=@" + dir)), dir, Map.of()))
                .hasMessageStartingWith("parameter 'token': cannot read " + dir);
    }

    @Test
    void aNulByteIsRefusedByName() {
        assertThatThrownBy(() -> bind("namespace=pro\0d"))
                .isInstanceOf(AoException.class).hasMessage("script.json: parameter 'namespace' contains a NUL byte, which cannot be passed to a script");
    }

    @Test
    void onlyMissingSecretsSaySo() throws Exception {
        JsonNode schema = new ObjectMapper().readTree("""
                {"type": "object", "required": ["token", "name"], "properties": {
                   "token": {"type": "string", "secret": true}, "name": {"type": "string"}}}
                """);
        assertThatThrownBy(() -> ParameterBinder.bind(schema, ParameterBinder.parsePairs(List.of("name=x")), "script.json"))
                .isInstanceOf(MissingSecretsException.class).hasMessage("script.json: missing required parameter 'token'")
                .satisfies(e -> assertThat(((MissingSecretsException) e).names()).containsExactly("token"));
        assertThatThrownBy(() -> ParameterBinder.bind(schema, ParameterBinder.parsePairs(List.of()), "script.json"))
                .isInstanceOf(AoException.class).isNotInstanceOf(MissingSecretsException.class);
    }
}
