package dev.ao.engine.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.common.primitives.UnsignedLong;
import dev.cel.common.types.CelType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values crossing between Java and CEL. CEL wants Long, Double, String, Boolean, {@link NullValue}, List and Map;
 * callers get plain Java back: Long, Double, String, Boolean, List, LinkedHashMap and null.
 */
final class CelValues {

    /** fromJSON refuses more text than this; toJSON and rendered results are held to it too. */
    static final int MAX_CHARS = 1 << 20;

    // outputs are written by scripts: nesting 200 deep is already absurd, and it keeps the recursion below shallow
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(200).maxStringLength(MAX_CHARS).maxNumberLength(100).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final ObjectReader TREE = JSON.readerFor(JsonNode.class);

    private CelValues() {}

    /** A Java value as CEL wants it; the same instance when it already is one (the common case: no copy). */
    static Object toCel(Object v) {
        return celReady(v, 0) ? v : convert(v, 0);
    }

    private static boolean celReady(Object v, int depth) {
        if (depth > 200) throw new IllegalArgumentException("a value nested more than 200 deep");
        if (v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean
                || v instanceof NullValue) return true;
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet())
                if (!celReady(e.getKey(), depth + 1) || !celReady(e.getValue(), depth + 1)) return false;
            return true;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) if (!celReady(o, depth + 1)) return false;
            return true;
        }
        return false;
    }

    private static Object convert(Object v, int depth) {
        if (v == null) return NullValue.NULL_VALUE;
        if (v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean
                || v instanceof NullValue) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
        if (v instanceof BigDecimal b) return b.doubleValue();
        if (v instanceof Character || v instanceof CharSequence) return v.toString();
        if (v instanceof JsonNode n) return fromJsonTree(n);
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(convert(e.getKey(), depth + 1), convert(e.getValue(), depth + 1));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) out.add(convert(o, depth + 1));
            return out;
        }
        if (v instanceof Object[] a) return convert(List.of(a), depth);
        throw new IllegalArgumentException("a " + v.getClass().getSimpleName() + " cannot be read by an expression");
    }

    /** A CEL result as plain Java; {@code budget} counts characters and elements and refuses more than MAX_CHARS. */
    static Object fromCel(Object v, long[] budget) {
        if (v == null || v instanceof NullValue || v instanceof com.google.protobuf.NullValue) return charge(null, 4, budget);
        if (v instanceof String s) return charge(s, s.length() + 2, budget);
        if (v instanceof Long || v instanceof Double || v instanceof Boolean) return charge(v, 8, budget);
        if (v instanceof Integer i) return charge(i.longValue(), 8, budget);
        if (v instanceof UnsignedLong u)
            return charge(u.compareTo(UnsignedLong.valueOf(Long.MAX_VALUE)) <= 0 ? (Object) u.longValue() : (Object) u.doubleValue(), 8, budget);
        if (v instanceof CelByteString b) return fromCel(Base64.getEncoder().encodeToString(b.toByteArray()), budget);
        if (v instanceof Duration d) return fromCel(durationText(d), budget);
        if (v instanceof Instant t) return fromCel(t.toString(), budget);
        if (v instanceof com.google.protobuf.Duration d)
            return fromCel(durationText(Duration.ofSeconds(d.getSeconds(), d.getNanos())), budget);
        if (v instanceof com.google.protobuf.Timestamp t)
            return fromCel(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString(), budget);
        if (v instanceof CelType t)   // type(1) is the type int: its name
            return fromCel(t.kind() == dev.cel.common.types.CelKind.TYPE && !t.parameters().isEmpty()
                    ? t.parameters().get(0).name() : t.name(), budget);
        if (v instanceof Map<?, ?> m) {
            charge(null, m.size() + 2, budget);
            Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(fromCel(e.getKey(), budget), fromCel(e.getValue(), budget));
            return out;
        }
        if (v instanceof Collection<?> c) {
            charge(null, c.size() + 2, budget);
            List<Object> out = new ArrayList<>(c.size());
            for (Iterator<?> it = c.iterator(); it.hasNext(); ) out.add(fromCel(it.next(), budget));
            return out;
        }
        // an unknown kind of value (a proto message): its text, never the object
        return fromCel(String.valueOf(v), budget);
    }

    private static Object charge(Object v, long units, long[] budget) {
        budget[0] -= units;
        if (budget[0] < 0) throw new TooLarge();
        return v;
    }

    /** Thrown by {@link #fromCel} when a result passes {@link #MAX_CHARS}. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("the result is larger than " + (MAX_CHARS >> 20) + " MiB", null, false, false);
        }
    }

    private static String durationText(Duration d) {
        BigDecimal s = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        return s.stripTrailingZeros().toPlainString() + "s";
    }

    /** Compact JSON of a plain Java value (see {@link #fromCel}). */
    static String json(Object plain) {
        try {
            return JSON.writeValueAsString(plain);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    /** Strings as they are, anything else as compact JSON: how a value shows inside a text. */
    static String render(Object plain) {
        return plain instanceof String s ? s : json(plain);
    }

    /**
     * JSON text as a CEL value: objects as maps, arrays as lists, integers as Long (Double past 64 bits).
     *
     * @throws IllegalArgumentException saying why, in one line, when the text is not one JSON value or is too large
     */
    static Object parseJson(String text) {
        if (text.length() > MAX_CHARS)
            throw new IllegalArgumentException("fromJSON() takes at most " + (MAX_CHARS >> 20) + " MiB, got "
                    + text.length() + " characters");
        JsonNode tree;
        try {
            tree = TREE.readValue(text);
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr();
            throw new IllegalArgumentException("fromJSON(): not JSON" + at + ": " + firstLine(e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode()) throw new IllegalArgumentException("fromJSON(): the text is empty");
        return fromJsonTree(tree);
    }

    private static Object fromJsonTree(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>(Math.max(4, n.size() * 2));
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), fromJsonTree(e.getValue()));
            }
            return out;
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (JsonNode e : n) out.add(fromJsonTree(e));
            return out;
        }
        if (n.isTextual()) return n.textValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.longValue() : (Object) n.doubleValue();
        if (n.isNumber()) return n.doubleValue();
        return NullValue.NULL_VALUE;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }

    /** The CEL name of a plain Java value's type, for messages. */
    static String typeName(Object plain) {
        if (plain == null) return "null";
        if (plain instanceof String) return "string";
        if (plain instanceof Long) return "int";
        if (plain instanceof Double) return "double";
        if (plain instanceof Boolean) return "bool";
        if (plain instanceof List<?>) return "list";
        if (plain instanceof Map<?, ?>) return "map";
        return plain.getClass().getSimpleName();
    }
}
