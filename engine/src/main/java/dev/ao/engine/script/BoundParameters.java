package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Validated parameters, with defaults applied, and the three ways they reach a script.
 * Secret values never appear in {@link #argv()} or {@link #masked()}.
 */
public record BoundParameters(ObjectNode values, Set<String> secrets) {

    /** {@code --namespace prod --dry-run}: booleans are bare flags, arrays repeat, secrets are left out. */
    public List<String> argv() {
        return argv(null);
    }

    /**
     * As {@link #argv()}; a parameter the schema does not declare (a bare script's open schema) given as
     * {@code true} or {@code false} is a flag too: {@code -p verbose=true} is {@code --verbose}, not {@code --verbose true}.
     */
    public List<String> argv(JsonNode schema) {
        JsonNode declared = schema == null ? null : schema.path("properties");
        List<String> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = values.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (secrets.contains(e.getKey())) continue;
            String flag = "--" + e.getKey().replace('_', '-');
            JsonNode v = e.getValue();
            boolean undeclaredFlag = declared != null && !declared.has(e.getKey()) && v.isTextual()
                    && (v.asText().equals("true") || v.asText().equals("false"));
            if (undeclaredFlag) {
                if (v.asText().equals("true")) out.add(flag);
            } else if (v.isBoolean()) {
                if (v.asBoolean()) out.add(flag);
            } else if (v.isArray()) {
                for (JsonNode item : v) {
                    out.add(flag);
                    out.add(item.isValueNode() ? item.asText() : item.toString());
                }
            } else if (!v.isNull()) {
                out.add(flag);
                out.add(v.isValueNode() ? v.asText() : v.toString());
            }
        }
        return out;
    }

    /** {@code AO_PARAM_<NAME>} variables; scalars as text, arrays and objects as JSON. */
    public Map<String, String> env() {
        Map<String, String> out = new LinkedHashMap<>();
        values.fields().forEachRemaining(e -> {
            String name = "AO_PARAM_" + e.getKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
            JsonNode v = e.getValue();
            out.put(name, v.isValueNode() ? v.asText() : v.toString());
        });
        return out;
    }

    /** The parameters as stored and shown: secrets replaced by {@code ***}. */
    public ObjectNode masked() {
        ObjectNode copy = values.deepCopy();
        for (String s : secrets) {
            if (copy.has(s)) copy.put(s, "***");
        }
        return copy;
    }

    /**
     * Parameters the schema marks {@code "format": "path"}, made absolute against the directory ao was started
     * in: the script runs in its own workspace, where a relative path would point elsewhere.
     */
    public BoundParameters resolvePaths(JsonNode schema, java.nio.file.Path cwd) {
        ObjectNode copy = values.deepCopy();
        JsonNode props = schema.path("properties");
        copy.fieldNames().forEachRemaining(name -> {
            JsonNode prop = props.path(name);
            boolean isPath = "path".equals(prop.path("format").asText()) || "path".equals(prop.path("items").path("format").asText());
            if (!isPath) return;
            JsonNode v = copy.get(name);
            if (v.isTextual() && !v.asText().isEmpty()) {
                copy.put(name, cwd.resolve(v.asText()).normalize().toString());
            } else if (v.isArray()) {
                com.fasterxml.jackson.databind.node.ArrayNode arr = copy.putArray(name);
                v.forEach(item -> arr.add(item.isTextual() ? cwd.resolve(item.asText()).normalize().toString() : item.asText()));
            }
        });
        return new BoundParameters(copy, secrets);
    }

    /** A path a person named as a parameter; {@code "x-ao-access": "write"} in the schema makes it writable. */
    public record PathParam(String name, java.nio.file.Path path, boolean write) {}

    /** The parameters declared {@code "format": "path"} (after {@link #resolvePaths}), for the sandbox to bind. */
    public List<PathParam> paths(JsonNode schema) {
        List<PathParam> out = new ArrayList<>();
        JsonNode props = schema.path("properties");
        values.fields().forEachRemaining(e -> {
            JsonNode prop = props.path(e.getKey());
            boolean isPath = "path".equals(prop.path("format").asText()) || "path".equals(prop.path("items").path("format").asText());
            if (!isPath) return;
            boolean write = "write".equals(prop.path("x-ao-access").asText());
            JsonNode v = e.getValue();
            if (v.isTextual() && v.asText().startsWith("/")) out.add(new PathParam(e.getKey(), java.nio.file.Path.of(v.asText()), write));
            if (v.isArray()) {
                v.forEach(i -> {
                    if (i.isTextual() && i.asText().startsWith("/")) out.add(new PathParam(e.getKey(), java.nio.file.Path.of(i.asText()), write));
                });
            }
        });
        return out;
    }

    /** The secret values, to be masked wherever text is stored or printed. */
    public List<String> secretValues() {
        List<String> out = new ArrayList<>();
        for (String s : secrets) {
            JsonNode v = values.get(s);
            if (v != null && !v.isNull() && !v.asText().isEmpty()) out.add(v.isValueNode() ? v.asText() : v.toString());
        }
        return out;
    }
}
