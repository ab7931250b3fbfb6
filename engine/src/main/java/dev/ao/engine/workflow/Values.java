package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** YAML values (as a Jackson tree) to plain Java, the way a job's {@code with:} is handed on. */
final class Values {
    private Values() {}

    /**
     * String, Integer (Long, BigInteger when larger), Double, Boolean, null, List, or Map in file order (a
     * LinkedHashMap); lists and maps are unmodifiable and may hold nulls.
     */
    static Object plain(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isInt()) return n.intValue();
        if (n.isLong()) return n.longValue();
        if (n.isBigInteger()) return n.bigIntegerValue();
        if (n.isNumber()) return n.doubleValue();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            n.forEach(x -> out.add(plain(x)));
            return Collections.unmodifiableList(out);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), plain(e.getValue())));
        return Collections.unmodifiableMap(out);
    }
}
