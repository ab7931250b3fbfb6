package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.AoException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns {@code -p key=value} strings into typed parameters: coerced to the schema's types, defaults applied,
 * validated with a JSON Schema validator. Every failing parameter is reported at once.
 */
public final class ParameterBinder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ParameterBinder() {}

    /** Splits {@code key=value} pairs; a key given twice becomes a list (for array parameters). */
    public static Map<String, List<String>> parsePairs(List<String> pairs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw AoException.usage("parameter '" + p + "' must be key=value (e.g. -p namespace=prod)");
            out.computeIfAbsent(p.substring(0, eq).trim(), k -> new ArrayList<>()).add(p.substring(eq + 1));
        }
        return out;
    }

    /** The most a {@code -p k=@FILE} reads: a parameter is a value, not a data set (pass a path for that). */
    public static final int MAX_FILE_VALUE = 1 << 20;

    /**
     * A bound value back as {@code -p} pairs that bind to it again: an array repeats the key, scalars are their text,
     * objects JSON; null gives none. What a rerun, a resume and a detached workflow hand on.
     */
    public static List<String> pairsOf(String key, JsonNode v) {
        List<String> out = new java.util.ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (v.isArray()) v.forEach(i -> out.add(key + "=" + (i.isValueNode() ? i.asText() : i.toString())));
        else out.add(key + "=" + (v.isValueNode() ? v.asText() : v.toString()));
        return out;
    }

    public static BoundParameters bind(ScriptSpec spec, List<String> pairs) {
        return bind(spec, parsePairs(pairs));
    }

    public static BoundParameters bind(ScriptSpec spec, Map<String, List<String>> raw) {
        return bind(spec.parametersSchema(), raw, spec.specFile() == null ? spec.scriptFile().toString() : spec.specFile().toString());
    }

    /**
     * Reads indirect values: {@code @FILE} is the file's text (relative to {@code cwd}, one trailing newline
     * dropped), {@code env:VAR} is ao's own environment variable, {@code @@text} is the literal {@code @text}.
     * Anything else is the value itself. Keeps secrets off the command line and out of shell history.
     */
    public static Map<String, List<String>> readSources(Map<String, List<String>> raw, java.nio.file.Path cwd, Map<String, String> env) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        raw.forEach((name, values) -> {
            List<String> read = new ArrayList<>();
            for (String v : values) read.add(readSource(name, v, cwd, env));
            out.put(name, read);
        });
        return out;
    }

    private static String readSource(String name, String v, java.nio.file.Path cwd, Map<String, String> env) {
        if (v.startsWith("@@")) return v.substring(1);
        if (v.startsWith("env:")) {
            String var = v.substring(4);
            String val = var.isEmpty() ? null : env.get(var);
            if (val == null) {
                throw AoException.usage("parameter '" + name + "': environment variable '" + var + "' is not set (-p " + name + "=env:VAR reads ao's environment)");
            }
            return val;
        }
        if (!v.startsWith("@")) return v;
        String given = v.substring(1);
        if (given.isEmpty()) throw AoException.usage("parameter '" + name + "': '@' needs a file name (-p " + name + "=@FILE; -p " + name + "=@@text for a literal @text)");
        java.nio.file.Path file = cwd.resolve(given).normalize();
        byte[] bytes;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_VALUE + 1);
        } catch (java.nio.file.NoSuchFileException e) {
            throw AoException.usage("parameter '" + name + "': no such file " + file);
        } catch (java.io.IOException e) {
            throw AoException.usage("parameter '" + name + "': cannot read " + file + ": " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_VALUE) {
            throw AoException.usage("parameter '" + name + "': " + file + " is larger than 1 MiB; pass its path instead");
        }
        String text;
        try {
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw AoException.usage("parameter '" + name + "': " + file + " is not UTF-8 text");
        }
        if (text.endsWith("\r\n")) return text.substring(0, text.length() - 2);
        if (text.endsWith("\n")) return text.substring(0, text.length() - 1);
        return text;
    }

    /** Validates typed values (as the TUI form or JSON input gives them) against the schema. */
    public static BoundParameters bind(JsonNode schema, Map<String, List<String>> raw, String where) {
        JsonNode props = schema.path("properties");
        boolean open = schema.path("additionalProperties").asBoolean(false) || !props.isObject();
        List<String> errors = new ArrayList<>();
        Set<String> secrets = new HashSet<>();
        if (props.isObject()) {
            props.fields().forEachRemaining(e -> {
                if (e.getValue().path("secret").asBoolean(false)) secrets.add(e.getKey());
            });
        }
        // argv and env are C strings: a NUL would cut the value short without a word, so refuse it here
        Map<String, List<String>> usable = new LinkedHashMap<>();
        raw.forEach((name, vals) -> {
            if (name.indexOf('\0') >= 0 || vals.stream().anyMatch(v -> v.indexOf('\0') >= 0)) {
                errors.add("parameter '" + name.replace("\0", "\\0") + "' contains a NUL byte, which cannot be passed to a script");
            } else {
                usable.put(name, vals);
            }
        });
        ObjectNode values = JsonNodeFactory.instance.objectNode();
        // declared order first, so argv is stable and reads like the schema
        if (props.isObject()) {
            props.fieldNames().forEachRemaining(name -> {
                if (usable.containsKey(name)) coerce(name, usable.get(name), props.get(name), secrets.contains(name), values, errors);
                else if (!raw.containsKey(name) && props.get(name).has("default")) values.set(name, props.get(name).get("default").deepCopy());
            });
        }
        for (Map.Entry<String, List<String>> e : usable.entrySet()) {
            if (props.has(e.getKey())) continue;
            if (open) {
                coerce(e.getKey(), e.getValue(), JsonNodeFactory.instance.objectNode(), false, values, errors);
            } else {
                errors.add("unknown parameter '" + e.getKey() + "'" + known(props));
            }
        }
        // validate what did coerce too, so every failing parameter is reported in one go; a bare script's open,
        // empty schema accepts anything, and building a validator is a noticeable part of a short run's start-up
        boolean acceptsAnything = open && props.isObject() && props.size() == 0 && schema.size() <= 3;
        Set<String> schemaErrors = new TreeSet<>();
        List<String> missingSecrets = new ArrayList<>();
        Set<ValidationMessage> messages = Set.of();
        if (!acceptsAnything) {
            SchemaGuard.require(schema, where);
            messages = SchemaGuard.validate(SchemaGuard.validator(schema, where), values, where);
        }
        for (ValidationMessage m : messages) {
            String name = m.getInstanceLocation() == null ? "" : m.getInstanceLocation().toString().replaceFirst("^\\$\\.?", "");
            String param = name.contains(".") || name.contains("[") ? name.split("[.\\[]")[0] : name;
            if ("required".equals(m.getType()) && raw.containsKey(m.getProperty())) continue;
            if (!param.isEmpty() && raw.containsKey(param) && !values.has(param)) continue;
            boolean secret = secrets.contains(param);
            if ("required".equals(m.getType()) && name.isEmpty() && secrets.contains(m.getProperty())) missingSecrets.add(m.getProperty());
            // the validator may quote the value it rejects: a secret's value is never part of an error
            schemaErrors.add(secret ? masked(render(m), values.get(param)) : render(m));
        }
        errors.addAll(schemaErrors);
        if (!errors.isEmpty()) {
            String message = where + ": " + String.join("; ", errors);
            if (missingSecrets.size() == errors.size()) throw new MissingSecretsException(message, missingSecrets);
            throw AoException.usage(message);
        }
        return new BoundParameters(values, Set.copyOf(secrets));
    }

    private static String known(JsonNode props) {
        List<String> names = new ArrayList<>();
        props.fieldNames().forEachRemaining(names::add);
        return names.isEmpty() ? " (this script takes no parameters)" : " (known: " + String.join(", ", names) + ")";
    }

    private static String render(ValidationMessage m) {
        String msg = m.getMessage();
        int colon = msg.indexOf(": ");
        if (msg.startsWith("$") && colon > 0) msg = msg.substring(colon + 2);
        if ("required".equals(m.getType())) {
            return "missing required parameter '" + m.getProperty() + "'";
        }
        String loc = m.getInstanceLocation() == null ? "" : m.getInstanceLocation().toString();
        String name = loc.startsWith("$.") ? loc.substring(2) : loc;
        return "parameter '" + name + "' " + msg;
    }

    private static String masked(String message, JsonNode value) {
        if (value == null || value.isNull()) return message;
        List<String> texts = new ArrayList<>();
        if (value.isArray()) value.forEach(v -> texts.add(v.isValueNode() ? v.asText() : v.toString()));
        texts.add(value.isValueNode() ? value.asText() : value.toString());
        String out = message;
        for (String t : texts) if (!t.isEmpty()) out = out.replace(t, "***");
        return out;
    }

    private static void coerce(String name, List<String> raws, JsonNode prop, boolean secret, ObjectNode out, List<String> errors) {
        String type = prop.path("type").isTextual() ? prop.path("type").asText() : "string";
        if (type.equals("array")) {
            ArrayNode arr = out.putArray(name);
            JsonNode itemSchema = prop.path("items");
            for (String r : raws) {
                List<String> parts = raws.size() == 1 && !r.trim().startsWith("[") ? List.of(r.split(",", -1)) : List.of(r);
                for (String part : parts) {
                    if (part.trim().startsWith("[")) {
                        try {
                            JsonNode parsed = JSON.readTree(part);
                            if (parsed.isArray()) { parsed.forEach(arr::add); continue; }
                        } catch (Exception ignored) {
                            // not JSON: the text itself is the item
                        }
                    }
                    JsonNode v = scalar(name, part.trim(), itemSchema.path("type").asText("string"), secret, errors);
                    if (v != null) arr.add(v);
                }
            }
            return;
        }
        if (raws.size() > 1) {
            errors.add("parameter '" + name + "' given " + raws.size() + " times but takes one value");
            return;
        }
        JsonNode v = scalar(name, raws.get(0), type, secret, errors);
        if (v != null) out.set(name, v);
    }

    private static JsonNode scalar(String name, String raw, String type, boolean secret, List<String> errors) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        // a secret's value is never echoed: "got a value that is not an integer"
        String got = secret ? "got a value that is not " : "got \"" + raw + "\"";
        switch (type) {
            case "integer":
                try {
                    return f.numberNode(Long.parseLong(raw.trim()));
                } catch (NumberFormatException e) {
                    errors.add("parameter '" + name + "' must be an integer, " + (secret ? got + "an integer" : got));
                    return null;
                }
            case "number":
                try {
                    return f.numberNode(new java.math.BigDecimal(raw.trim()));
                } catch (NumberFormatException e) {
                    errors.add("parameter '" + name + "' must be a number, " + (secret ? got + "a number" : got));
                    return null;
                }
            case "boolean":
                String t = raw.trim().toLowerCase(java.util.Locale.ROOT);
                if (t.equals("true") || t.equals("yes") || t.equals("1") || t.isEmpty()) return f.booleanNode(true);
                if (t.equals("false") || t.equals("no") || t.equals("0")) return f.booleanNode(false);
                errors.add("parameter '" + name + "' must be true or false, " + (secret ? got + "true or false" : got));
                return null;
            case "object":
                try {
                    JsonNode n = JSON.readTree(raw);
                    if (n != null && n.isObject()) return n;
                } catch (Exception ignored) {
                    // reported below
                }
                errors.add("parameter '" + name + "' must be a JSON object, " + (secret ? got + "a JSON object" : got));
                return null;
            default:
                return f.textNode(raw);
        }
    }

    /** Lists the validator's complaints about a schema itself (used by lint). */
    public static List<String> checkSchema(JsonNode schema) {
        JsonSchema meta = SchemaGuard.factory().getSchema(com.networknt.schema.SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        List<String> out = new ArrayList<>();
        for (ValidationMessage m : meta.validate(schema)) out.add(m.getMessage());
        return out;
    }
}
