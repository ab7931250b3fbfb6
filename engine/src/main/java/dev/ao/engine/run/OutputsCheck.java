package dev.ao.engine.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.script.SchemaGuard;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a run's {@code key=value} outputs against the {@code outputs_schema} its script declares. A value is read as
 * JSON where the key's schema asks for a number, boolean, array or object, and as a string otherwise.
 */
public final class OutputsCheck {

    private OutputsCheck() {}

    /** One line per problem, each naming the key; empty when the outputs fit. */
    public static List<String> problems(JsonNode schema, Map<String, String> outputs, String where) {
        List<String> out = new ArrayList<>();
        if (schema == null || !schema.isObject()) return out;
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        JsonNode props = schema.path("properties");
        outputs.forEach((k, v) -> {
            JsonNode type = props.path(k).path("type");
            boolean asString = type.isMissingNode() || "string".equals(type.asText())
                    || (type.isArray() && type.toString().contains("\"string\""));
            if (asString) {
                value.put(k, v);
                return;
            }
            try {
                value.set(k, RunStore.JSON.readTree(v));
            } catch (IOException e) {
                out.add("output '" + k + "' is not valid JSON (outputs_schema says " + type + ")");
            }
        });
        if (!out.isEmpty()) return out;
        for (ValidationMessage m : SchemaGuard.validate(SchemaGuard.validator(schema, where), value, where)) {
            String at = m.getInstanceLocation().toString();
            String key = at.startsWith("$.") ? at.substring(2) : at;
            String msg = m.getMessage();
            out.add(key.isEmpty() || "$".equals(key) ? "outputs: " + msg.replaceFirst("^\\$:? ?", "")
                    : "output '" + key.split("[.\\[]")[0] + "': " + msg.replaceFirst("^\\$\\.?[^:]*: ", ""));
        }
        return out;
    }
}
