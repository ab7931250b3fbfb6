package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private String base;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "{\"type\": \"string\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static String problem(String schema) throws Exception {
        List<SchemaGuard.Problem> p = SchemaGuard.check(json(schema));
        assertThat(p).as(schema).isNotEmpty();
        return p.get(0).render();
    }

    @Test
    void remoteAndFileRefsAreRefusedByName() throws Exception {
        assertThat(problem("{\"properties\": {\"x\": {\"$ref\": \"" + base + "/s.json\"}}}"))
                .isEqualTo("parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got \"" + base + "/s.json\"");
        assertThat(problem("{\"properties\": {\"x\": {\"$ref\": \"file:///etc/passwd\"}}}")).contains("properties.x.$ref").contains("file:///etc/passwd");
        assertThat(problem("{\"properties\": {\"x\": {\"$ref\": \"other.json#/a\"}}}")).contains("only local references");
        assertThat(problem("{\"$schema\": \"" + base + "/meta\"}")).startsWith("parameters_schema.$schema: ");
        assertThat(problem("{\"properties\": {\"x\": {\"$id\": \"" + base + "/x\", \"$ref\": \"#/a\"}}}")).contains("properties.x.$id");
        assertThat(problem("{\"properties\": {\"x\": {\"$dynamicRef\": \"#meta\"}}}")).contains("$dynamicRef");
        assertThat(problem("{\"properties\": {\"x\": {\"$ref\": \"#/$defs/nope\"}}}")).contains("points at no schema");
        assertThat(requests).hasValue(0);
    }

    @Test
    void localRefsAndStandardDraftsPass() throws Exception {
        JsonNode ok = json("""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/s.json",
                 "type": "object", "$defs": {"name": {"type": "string", "pattern": "^[a-z]+$"},
                   "node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}}},
                 "properties": {"a": {"$ref": "#/$defs/name"}, "tree": {"$ref": "#/$defs/node"}, "self": {"$ref": "#"}}}
                """);
        assertThat(SchemaGuard.check(ok)).isEmpty();
        BoundParameters p = ParameterBinder.bind(ok, ParameterBinder.parsePairs(List.of("a=abc")), "script.json");
        assertThat(p.values().path("a").asText()).isEqualTo("abc");
        assertThatThrownBy(() -> ParameterBinder.bind(ok, ParameterBinder.parsePairs(List.of("a=ABC")), "script.json"))
                .hasMessageContaining("parameter 'a'");
        assertThat(requests).hasValue(0);
    }

    @Test
    void bindingNeverFetchesARemoteRef() throws Exception {
        JsonNode schema = json("{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"" + base + "/s.json\"}}}");
        assertThatThrownBy(() -> ParameterBinder.bind(schema, ParameterBinder.parsePairs(List.of("x=1")), "script.json"))
                .isInstanceOf(AoException.class)
                .hasMessage("script.json: parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got \"" + base + "/s.json\"");
        assertThat(requests).hasValue(0);
    }

    /** The second line of defence: a validator built without the check still cannot load anything. */
    @Test
    void theFactoryItselfRefusesToLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("s.json");
        Files.writeString(file, "{\"type\": \"string\"}");
        for (String ref : List.of(base + "/s.json", file.toUri().toString(), "s.json")) {
            JsonNode schema = json("{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"" + ref + "\"}}}");
            assertThatThrownBy(() -> SchemaGuard.validate(SchemaGuard.validator(schema, "script.json"), json("{\"x\": 1}"), "script.json"))
                    .as(ref).isInstanceOf(AoException.class).hasMessageStartingWith("script.json: parameters_schema");
        }
        JsonNode meta = json("{\"$schema\": \"" + base + "/meta\", \"type\": \"object\"}");
        assertThatThrownBy(() -> SchemaGuard.validator(meta, "script.json")).isInstanceOf(AoException.class);
        assertThat(requests).hasValue(0);
    }

    @Test
    void aFifoRefReturnsAtOnce(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        JsonNode schema = json("{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"" + fifo.toUri() + "\"}}}");
        assertThatThrownBy(() -> ParameterBinder.bind(schema, ParameterBinder.parsePairs(List.of("x=1")), "script.json"))
                .hasMessageContaining("only local references");
        assertThatThrownBy(() -> SchemaGuard.validator(schema, "script.json")).isInstanceOf(AoException.class);
    }

    @Test
    void cyclesThatNeverReachAValueAreOneLine() throws Exception {
        assertThat(problem("{\"$ref\": \"#\"}")).startsWith("parameters_schema.$ref: reference cycle");
        assertThat(problem("{\"properties\": {\"x\": {\"$ref\": \"#/$defs/a\"}}, \"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}}"))
                .isEqualTo("parameters_schema.$defs.a.$ref: reference cycle \"#/$defs/a\" -> \"#/$defs/a\" applies to the same value forever; break the cycle");
        assertThat(problem("{\"$defs\": {\"a\": {\"allOf\": [{\"$ref\": \"#/$defs/b\"}]}, \"b\": {\"not\": {\"$ref\": \"#/$defs/a\"}}}, "
                + "\"properties\": {\"x\": {\"$ref\": \"#/$defs/a\"}}}")).contains("reference cycle");
        JsonNode cycle = json("{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"#/$defs/a\"}}, \"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}}");
        assertThatThrownBy(() -> ParameterBinder.bind(cycle, ParameterBinder.parsePairs(List.of("x=1")), "script.json"))
                .isInstanceOf(AoException.class).hasMessageContaining("reference cycle");
    }

    @Test
    void badRegexesNameTheirKey() throws Exception {
        assertThat(problem("{\"properties\": {\"x\": {\"type\": \"string\", \"pattern\": \"((\"}}}"))
                .startsWith("parameters_schema.properties.x.pattern: not a valid regular expression");
        assertThat(problem("{\"patternProperties\": {\"[a-\": {\"type\": \"string\"}}}"))
                .startsWith("parameters_schema.patternProperties.[a-: not a valid regular expression");
        // data that merely looks like a keyword is not a schema
        assertThat(SchemaGuard.check(json("{\"properties\": {\"x\": {\"default\": {\"pattern\": \"((\"}, \"enum\": [{\"$ref\": \"http://x\"}]}}}"))).isEmpty();
        JsonNode bad = json("{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\", \"pattern\": \"((\"}}}");
        assertThatThrownBy(() -> ParameterBinder.bind(bad, ParameterBinder.parsePairs(List.of("x=1")), "script.json"))
                .isInstanceOf(AoException.class).matches(e -> ((AoException) e).exitCode() == ExitCode.USAGE)
                .hasMessageStartingWith("script.json: parameters_schema.properties.x.pattern: ");
    }

    @Test
    void scriptSpecReaderRefusesBeforeAnythingElse(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.sh"), "true\n");
        Files.writeString(dir.resolve("script.json"), "{\"script_file\": \"a.sh\", \"parameters_schema\": {\"type\": \"object\", "
                + "\"properties\": {\"x\": {\"$ref\": \"" + base + "/s.json\"}}}}");
        assertThatThrownBy(() -> ScriptSpecReader.read(dir.resolve("script.json")))
                .hasMessage(dir.resolve("script.json") + ": parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got \""
                        + base + "/s.json\"");
        assertThat(Map.of("requests", requests.get())).containsEntry("requests", 0);
    }
}
