package dev.ao.engine.skill;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One parameter of a script as a person reads it, taken from {@code parameters_schema}.
 *
 * @param type         {@code string}, {@code integer}, {@code array of string}, {@code string (one of: a, b)}, ...
 * @param defaultValue the default as JSON text, or null when there is none
 */
public record ParameterDoc(String name, String type, boolean required, String defaultValue, String description, boolean secret) {

    public static List<ParameterDoc> of(JsonNode schema) {
        List<ParameterDoc> out = new ArrayList<>();
        if (schema == null) return out;
        JsonNode props = schema.path("properties");
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        if (!props.isObject()) return out;
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode p = e.getValue();
            JsonNode def = p.get("default");
            String description = p.path("description").isTextual() ? p.path("description").asText() : "";
            out.add(new ParameterDoc(e.getKey(), type(p), required.contains(e.getKey()),
                    def == null ? null : def.isTextual() && !def.asText().isEmpty() ? def.asText() : def.toString(), description,
                    p.path("secret").asBoolean(false)));
        }
        return out;
    }

    static String type(JsonNode p) {
        String t;
        JsonNode type = p.get("type");
        if (type == null) t = p.has("enum") ? "enum" : "any";
        else if (type.isArray()) {
            List<String> ts = new ArrayList<>();
            type.forEach(x -> ts.add(x.asText()));
            t = String.join("|", ts);
        } else t = type.asText();
        if ("array".equals(t) && p.path("items").has("type")) t = "array of " + p.path("items").path("type").asText();
        if (p.has("enum") && p.get("enum").isArray()) {
            List<String> vals = new ArrayList<>();
            p.get("enum").forEach(v -> vals.add(v.isTextual() ? v.asText() : v.toString()));
            t = t + " (one of: " + String.join(", ", vals) + ")";
        }
        if (p.has("minimum") || p.has("maximum")) {
            t = t + " " + (p.has("minimum") ? p.get("minimum").asText() : "") + ".." + (p.has("maximum") ? p.get("maximum").asText() : "");
        }
        return t;
    }
}
