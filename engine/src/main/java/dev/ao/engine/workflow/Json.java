package dev.ao.engine.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.run.RunStore;

import java.util.LinkedHashMap;
import java.util.Map;

/** Plain Java values (String, Long, Double, Boolean, List, Map) to and from JSON, for expressions and records. */
final class Json {
    private static final com.fasterxml.jackson.databind.ObjectMapper COMPACT = new com.fasterxml.jackson.databind.ObjectMapper();

    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> toJava(JsonNode n) {
        if (n == null || !n.isObject()) return new LinkedHashMap<>();
        return RunStore.JSON.convertValue(n, LinkedHashMap.class);
    }

    static ObjectNode objectOf(Map<String, Object> m) {
        return RunStore.JSON.valueToTree(m == null ? Map.of() : m);
    }

    /** Compact JSON of a plain value. */
    static String write(Object v) {
        try {
            return COMPACT.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            return String.valueOf(v);
        }
    }
}
