package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ao write} as a real process against a local server answering like the Anthropic Messages API. */
class WriteIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-it-7f3e9c1d2b4a";
    private TestProject project;
    private MockWebServer server;

    @BeforeEach
    void setUp() throws Exception {
        server = new MockWebServer();
        server.start();
        project = TestProject.create("write");
        project.config("""
                [scripts]
                execution_timeout = 60

                [llm]
                provider = "mock"

                [llm.providers.mock]
                api = "anthropic-messages"
                base_url = "%s"
                model = "claude-sonnet-4-5"
                env_key = "AO_IT_MODEL_KEY"
                """.formatted(server.url("/").toString().replaceAll("/$", "")));
        project.write("skills/k8s/crashloop-restart/SKILL.md", """
                ---
                name: crashloop-restart
                description: Restart deployments whose pods are in CrashLoopBackOff
                tags: [k8s, crashloop]
                ---
                # crashloop-restart

                Find pods in CrashLoopBackOff with one `kubectl get pods -o json`, then `kubectl rollout restart` each owner.
                """);
    }

    @AfterEach
    void tearDown() {
        server.close();
        project.close();
    }

    private Ao ao() {
        return project.ao().env("AO_IT_MODEL_KEY", KEY);
    }

    private static final String GOOD_SCRIPT = """
            #!/usr/bin/env bash
            set -u -o pipefail
            ns="${AO_PARAM_NAMESPACE:?namespace is required}"
            echo "looking at $ns"
            printf '# Crashloops in %s\\nwould restart 0 deployments\\n' "$ns" > "$AO_SUMMARY"
            echo "restarted=0" >> "$AO_OUTPUT"
            """;

    private static String answer(String script, String name) {
        ObjectNode a = JSON.createObjectNode();
        ObjectNode spec = a.putObject("script_json");
        spec.put("name", name);
        spec.put("description", "Restart every deployment in CrashLoopBackOff in a namespace");
        spec.put("script_file", "restart_crashloops.sh");
        ObjectNode schema = spec.putObject("parameters_schema");
        schema.put("type", "object");
        schema.putArray("required").add("namespace");
        schema.putObject("properties").putObject("namespace").put("type", "string").put("description", "the namespace to heal");
        spec.putObject("demands").putArray("binaries").add("bash");
        spec.put("timeout", 120);
        spec.put("risk", "auto");
        a.put("script_file_name", "restart_crashloops.sh");
        a.put("script", script);
        return a.toString();
    }

    private static MockResponse anthropic(String text) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", "msg_01").put("type", "message").put("role", "assistant").put("model", "claude-sonnet-4-5");
        r.putArray("content").addObject().put("type", "text").put("text", text);
        r.put("stop_reason", "end_turn").putNull("stop_sequence");
        r.putObject("usage").put("input_tokens", 100).put("output_tokens", 50);
        return new MockResponse.Builder().code(200).setHeader("content-type", "application/json").body(r.toString()).build();
    }

    private void assertKeyNowhere(Ao.Result... results) throws Exception {
        for (Ao.Result r : results) assertThat(r.stdout() + r.stderr()).doesNotContain(KEY);
        try (var files = Files.walk(project.base())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(KEY);
            }
        }
    }

    @Test
    void theDraftIsSavedValidShownAndRunsInCiOnlyWithApprove() throws Exception {
        server.enqueue(anthropic("Here is the script:\n```json\n" + answer(GOOD_SCRIPT, "restart-crashloops") + "\n```\n"));
        Ao.Result w = ao().run(120, "write", "restart every deployment in CrashLoopBackOff in namespace shop");
        assertThat(w.exit()).as(w.toString()).isZero();

        RecordedRequest req = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(req.getTarget()).isEqualTo("/v1/messages");
        assertThat(req.getHeaders().get("x-api-key")).isEqualTo(KEY);
        assertThat(req.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
        JsonNode body = JSON.readTree(req.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("system").asText()).contains("<!-- SCRIPT-FIRST -->").contains("$AO_SUMMARY").contains("$AO_OUTPUT")
                .contains("AO_PARAM_").contains("$AO_PARAMS").contains("Exit 0 when every item succeeded");
        String prompt = body.path("messages").get(0).path("content").asText();
        assertThat(prompt).contains("restart every deployment in CrashLoopBackOff in namespace shop")
                .contains("skill k8s/crashloop-restart").contains("kubectl rollout restart");

        Path dir = project.root().resolve("skills/drafts/restart-crashloops");
        assertThat(w.stdout()).contains("draft saved: skills/drafts/restart-crashloops").contains("namespace  string, required")
                .contains("ns=\"${AO_PARAM_NAMESPACE:?namespace is required}\"");
        assertThat(Files.readString(dir.resolve("restart_crashloops.sh"))).isEqualTo(GOOD_SCRIPT);
        JsonNode spec = JSON.readTree(dir.resolve("script.json").toFile());
        assertThat(spec.path("risk").asText()).as("a draft needs approval whatever the model said").isEqualTo("approval_required");
        assertThat(Files.readString(dir.resolve("SKILL.md"))).contains("name: \"restart-crashloops\"").contains("<!-- SCRIPT-FIRST -->");
        Ao.Result lint = ao().run("skill", "lint", "skills/drafts/restart-crashloops");
        assertThat(lint.exit()).as(lint.toString()).isZero();
        // the syntax check ran as a sandboxed run of its own
        assertThat(project.runIds()).hasSize(1);

        server.enqueue(anthropic(answer(GOOD_SCRIPT, "restart-crashloops")));
        Ao.Result refused = ao().run(120, "write", "restart every deployment in CrashLoopBackOff in namespace shop", "--run", "-p", "namespace=shop");
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(126);
        assertThat(refused.stderr()).contains("needs approval").contains("risk: approval_required");
        assertThat(project.root().resolve("skills/drafts/restart-crashloops-2/restart_crashloops.sh")).exists();

        server.enqueue(anthropic(answer(GOOD_SCRIPT, "restart-crashloops")));
        Ao.Result ran = ao().run(120, "write", "restart every deployment in CrashLoopBackOff in namespace shop", "--run", "--approve",
                "-p", "namespace=shop", "-o", "json");
        assertThat(ran.exit()).as(ran.toString()).isZero();
        JsonNode j = JSON.readTree(ran.stdout());
        assertThat(j.path("draft").path("skill").asText()).isEqualTo("drafts/restart-crashloops-3");
        assertThat(j.path("run").path("state").asText()).isEqualTo("succeeded");
        assertThat(j.path("run").path("summary").asText()).contains("# Crashloops in shop");
        assertThat(j.path("run").path("outputs").path("restarted").asText()).isEqualTo("0");
        assertKeyNowhere(w, refused, ran, lint);
    }

    @Test
    void aScriptThatFailsValidationIsSentBackOnceWithTheErrorAndNeverRuns() throws Exception {
        Path marker = project.base().resolve("EXECUTED");
        // bash would run the first line before it reached the broken 'if'; a syntax check runs nothing
        String broken = "#!/usr/bin/env bash\ntouch " + marker + "\nif [ -n \"$x\" ]; then\n  echo unterminated\n";
        server.enqueue(anthropic(answer(broken, "restart-crashloops")));
        server.enqueue(anthropic("```json\n" + answer(GOOD_SCRIPT, "restart-crashloops") + "\n```"));
        Ao.Result w = ao().run(120, "write", "restart crashlooping deployments", "--lang", "bash", "--skill-name", "heal");
        assertThat(w.exit()).as(w.toString()).isZero();
        assertThat(w.stderr()).contains("failed validation");
        assertThat(server.getRequestCount()).isEqualTo(2);
        server.takeRequest();
        JsonNode second = JSON.readTree(server.takeRequest().getBody().utf8());
        JsonNode messages = second.path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(2).path("content").asText()).contains("failed validation").contains("syntax error in restart_crashloops.sh")
                .contains("unexpected end of file");
        assertThat(marker).doesNotExist();
        assertThat(Files.readString(project.root().resolve("skills/drafts/heal/restart_crashloops.sh"))).isEqualTo(GOOD_SCRIPT);
        assertThat(JSON.readTree(project.root().resolve("skills/drafts/heal/script.json").toFile()).path("name").asText()).isEqualTo("heal");

        // twice wrong: nothing saved, one line
        server.enqueue(anthropic("no JSON here"));
        server.enqueue(anthropic(answer(broken, "x")));
        Ao.Result bad = ao().run(120, "write", "restart crashlooping deployments", "--skill-name", "never");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.stderr()).contains("failed validation twice, nothing was saved");
        assertThat(project.root().resolve("skills/drafts/never")).doesNotExist();
        try (var left = Files.list(project.root().resolve("skills/drafts"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("heal");
        }
        assertThat(marker).doesNotExist();
        assertKeyNowhere(w, bad);
    }

    @Test
    void aRefusedKeyIsOneLineAndLeavesNothingBehind() throws Exception {
        server.enqueue(new MockResponse.Builder().code(401).setHeader("content-type", "application/json")
                .body("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}").build());
        Ao.Result r = ao().run(60, "write", "anything", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr().strip().lines().filter(l -> l.startsWith("ao: ") && !l.startsWith("ao: asking")).toList())
                .singleElement().asString().contains("$AO_IT_MODEL_KEY was refused (HTTP 401): invalid x-api-key");
        assertThat(JSON.readTree(r.stdout()).path("error").path("code").asInt()).isEqualTo(1);
        assertThat(project.root().resolve("skills/drafts")).doesNotExist();

        Ao.Result noKey = project.ao().run(60, "write", "anything");
        assertThat(noKey.exit()).isEqualTo(127);
        assertThat(noKey.stderr()).contains("AO_IT_MODEL_KEY, which is not set");
        assertKeyNowhere(r, noKey);
    }
}
