package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AbsoluteIri;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.AoException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code parameters_schema} comes from a script anyone may have written, and ao validates it outside any
 * sandbox: it may only refer to itself. {@link #check} refuses remote or file {@code $ref}s, foreign
 * {@code $schema}s, reference cycles that would never end and regexes that do not compile, before a validator is
 * built; {@link #factory} builds validators that cannot load anything but the meta-schemas bundled in the jar, so a
 * miss in the check still reaches neither the network nor the filesystem.
 */
public final class SchemaGuard {
    /** The meta-schemas ao knows; anything else in {@code $schema} would be fetched. */
    private static final Set<String> META_SCHEMAS = Set.of(
            "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema",
            "http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-06/schema",
            "http://json-schema.org/draft-04/schema");
    private static final Set<String> ONE_SCHEMA = Set.of("not", "if", "then", "else", "additionalProperties",
            "additionalItems", "unevaluatedItems", "unevaluatedProperties", "contains", "propertyNames", "contentSchema", "items");
    private static final Set<String> SCHEMA_MAP = Set.of("properties", "patternProperties", "$defs", "definitions",
            "dependentSchemas", "dependencies");
    private static final Set<String> SCHEMA_LIST = Set.of("allOf", "anyOf", "oneOf", "prefixItems", "items");
    /** Keywords that apply a subschema to the same value: a cycle through only these never ends. */
    private static final Set<String> IN_PLACE = Set.of("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
            "dependencies");
    private static final Set<String> REFUSED = Set.of("$dynamicRef", "$recursiveRef", "$dynamicAnchor", "$recursiveAnchor");

    /** One thing wrong: where (a JSON pointer into the schema) and what. */
    public record Problem(String pointer, String message) {
        /** {@code parameters_schema.properties.x.$ref: ...}, the way a person finds it in the file. */
        public String render() {
            StringBuilder sb = new StringBuilder("parameters_schema");
            if (!pointer.isEmpty()) {
                for (String part : pointer.substring(1).split("/", -1)) sb.append('.').append(part.replace("~1", "/").replace("~0", "~"));
            }
            return sb + ": " + message;
        }
    }

    private SchemaGuard() {}

    /** Everything wrong with the schema; empty when a validator may be built from it. */
    public static List<Problem> check(JsonNode schema) {
        Walk w = new Walk(schema);
        w.visit(schema, "", true);
        w.findCycles();
        return List.copyOf(w.problems);
    }

    /** Throws the first problem as a one-line usage error naming {@code where} (the script.json). */
    public static void require(JsonNode schema, String where) {
        List<Problem> p = check(schema);
        if (!p.isEmpty()) throw AoException.usage(where + ": " + p.get(0).render());
    }

    /** Builds a validator for a schema {@link #check} passed; anything the library still throws is one line. */
    public static JsonSchema validator(JsonNode schema, String where) {
        try {
            JsonSchema s = Holder.FACTORY.getSchema(schema);
            s.initializeValidators();   // resolve every $ref now, not half-way through validating a value
            return s;
        } catch (AoException e) {
            throw AoException.usage(where + ": parameters_schema: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            throw AoException.usage(where + ": parameters_schema is not a usable JSON Schema: " + oneLine(e));
        }
    }

    /** Validates, turning a failure of the library itself (not of the value) into one line. */
    public static Set<ValidationMessage> validate(JsonSchema schema, JsonNode value, String where) {
        try {
            return schema.validate(value);
        } catch (AoException e) {
            throw AoException.usage(where + ": parameters_schema: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            throw AoException.usage(where + ": parameters_schema is not a usable JSON Schema: " + oneLine(e));
        }
    }

    /** The factory every validator in ao comes from: it loads only the meta-schemas inside the jar. */
    public static JsonSchemaFactory factory() {
        return Holder.FACTORY;
    }

    private static final class Holder {
        static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.schemaLoaders(l -> l.add(SchemaGuard::refuseNonBundled)));
    }

    /**
     * Loaders are asked in order, ours first: returning null lets the library's classpath loader read a bundled
     * meta-schema ({@code https://json-schema.org/...} is mapped to {@code classpath:draft/...} before this is asked);
     * anything else is refused before the library's URL loader could open it.
     */
    private static com.networknt.schema.resource.InputStreamSource refuseNonBundled(AbsoluteIri iri) {
        String s = iri.toString();
        if (s.startsWith("classpath:draft/") || s.startsWith("classpath:/draft/")) return null;
        throw AoException.usage("only local references (#/...) are allowed, got \"" + s + "\"");
    }

    private static String oneLine(Throwable e) {
        if (e instanceof StackOverflowError) return "its references never end";
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse("").strip();
    }

    private static final class Walk {
        private final JsonNode root;
        private final List<Problem> problems = new ArrayList<>();
        /** Schema pointer -> schemas applied to the same value (in-place applicators and $ref targets). */
        private final Map<String, Set<String>> inPlace = new HashMap<>();
        private final Set<String> visited = new LinkedHashSet<>();

        Walk(JsonNode root) {
            this.root = root;
        }

        void visit(JsonNode s, String at, boolean isRoot) {
            if (!s.isObject() || !visited.add(at)) return;
            Set<String> edges = inPlace.computeIfAbsent(at, k -> new LinkedHashSet<>());
            Iterator<Map.Entry<String, JsonNode>> it = s.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                JsonNode v = e.getValue();
                String here = at + "/" + escape(key);
                switch (key) {
                    case "$ref" -> ref(v, here, edges);
                    case "$schema" -> {
                        String t = v.asText("");
                        if (!isRoot || !v.isTextual() || !META_SCHEMAS.contains(t.endsWith("#") ? t.substring(0, t.length() - 1) : t)) {
                            problems.add(new Problem(here, "only the standard JSON Schema drafts may be named here, got " + v));
                        }
                    }
                    case "$id" -> {
                        if (!isRoot) problems.add(new Problem(here, "an embedded schema resource is not allowed in parameters_schema, got " + v));
                        else if (v.isTextual() && !v.asText().isEmpty() && !v.asText().startsWith("#") && !isAbsolute(v.asText())) {
                            // a relative root $id is resolved against the current directory: refs would point at files
                            problems.add(new Problem(here, "must be an absolute URI or left out, got " + v));
                        }
                    }
                    case "pattern" -> {
                        if (v.isTextual()) regex(v.asText(), here);
                    }
                    default -> {
                        if (REFUSED.contains(key)) problems.add(new Problem(here, key + " is not supported in parameters_schema; use \"$ref\": \"#/$defs/...\""));
                    }
                }
                boolean applies = IN_PLACE.contains(key);
                if (ONE_SCHEMA.contains(key) && v.isObject()) {
                    if (applies) edges.add(here);
                    visit(v, here, false);
                }
                if (SCHEMA_LIST.contains(key) && v.isArray()) {
                    for (int i = 0; i < v.size(); i++) {
                        if (applies) edges.add(here + "/" + i);
                        visit(v.get(i), here + "/" + i, false);
                    }
                }
                if (SCHEMA_MAP.contains(key) && v.isObject()) {
                    Iterator<Map.Entry<String, JsonNode>> sub = v.fields();
                    while (sub.hasNext()) {
                        Map.Entry<String, JsonNode> m = sub.next();
                        String p = here + "/" + escape(m.getKey());
                        if (key.equals("patternProperties")) regex(m.getKey(), p);
                        if (applies && m.getValue().isObject()) edges.add(p);
                        visit(m.getValue(), p, false);
                    }
                }
            }
        }

        private void ref(JsonNode v, String here, Set<String> edges) {
            if (!v.isTextual()) {
                problems.add(new Problem(here, "must be a string like \"#/$defs/name\", got " + v));
                return;
            }
            String ref = v.asText();
            if (!ref.equals("#") && !ref.startsWith("#/")) {
                problems.add(new Problem(here, "only local references (#/...) are allowed, got \"" + ref + "\""));
                return;
            }
            String pointer = decode(ref.substring(1));
            JsonNode target = pointer.isEmpty() ? root : root.at(pointer);
            if (target.isMissingNode() || !(target.isObject() || target.isBoolean())) {
                problems.add(new Problem(here, "\"" + ref + "\" points at no schema in this file"));
                return;
            }
            edges.add(pointer);
            visit(target, pointer, pointer.isEmpty());
        }

        private void regex(String re, String here) {
            try {
                Pattern.compile(re);
            } catch (PatternSyntaxException e) {
                problems.add(new Problem(here, "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex()
                        + " of \"" + re + "\""));
            }
        }

        /** A chain of in-place schemas that comes back to where it started never reaches a value: refuse it. */
        void findCycles() {
            Map<String, Integer> state = new HashMap<>();
            for (String start : inPlace.keySet()) {
                List<String> cycle = dfs(start, state, new ArrayList<>());
                if (cycle != null) {
                    String last = cycle.get(cycle.size() - 1);
                    problems.add(new Problem(refSite(cycle), "reference cycle " + String.join(" -> ", cycle.stream().map(c -> "\"#" + c + "\"").toList())
                            + " applies to the same value forever; " + (last.isEmpty() ? "a schema may not refer to itself" : "break the cycle")));
                    return;
                }
            }
        }

        private List<String> dfs(String node, Map<String, Integer> state, List<String> path) {
            Integer st = state.get(node);
            if (st != null && st == 2) return null;
            if (st != null && st == 1) {
                List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
                cycle.add(node);
                return cycle;
            }
            state.put(node, 1);
            path.add(node);
            for (String next : inPlace.getOrDefault(node, Set.of())) {
                List<String> c = dfs(next, state, path);
                if (c != null) return c;
            }
            path.remove(path.size() - 1);
            state.put(node, 2);
            return null;
        }

        /** The {@code $ref} that closes the cycle, to name in the error. */
        private String refSite(List<String> cycle) {
            for (String c : cycle) {
                JsonNode n = c.isEmpty() ? root : root.at(c);
                if (n.has("$ref")) return c + "/$ref";
            }
            return cycle.get(0);
        }
    }

    private static boolean isAbsolute(String uri) {
        return uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
    }

    private static String escape(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }

    /** {@code #/$defs/a%20b} -> {@code /$defs/a b}: a URI fragment is percent-encoded. */
    private static String decode(String fragment) {
        try {
            return java.net.URLDecoder.decode(fragment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return fragment;
        }
    }
}
