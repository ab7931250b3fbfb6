package dev.ao.engine.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.AoException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The two model APIs against a local server answering in each API's exact shape. */
class ModelClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-0123456789abcdef";
    private static final Map<String, String> ENV = Map.of("TEST_MODEL_KEY", KEY);
    private static final ModelClient.Policy FAST = new ModelClient.Policy(Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(20), 3, Duration.ofMillis(10), Duration.ofSeconds(60));

    private MockWebServer server;
    private final List<Duration> waits = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String anthropicOk(String text) {
        return """
                {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                 "content": [{"type": "text", "text": %s}], "stop_reason": "end_turn", "stop_sequence": null,
                 "usage": {"input_tokens": 12, "output_tokens": 6}}
                """.formatted(JSON.valueToTree(text).toString());
    }

    static String openAiOk(String text) {
        return """
                {"id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4.1",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": %s, "refusal": null},
                              "logprobs": null, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}}
                """.formatted(JSON.valueToTree(text).toString());
    }

    private LlmProvider anthropic() {
        return new LlmProvider("test", LlmProvider.ANTHROPIC_MESSAGES, server.url("/").toString().replaceAll("/$", ""),
                "claude-sonnet-4-5", "TEST_MODEL_KEY", Map.of("x-team", "sre"), "test", null);
    }

    private LlmProvider openAi() {
        return new LlmProvider("compat", LlmProvider.OPENAI_CHAT, server.url("/v1").toString(), "gpt-4.1", "TEST_MODEL_KEY",
                Map.of(), "test", null);
    }

    private ModelClient client(LlmProvider p) {
        return new ModelClient(p, ENV, FAST, waits::add);
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("content-type", "application/json").body(body).build();
    }

    private static List<ModelClient.Message> hello() {
        return List.of(new ModelClient.Message("user", "write a script"));
    }

    @Test
    void anthropicMessagesRequestHasTheKeyVersionModelSystemAndMessages() throws Exception {
        server.enqueue(json(200, anthropicOk("print('hi')")));
        ModelClient.Reply r = client(anthropic()).ask("be brief", hello());
        assertThat(r.text()).isEqualTo("print('hi')");
        assertThat(r.model()).isEqualTo("claude-sonnet-4-5");
        RecordedRequest req = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(req.getMethod()).isEqualTo("POST");
        assertThat(req.getTarget()).isEqualTo("/v1/messages");
        assertThat(req.getHeaders().get("x-api-key")).isEqualTo(KEY);
        assertThat(req.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(req.getHeaders().get("authorization")).isNull();
        assertThat(req.getHeaders().get("x-team")).isEqualTo("sre");
        assertThat(req.getHeaders().get("content-type")).startsWith("application/json");
        JsonNode body = JSON.readTree(req.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("max_tokens").asInt()).isPositive();
        assertThat(body.path("system").asText()).isEqualTo("be brief");
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("write a script");
    }

    @Test
    void openAiChatGoesToBaseUrlChatCompletionsWithABearerKeyAndTheSystemMessageFirst() throws Exception {
        server.enqueue(json(200, openAiOk("echo hi")));
        assertThat(client(openAi()).ask("be brief", hello()).text()).isEqualTo("echo hi");
        RecordedRequest req = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(req.getTarget()).isEqualTo("/v1/chat/completions");
        assertThat(req.getHeaders().get("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(req.getHeaders().get("x-api-key")).isNull();
        JsonNode body = JSON.readTree(req.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("gpt-4.1");
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(body.path("messages").get(1).path("content").asText()).isEqualTo("write a script");
    }

    @Test
    void unauthorizedIsOneLineNamingTheEnvVarAndNeverTheKeyEvenIfEchoed() {
        server.enqueue(json(401, """
                {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key %s"}}
                """.formatted(KEY)));
        assertThatThrownBy(() -> client(anthropic()).ask("s", hello()))
                .isInstanceOf(AoException.class)
                .hasMessageContaining("$TEST_MODEL_KEY was refused (HTTP 401)")
                .hasMessageContaining("invalid x-api-key ***")
                .hasMessageNotContaining(KEY)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void tooManyRequestsIsRetriedAfterWhatRetryAfterSays() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).setHeader("retry-after", "2")
                .body("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}").build());
        server.enqueue(json(200, anthropicOk("ok")));
        assertThat(client(anthropic()).ask("s", hello()).text()).isEqualTo("ok");
        assertThat(waits).containsExactly(Duration.ofSeconds(2));
        assertThat(server.getRequestCount()).isEqualTo(2);
        // the retry is the same request, key and all
        server.takeRequest();
        assertThat(server.takeRequest().getHeaders().get("x-api-key")).isEqualTo(KEY);
    }

    @Test
    void aServerErrorIsRetriedWithBackoffAndGivesUpAfterTheLastAttempt() throws Exception {
        server.enqueue(json(500, "{\"error\": {\"message\": \"internal\"}}"));
        server.enqueue(json(200, openAiOk("fine")));
        assertThat(client(openAi()).ask("s", hello()).text()).isEqualTo("fine");
        assertThat(waits).hasSize(1);

        for (int i = 0; i < 4; i++) server.enqueue(json(503, "{\"error\": {\"message\": \"overloaded\"}}"));
        assertThatThrownBy(() -> client(openAi()).ask("s", hello()))
                .hasMessageContaining("HTTP 503 after 4 attempts: overloaded");
    }

    @Test
    void aRetryAfterBeyondTheBoundIsAnErrorNotAnHourOfWaiting() {
        server.enqueue(new MockResponse.Builder().code(429).setHeader("retry-after", "3600").body("{}").build());
        assertThatThrownBy(() -> client(anthropic()).ask("s", hello())).hasMessageContaining("asked to wait 3600 s");
        assertThat(waits).isEmpty();
    }

    @Test
    void malformedJsonUnknownModelAndRefusalsAreOneLineErrors() {
        server.enqueue(json(200, "{\"id\": \"msg_1\", \"content\": [ {\"type\": \"text\", \"te"));
        assertThatThrownBy(() -> client(anthropic()).ask("s", hello())).hasMessageContaining("not JSON");

        server.enqueue(json(404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: claude-nope\"}}"));
        assertThatThrownBy(() -> client(anthropic()).ask("s", hello()))
                .hasMessageContaining("HTTP 404").hasMessageContaining("model: claude-nope").hasMessageContaining("model = \"claude-sonnet-4-5\"");

        server.enqueue(json(200, """
                {"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                 "content": [{"type": "text", "text": "I can't help with that."}], "stop_reason": "refusal"}
                """));
        assertThatThrownBy(() -> client(anthropic()).ask("s", hello())).hasMessageContaining("refused the task: I can't help with that.");

        server.enqueue(json(200, """
                {"id": "chatcmpl-9", "object": "chat.completion", "model": "gpt-4.1",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": "I won't do that."}, "finish_reason": "stop"}]}
                """));
        assertThatThrownBy(() -> client(openAi()).ask("s", hello())).hasMessageContaining("refused the task: I won't do that.");
    }

    @Test
    void aRedirectIsNotFollowedSoTheKeyStaysWithItsBaseUrl() throws Exception {
        try (MockWebServer elsewhere = new MockWebServer()) {
            elsewhere.start();
            server.enqueue(new MockResponse.Builder().code(307).setHeader("location", elsewhere.url("/v1/messages").toString()).build());
            assertThatThrownBy(() -> client(anthropic()).ask("s", hello())).hasMessageContaining("HTTP 307");
            assertThat(elsewhere.getRequestCount()).isZero();
        }
    }

    @Test
    void aMissingKeyIsExit127NamingTheVariable() {
        assertThatThrownBy(() -> new ModelClient(anthropic(), Map.of(), FAST))
                .isInstanceOf(AoException.class)
                .hasMessageContaining("TEST_MODEL_KEY, which is not set")
                .satisfies(e -> assertThat(((AoException) e).exitCode().code()).isEqualTo(127));
    }
}
