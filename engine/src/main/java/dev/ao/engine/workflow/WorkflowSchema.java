package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.script.SchemaGuard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a workflow tree against {@code workflow.schema.json} (shipped in the jar, next to this class) and words each
 * failure for a person: {@code jobs.restart: unknown key 'neds' (did you mean 'needs'?)}, not the validator's
 * {@code $.jobs.restart: property 'neds' is not defined in the schema}.
 */
final class WorkflowSchema {
    static final String RESOURCE = "workflow.schema.json";
    private static final JsonNode SCHEMA = load();
    private static final JsonSchema VALIDATOR = SchemaGuard.validator(SCHEMA, RESOURCE);

    private WorkflowSchema() {}

    /** Adds one problem per schema failure in {@code root}. */
    static void check(JsonNode root, WorkflowProblems problems) {
        for (ValidationMessage m : VALIDATOR.validate(root)) {
            String at = pointer(m.getInstanceLocation());
            String keyword = m.getType();
            String schemaAt = pointer(m.getSchemaLocation().getFragment());
            JsonNode owner = SCHEMA.at(schemaAt.substring(0, Math.max(0, schemaAt.lastIndexOf('/'))));
            JsonNode value = root.at(at);
            String title = owner.path("title").asText(null);
            switch (keyword) {
                case "propertyNames" -> { }   // job ids: WorkflowRules says what is wrong with the id and what to write
                case "additionalProperties" -> problems.in(at, m.getProperty(), unknownKey(m.getProperty(), owner.path("properties")));
                case "required" -> problems.at(at, "missing key '" + m.getProperty() + "'");
                case "type", "unionType" -> problems.at(at, at.isEmpty()
                        ? "a workflow.yml must be a map of keys (name, jobs, ...), got " + describe(value)
                        : "must be " + (title != null ? title : typeNames(owner.path("type"))) + ", got " + describe(value));
                case "enum" -> problems.at(at, "must be one of " + join(owner.path("enum")) + ", got " + describe(value));
                case "pattern" -> problems.at(at, "must be " + (title != null ? title : "text matching " + owner.path("pattern").asText())
                        + ", got " + describe(value));
                case "minimum", "exclusiveMinimum" -> problems.at(at, "must be " + (title != null ? title : "at least " + owner.path(keyword).asText())
                        + ", got " + describe(value));
                case "maximum", "exclusiveMaximum" -> problems.at(at, "must be " + (title != null ? title : "at most " + owner.path(keyword).asText())
                        + ", got " + describe(value));
                case "minProperties", "minItems", "minLength" -> problems.at(at, "must not be empty");
                case "uniqueItems" -> problems.at(at, "lists the same value twice");
                default -> problems.at(at, m.getMessage().replaceFirst("^\\S+: ", ""));
            }
        }
    }

    /** {@code unknown key 'neds' (did you mean 'needs'?)}, or the keys there are when none is close. */
    static String unknownKey(String name, JsonNode known) {
        List<String> keys = new ArrayList<>();
        known.fieldNames().forEachRemaining(keys::add);
        String near = DidYouMean.nearest(name, keys);
        return "unknown key '" + name + "' " + (near != null ? "(did you mean '" + near + "'?)"
                : "(known: " + String.join(", ", keys.stream().sorted().toList()) + ")");
    }

    /** A value as a message shows it: text quoted and cut short, lists and maps by kind. */
    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return "nothing";
        if (v.isTextual()) {
            String t = v.asText().replaceAll("\\s+", " ");
            return "'" + (t.length() > 40 ? t.substring(0, 37) + "..." : t) + "'";
        }
        if (v.isArray()) return "a list";
        if (v.isObject()) return "a map";
        return v.asText();
    }

    private static String typeNames(JsonNode type) {
        List<String> out = new ArrayList<>();
        for (JsonNode t : type.isArray() ? type : List.of(type)) {
            out.add(switch (t.asText()) {
                case "integer" -> "a whole number";
                case "number" -> "a number";
                case "string" -> "text";
                case "boolean" -> "true or false";
                case "array" -> "a list";
                case "object" -> "a map";
                default -> t.asText();
            });
        }
        return String.join(" or ", out);
    }

    private static String join(JsonNode values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(v.asText()));
        return String.join(", ", out);
    }

    /** The validator's path as a JSON pointer, the key {@link Workflow.Lines} are stored under. */
    static String pointer(JsonNodePath path) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object e = path.getElement(i);
            sb.append('/').append(e instanceof Integer ? e.toString() : WorkflowProblems.escape(String.valueOf(e)));
        }
        return sb.toString();
    }

    private static JsonNode load() {
        try (InputStream in = WorkflowSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the jar");
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
