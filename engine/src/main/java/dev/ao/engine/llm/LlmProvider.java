package dev.ao.engine.llm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code [llm.providers.<id>]} table, after Codex's {@code model_providers}. The key is never here: only the name
 * of the environment variable that holds it, and only when that name was configured next to {@code baseUrl}.
 *
 * @param api       {@code anthropic-messages} or {@code openai-chat}
 * @param baseUrl   for {@code openai-chat} it includes the version, as in Codex ({@code https://api.openai.com/v1});
 *                  for {@code anthropic-messages} it is the host ({@code https://api.anthropic.com}), as in Anthropic's SDKs
 * @param envKey    the environment variable holding the key, or null (a local server without one)
 * @param origin    where the table was last set: {@code default} or {@code file:line}
 * @param keyDropped where a layer moved {@code base_url} without naming {@code env_key} again (the inherited key is
 *                  not sent there), else null
 */
public record LlmProvider(String id, String api, String baseUrl, String model, String envKey, Map<String, String> headers,
                          String origin, String keyDropped) {

    public static final String ANTHROPIC_MESSAGES = "anthropic-messages";
    public static final String OPENAI_CHAT = "openai-chat";
    public static final List<String> APIS = List.of(ANTHROPIC_MESSAGES, OPENAI_CHAT);
    /** The keys a provider table may hold; {@code name} is Codex's display name, accepted and unused. */
    public static final List<String> KEYS = List.of("api", "base_url", "model", "env_key", "headers", "name");

    public LlmProvider {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** The providers every ao knows; a config table of the same id changes the keys it names. */
    public static Map<String, LlmProvider> builtIn() {
        Map<String, LlmProvider> m = new LinkedHashMap<>();
        m.put("anthropic", new LlmProvider("anthropic", ANTHROPIC_MESSAGES, "https://api.anthropic.com", "claude-sonnet-4-5",
                "ANTHROPIC_API_KEY", Map.of(), "default", null));
        m.put("openai", new LlmProvider("openai", OPENAI_CHAT, "https://api.openai.com/v1", "gpt-4.1", "OPENAI_API_KEY",
                Map.of(), "default", null));
        m.put("ollama", new LlmProvider("ollama", OPENAI_CHAT, "http://localhost:11434/v1", "qwen2.5-coder", null,
                Map.of(), "default", null));
        return m;
    }

    public LlmProvider with(String api, String baseUrl, String model, String envKey, Map<String, String> headers,
                            String origin, String keyDropped) {
        return new LlmProvider(id, api, baseUrl, model, envKey, headers, origin, keyDropped);
    }
}
