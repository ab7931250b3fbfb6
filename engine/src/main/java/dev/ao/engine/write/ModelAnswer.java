package dev.ao.engine.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model's structured answer: {@code {"script_json": {...}, "script_file_name": "x.py", "script": "..."}}. Models
 * wrap JSON in prose or a fenced block however they are asked, so this looks for it: the whole text, then each
 * {@code ```json} block, then the outermost braces.
 */
public record ModelAnswer(ObjectNode scriptJson, String scriptFileName, String script) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FENCE = Pattern.compile("```(?:json|JSON)?\\s*\\n(.*?)\\n\\s*```", Pattern.DOTALL);

    /** Why an answer could not be read: said back to the model, so it names what was wrong. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    public static ModelAnswer parse(String text) throws Invalid {
        JsonNode root = tryJson(text.strip());
        if (root == null) {
            Matcher m = FENCE.matcher(text);
            while (root == null && m.find()) root = tryJson(m.group(1).strip());
        }
        if (root == null) {
            int a = text.indexOf('{');
            int b = text.lastIndexOf('}');
            if (a >= 0 && b > a) root = tryJson(text.substring(a, b + 1));
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("the answer holds no JSON object; answer with exactly one JSON object {\"script_json\": {...}, "
                    + "\"script_file_name\": \"...\", \"script\": \"...\"}");
        }
        JsonNode spec = root.get("script_json");
        if (spec != null && spec.isTextual()) spec = tryJson(spec.asText());
        if (spec == null || !spec.isObject()) throw new Invalid("'script_json' must be a JSON object (the whole script.json)");
        JsonNode file = root.get("script_file_name");
        if (file == null || !file.isTextual() || file.asText().isBlank()) {
            JsonNode fromSpec = spec.get("script_file");
            if (fromSpec == null || !fromSpec.isTextual()) throw new Invalid("'script_file_name' is missing (e.g. \"restart_crashloops.py\")");
            file = fromSpec;
        }
        JsonNode script = root.get("script");
        if (script == null || !script.isTextual() || script.asText().isBlank()) throw new Invalid("'script' must be the whole script as one string");
        return new ModelAnswer((ObjectNode) spec, file.asText().strip(), script.asText());
    }

    private static JsonNode tryJson(String s) {
        if (s.isEmpty() || (s.charAt(0) != '{' && s.charAt(0) != '[')) return null;
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }
}
