package dev.ao.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Label and field selectors with the API server's syntax and meaning. */
final class KubeSelectors {

    private KubeSelectors() {}

    enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
        }
    }

    /** A parsed selector: every requirement must hold. An empty selector matches everything. */
    record Selector(List<Requirement> requirements, boolean nothing) {
        static final Selector EVERYTHING = new Selector(List.of(), false);
        static final Selector NOTHING = new Selector(List.of(), true);

        Selector(List<Requirement> requirements) {
            this(requirements, false);
        }

        boolean matches(Map<String, String> labels) {
            return !nothing && requirements.stream().allMatch(r -> r.matches(labels));
        }
    }

    private static final Pattern SET_TERM =
            Pattern.compile("^([A-Za-z0-9./_-]+)\\s+(in|notin)\\s*\\((.*)\\)$");
    private static final Pattern KEY = Pattern.compile("^([A-Za-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$");
    private static final Pattern VALUE = Pattern.compile("^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$");

    /** Parses {@code app=web,tier!=db,env in (a,b),!legacy}; a syntax error is a 400 like the real server's. */
    static Selector parseLabels(String text) {
        if (text == null || text.isBlank()) {
            return Selector.EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String raw : splitTopLevel(text)) {
            String term = raw.trim();
            if (term.isEmpty()) {
                throw KubeError.badRequest("unable to parse requirement: found '', expected: identifier");
            }
            Matcher set = SET_TERM.matcher(term);
            if (set.matches()) {
                Set<String> values = new java.util.LinkedHashSet<>();
                for (String v : set.group(3).split(",")) {
                    values.add(checkValue(v.trim()));
                }
                out.add(new Requirement(checkKey(set.group(1)),
                        set.group(2).equals("in") ? Op.IN : Op.NOT_IN, values));
            } else if (term.startsWith("!")) {
                out.add(new Requirement(checkKey(term.substring(1).trim()), Op.DOES_NOT_EXIST, Set.of()));
            } else if (term.contains("!=")) {
                int i = term.indexOf("!=");
                out.add(new Requirement(checkKey(term.substring(0, i).trim()), Op.NOT_EQUALS,
                        Set.of(checkValue(term.substring(i + 2).trim()))));
            } else if (term.contains("=")) {
                int i = term.indexOf('=');
                int skip = term.startsWith("==", i) ? 2 : 1;
                out.add(new Requirement(checkKey(term.substring(0, i).trim()), Op.EQUALS,
                        Set.of(checkValue(term.substring(i + skip).trim()))));
            } else {
                out.add(new Requirement(checkKey(term), Op.EXISTS, Set.of()));
            }
        }
        return new Selector(out);
    }

    private static String checkKey(String key) {
        if (!KEY.matcher(key).matches() || key.length() > 316) {
            throw KubeError.badRequest("unable to parse requirement: invalid label key \"" + key + "\"");
        }
        return key;
    }

    private static String checkValue(String value) {
        if (!VALUE.matcher(value).matches() || value.length() > 63) {
            throw KubeError.badRequest("unable to parse requirement: invalid label value: \"" + value + "\"");
        }
        return value;
    }

    /** Splits on commas that are not inside parentheses. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    /** A field selector such as {@code metadata.name=x,status.phase!=Running}. */
    record FieldSelector(List<Requirement> requirements) {
        static final FieldSelector EVERYTHING = new FieldSelector(List.of());

        boolean matches(JsonNode object) {
            for (Requirement r : requirements) {
                String actual = fieldValue(object, r.key());
                boolean equal = r.values().contains(actual);
                if (r.op() == Op.EQUALS ? !equal : equal) {
                    return false;
                }
            }
            return true;
        }
    }

    static FieldSelector parseFields(String text, KubeResource resource) {
        if (text == null || text.isBlank()) {
            return FieldSelector.EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String raw : text.split(",")) {
            String term = raw.trim();
            Op op;
            int i;
            int skip;
            if ((i = term.indexOf("!=")) >= 0) {
                op = Op.NOT_EQUALS;
                skip = 2;
            } else if ((i = term.indexOf("==")) >= 0) {
                op = Op.EQUALS;
                skip = 2;
            } else if ((i = term.indexOf('=')) >= 0) {
                op = Op.EQUALS;
                skip = 1;
            } else {
                throw KubeError.badRequest("invalid selector: '" + text + "'; can't understand '" + term + "'");
            }
            String field = term.substring(0, i).trim();
            if (!resource.supportsField(field)) {
                throw KubeError.badRequest("field label not supported: " + field);
            }
            out.add(new Requirement(field, op, Set.of(term.substring(i + skip).trim())));
        }
        return new FieldSelector(out);
    }

    static String fieldValue(JsonNode object, String dottedPath) {
        JsonNode node = object;
        for (String part : dottedPath.split("\\.")) {
            node = node.path(part);
        }
        if (node.isMissingNode() || node.isNull()) {
            return dottedPath.equals("spec.hostNetwork") || dottedPath.equals("spec.unschedulable") ? "false" : "";
        }
        return node.asText();
    }

    static Map<String, String> labels(JsonNode object) {
        Map<String, String> labels = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = object.path("metadata").path("labels").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }

    /**
     * Converts a {@code metav1.LabelSelector} object ({@code matchLabels}, {@code matchExpressions})
     * to the selector it means. A missing selector object matches nothing, like the controllers treat it.
     */
    static Selector fromObject(JsonNode selector) {
        if (selector == null || selector.isMissingNode() || selector.isNull()) {
            return Selector.NOTHING;
        }
        List<Requirement> out = new ArrayList<>();
        selector.path("matchLabels").fields().forEachRemaining(e ->
                out.add(new Requirement(e.getKey(), Op.EQUALS, Set.of(e.getValue().asText()))));
        for (JsonNode expr : selector.path("matchExpressions")) {
            Set<String> values = new java.util.LinkedHashSet<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            Op op = switch (expr.path("operator").asText()) {
                case "In" -> Op.IN;
                case "NotIn" -> Op.NOT_IN;
                case "Exists" -> Op.EXISTS;
                case "DoesNotExist" -> Op.DOES_NOT_EXIST;
                default -> throw KubeError.badRequest("unknown selector operator " + expr.path("operator"));
            };
            out.add(new Requirement(expr.path("key").asText(), op, values));
        }
        return new Selector(out);
    }

    /** The text form of a {@code metav1.LabelSelector}, as kubectl prints it: {@code app=web,tier in (a,b)}. */
    static String toText(JsonNode selector) {
        List<String> parts = new ArrayList<>();
        Map<String, String> matchLabels = new TreeMap<>();
        selector.path("matchLabels").fields().forEachRemaining(e -> matchLabels.put(e.getKey(), e.getValue().asText()));
        matchLabels.forEach((k, v) -> parts.add(k + "=" + v));
        for (JsonNode expr : selector.path("matchExpressions")) {
            List<String> values = new ArrayList<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            String key = expr.path("key").asText();
            switch (expr.path("operator").asText()) {
                case "In" -> parts.add(key + " in (" + String.join(",", values) + ")");
                case "NotIn" -> parts.add(key + " notin (" + String.join(",", values) + ")");
                case "Exists" -> parts.add(key);
                case "DoesNotExist" -> parts.add("!" + key);
                default -> { }
            }
        }
        return String.join(",", parts);
    }
}
