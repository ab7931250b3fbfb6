package dev.ao.engine.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.exec.MaskingOutputStream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Asks a model one question over its HTTP API: Anthropic Messages ({@code POST {base_url}/v1/messages}) or an
 * OpenAI-compatible chat completion ({@code POST {base_url}/chat/completions}, base_url carrying {@code /v1} as in
 * Codex). Retries 429 and 5xx with backoff, honouring {@code retry-after}; every other failure is one line.
 * The key comes from the environment variable the provider names, goes only in this provider's request headers to
 * its own base_url (redirects are not followed), and is masked out of every message.
 */
public final class ModelClient {
    /** A message of the conversation: {@code user} or {@code assistant}. */
    public record Message(String role, String content) {}

    /** The model's text, and the model that wrote it. */
    public record Reply(String text, String model) {}

    /** How long to wait and how often to retry; tests shrink the backoff. */
    public record Policy(Duration connectTimeout, Duration readTimeout, Duration callTimeout, int retries, Duration backoff,
                         Duration maxRetryAfter) {
        public static Policy defaults() {
            return new Policy(Duration.ofSeconds(10), Duration.ofSeconds(180), Duration.ofSeconds(300), 3, Duration.ofSeconds(1),
                    Duration.ofSeconds(60));
        }
    }

    public static final String ANTHROPIC_VERSION = "2023-06-01";
    private static final int MAX_TOKENS = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");

    private final LlmProvider provider;
    private final String key;
    private final Policy policy;
    private final OkHttpClient http;
    private final Sleeper sleeper;

    /** Waits between attempts; tests record the waits instead. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public ModelClient(LlmProvider provider, Map<String, String> env, Policy policy) {
        this(provider, env, policy, d -> Thread.sleep(d.toMillis()));
    }

    public ModelClient(LlmProvider provider, Map<String, String> env, Policy policy, Sleeper sleeper) {
        this.provider = provider;
        this.policy = policy;
        this.sleeper = sleeper;
        if (provider.envKey() == null && provider.keyDropped() != null) {
            throw AoException.usage(provider.keyDropped() + ": base_url of [llm.providers." + provider.id() + "] is set without env_key: "
                    + "ao sends a key only to the base_url configured with it; add env_key = \"...\" to that table");
        }
        if (provider.envKey() != null) {
            String k = env.get(provider.envKey());
            if (k == null || k.isBlank()) {
                throw new AoException(ExitCode.MISSING_DEMAND, "model provider '" + provider.id() + "' needs its key in the env var "
                        + provider.envKey() + ", which is not set (env_key of [llm.providers." + provider.id() + "], " + provider.origin() + ")");
            }
            this.key = k.strip();
        } else {
            this.key = null;
        }
        this.http = new OkHttpClient.Builder()
                .connectTimeout(policy.connectTimeout())
                .readTimeout(policy.readTimeout())
                .writeTimeout(policy.connectTimeout())
                .callTimeout(policy.callTimeout())
                // a redirect would carry the key's header to wherever the server points
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .build();
    }

    public LlmProvider provider() {
        return provider;
    }

    /** The request URL for this provider's API. */
    public String endpoint() {
        String base = provider.baseUrl().replaceAll("/+$", "");
        if (provider.api().equals(LlmProvider.ANTHROPIC_MESSAGES)) {
            return base + (base.endsWith("/v1") ? "/messages" : "/v1/messages");
        }
        return base + "/chat/completions";
    }

    /** Asks the model; the answer is its text. Blocks through retries; fails with one line. */
    public Reply ask(String system, List<Message> messages) throws InterruptedException {
        boolean anthropic = provider.api().equals(LlmProvider.ANTHROPIC_MESSAGES);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(anthropic ? anthropicBody(system, messages) : openAiBody(system, messages));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Request.Builder rb = new Request.Builder().url(endpoint()).post(RequestBody.create(body, JSON_TYPE));
        provider.headers().forEach(rb::header);
        rb.header("accept", "application/json");
        if (anthropic) {
            rb.header("anthropic-version", ANTHROPIC_VERSION);
            if (key != null) rb.header("x-api-key", key);
        } else if (key != null) {
            rb.header("Authorization", "Bearer " + key);
        }
        Request request = rb.build();
        for (int attempt = 0; ; attempt++) {
            int code;
            String text;
            String retryAfter;
            try (Response resp = http.newCall(request).execute()) {
                code = resp.code();
                retryAfter = resp.header("retry-after");
                text = resp.body().string();
            } catch (IOException e) {
                if (attempt < policy.retries() && !(e instanceof java.io.InterruptedIOException && Thread.currentThread().isInterrupted())) {
                    sleeper.sleep(backoff(attempt, null));
                    continue;
                }
                throw fail("cannot reach " + endpoint() + ": " + e.getMessage());
            }
            if (code == 429 || code >= 500) {
                if (attempt < policy.retries()) {
                    Duration wait = backoff(attempt, retryAfter);
                    if (wait.compareTo(policy.maxRetryAfter()) > 0) {
                        throw fail("the provider asked to wait " + wait.toSeconds() + " s before retrying (HTTP " + code + "): " + errorMessage(text));
                    }
                    sleeper.sleep(wait);
                    continue;
                }
                throw fail("HTTP " + code + " after " + (attempt + 1) + " attempts: " + errorMessage(text));
            }
            if (code == 401 || code == 403) {
                throw fail("the key in " + (provider.envKey() == null ? "(no env_key)" : "$" + provider.envKey()) + " was refused (HTTP "
                        + code + "): " + errorMessage(text) + "; check the key, or env_key in [llm.providers." + provider.id() + "]");
            }
            if (code == 404) {
                throw fail("HTTP 404 at " + endpoint() + ": " + errorMessage(text) + "; is model = \"" + provider.model()
                        + "\" one this provider serves, and base_url right" + (anthropic ? "" : " (with /v1 for openai-chat)") + "?");
            }
            if (code / 100 != 2) throw fail("HTTP " + code + ": " + errorMessage(text));
            return anthropic ? anthropicReply(text) : openAiReply(text);
        }
    }

    private ObjectNode anthropicBody(String system, List<Message> messages) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", provider.model());
        n.put("max_tokens", MAX_TOKENS);
        n.put("system", system);
        ArrayNode ms = n.putArray("messages");
        for (Message m : messages) ms.addObject().put("role", m.role()).put("content", m.content());
        return n;
    }

    private ObjectNode openAiBody(String system, List<Message> messages) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", provider.model());
        ArrayNode ms = n.putArray("messages");
        ms.addObject().put("role", "system").put("content", system);
        for (Message m : messages) ms.addObject().put("role", m.role()).put("content", m.content());
        return n;
    }

    private Reply anthropicReply(String text) {
        JsonNode root = parse(text);
        String stop = root.path("stop_reason").asText("");
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : root.path("content")) {
            if ("text".equals(block.path("type").asText())) sb.append(block.path("text").asText());
        }
        if (stop.equals("refusal")) throw fail("the model refused the task" + (sb.length() > 0 ? ": " + oneLine(sb.toString()) : ""));
        if (!root.path("content").isArray()) throw fail("the response has no 'content' array: " + oneLine(text));
        if (sb.length() == 0) throw fail("the model answered with no text (stop_reason " + stop + ")");
        if (stop.equals("max_tokens")) throw fail("the answer was cut at max_tokens (" + MAX_TOKENS + "); ask for a smaller script");
        return new Reply(sb.toString(), root.path("model").asText(provider.model()));
    }

    private Reply openAiReply(String text) {
        JsonNode root = parse(text);
        JsonNode choice = root.path("choices").path(0);
        if (choice.isMissingNode()) throw fail("the response has no 'choices': " + oneLine(text));
        JsonNode msg = choice.path("message");
        if (msg.hasNonNull("refusal") && !msg.path("refusal").asText().isBlank()) {
            throw fail("the model refused the task: " + oneLine(msg.path("refusal").asText()));
        }
        String content = msg.path("content").asText("");
        if (content.isBlank()) throw fail("the model answered with no text (finish_reason " + choice.path("finish_reason").asText() + ")");
        if ("length".equals(choice.path("finish_reason").asText())) throw fail("the answer was cut at the provider's length limit; ask for a smaller script");
        return new Reply(content, root.path("model").asText(provider.model()));
    }

    private JsonNode parse(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) throw fail("the response is not a JSON object: " + oneLine(text));
            return n;
        } catch (IOException e) {
            throw fail("the response is not JSON: " + oneLine(text));
        }
    }

    /** The provider's own error message ({@code {"error": {"message": ...}}} in both APIs), else the body's start. */
    private String errorMessage(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode m = n == null ? null : n.path("error").path("message");
            if (m != null && m.isTextual()) return oneLine(m.asText());
            if (n != null && n.path("error").isTextual()) return oneLine(n.path("error").asText());
        } catch (IOException ignored) {
            // not JSON: show its start
        }
        return body.isBlank() ? "(empty body)" : oneLine(body);
    }

    private String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) + " …" : t;
    }

    private Duration backoff(int attempt, String retryAfter) {
        if (retryAfter != null) {
            String r = retryAfter.strip();
            try {
                return Duration.ofMillis((long) (Double.parseDouble(r) * 1000));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(r, DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(java.time.Instant.now(), at.toInstant());
                    return d.isNegative() ? Duration.ZERO : d;
                } catch (java.time.format.DateTimeParseException ignored) {
                    // neither seconds nor a date: back off as if it were absent
                }
            }
        }
        long base = policy.backoff().toMillis() << Math.min(attempt, 6);
        long jitter = (long) (Math.random() * base / 4);
        return Duration.ofMillis(base + jitter);
    }

    /** One line naming the provider; the key is masked out of it whatever the server echoed. */
    private AoException fail(String what) {
        String msg = "model provider '" + provider.id() + "' (" + provider.model() + "): " + what;
        return new AoException(ExitCode.FAILED, key == null ? msg : MaskingOutputStream.mask(msg, List.of(key)));
    }

    @Override
    public String toString() {
        return "ModelClient[" + provider.id() + " " + endpoint() + "]";
    }
}
