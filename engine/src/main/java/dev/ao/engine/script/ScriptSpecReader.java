package dev.ao.engine.script;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Reads {@code script.json}; every problem is one line naming the file and the key. */
public final class ScriptSpecReader {
    public static final String FILE = "script.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KNOWN = Set.of("name", "description", "script_file", "parameters_schema", "demands",
            "timeout", "risk", "sandbox_mode", "$schema", "version", "tags", "outputs_schema", "idempotent");

    private ScriptSpecReader() {}

    public static ScriptSpec read(Path specFile) {
        ContainedFile.require(specFile, specFile.getParent());
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(specFile));
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw AoException.usage(specFile + (line > 0 ? ":" + line : "") + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw AoException.usage(specFile + ": cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw AoException.usage(specFile + ": must hold a JSON object");
        List<Problem> problems = problems(root);
        for (Problem p : problems) {
            if (p.detail().startsWith("unknown key")) throw AoException.usage(specFile + ": " + p.message());
        }
        String scriptFile = text(specFile, root, "script_file", true);
        Path script = specFile.getParent().resolve(scriptFile).normalize();
        if (!script.startsWith(specFile.getParent())) {
            throw AoException.usage(specFile + ": script_file '" + scriptFile + "' must stay inside the script's folder");
        }
        ContainedFile.require(script, specFile.getParent());
        if (!Files.isRegularFile(script)) {
            throw AoException.usage(specFile + ": script_file '" + scriptFile + "' does not exist");
        }
        JsonNode schema = root.get("parameters_schema");
        if (schema == null || schema.isNull()) schema = emptySchema();
        if (!schema.isObject()) throw AoException.usage(specFile + ": key 'parameters_schema' must be a JSON Schema object");
        SchemaGuard.require(schema, specFile.toString());
        if (!problems.isEmpty()) throw AoException.usage(specFile + ": " + problems.get(0).message());
        JsonNode outputs = root.get("outputs_schema");
        if (outputs != null && outputs.isNull()) outputs = null;
        if (outputs != null) SchemaGuard.require(outputs, specFile + " (outputs_schema)");
        Integer timeout = root.hasNonNull("timeout") ? root.get("timeout").asInt() : null;
        String risk = root.hasNonNull("risk") ? root.get("risk").asText() : "auto";
        String sandbox = root.hasNonNull("sandbox_mode") ? root.get("sandbox_mode").asText() : null;
        String name = root.hasNonNull("name") ? root.get("name").asText() : specFile.getParent().getFileName().toString();
        String description = root.hasNonNull("description") ? root.get("description").asText() : "";
        boolean idempotent = root.hasNonNull("idempotent") && root.get("idempotent").asBoolean();
        return new ScriptSpec(name, description, script, specFile, schema, demands(root.get("demands")), timeout,
                risk, sandbox, null, null, outputs, idempotent);
    }

    /**
     * One thing wrong with a key of script.json.
     *
     * @param key     the dotted key ({@code demands.network})
     * @param detail  what is wrong, without the key ({@code must be true or false})
     * @param message the whole sentence {@code ao run} prints
     */
    public record Problem(String key, String detail, String message) {
        static Problem of(String key, String detail) {
            return new Problem(key, detail, "key '" + key + "' " + detail);
        }
    }

    /**
     * Every problem of the keys other than {@code script_file} and {@code parameters_schema} (whose checks need the
     * folder and the JSON Schema validator), all at once, in the order of the file's keys.
     */
    public static List<Problem> problems(JsonNode root) {
        List<Problem> out = new ArrayList<>();
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!KNOWN.contains(n)) {
                String known = String.join(", ", KNOWN.stream().sorted().toList());
                out.add(new Problem(n, "unknown key (known: " + known + ")", "unknown key '" + n + "' (known: " + known + ")"));
            }
        }
        for (String k : List.of("name", "description", "risk", "sandbox_mode")) {
            JsonNode v = root.get(k);
            if (v != null && !v.isNull() && !v.isTextual()) out.add(Problem.of(k, "must be a string"));
        }
        if (root.hasNonNull("timeout") && (!root.get("timeout").isIntegralNumber() || root.get("timeout").asInt() <= 0)) {
            out.add(Problem.of("timeout", "must be a positive integer (seconds)"));
        }
        JsonNode risk = root.get("risk");
        if (risk != null && risk.isTextual() && !risk.asText().equals("auto") && !risk.asText().equals("approval_required")) {
            out.add(Problem.of("risk", "must be \"auto\" or \"approval_required\", got \"" + risk.asText() + "\""));
        }
        JsonNode sandbox = root.get("sandbox_mode");
        if (sandbox != null && sandbox.isTextual() && !Set.of("read-only", "workspace-write", "danger-full-access").contains(sandbox.asText())) {
            out.add(Problem.of("sandbox_mode", "must be read-only, workspace-write or danger-full-access"));
        }
        JsonNode outputs = root.get("outputs_schema");
        if (outputs != null && !outputs.isNull() && !outputs.isObject()) out.add(Problem.of("outputs_schema", "must be a JSON Schema object"));
        if (root.hasNonNull("idempotent") && !root.get("idempotent").isBoolean()) out.add(Problem.of("idempotent", "must be true or false"));
        JsonNode d = root.get("demands");
        if (d != null && !d.isNull()) {
            if (!d.isObject()) {
                out.add(Problem.of("demands", "must be an object"));
            } else {
                if (d.has("network") && !d.get("network").isBoolean()) out.add(Problem.of("demands.network", "must be true or false"));
                if (d.has("image") && (!d.get("image").isTextual() || d.get("image").asText().isBlank()
                        || d.get("image").asText().matches(".*\\s.*"))) {
                    out.add(Problem.of("demands.image", "must be a container image name (python:3.12-slim)"));
                }
                for (JsonNode c : d.path("credentials")) {
                    if (c.isTextual() && !dev.ao.engine.k8s.Credentials.NAME.matcher(c.asText()).matches()) {
                        out.add(Problem.of("demands.credentials", "'" + c.asText() + "' is not a credential name (1-42 lowercase letters, digits and '-')"));
                    }
                }
                for (String key : List.of("binaries", "env", "credentials")) {
                    JsonNode n = d.get(key);
                    if (n == null || n.isNull()) continue;
                    boolean ok = n.isArray();
                    for (JsonNode item : n) ok &= item.isTextual() && !item.asText().isBlank();
                    if (!ok) out.add(Problem.of("demands." + key, "must be an array of strings"));
                }
            }
        }
        return out;
    }

    /** Every script.json under {@code root}, sorted; the folders skills are never searched in are skipped here too. */
    public static List<Path> findAll(Path root) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes attrs) {
                    return dev.ao.engine.skill.SkillCatalog.ignored(dir, root)
                            ? java.nio.file.FileVisitResult.SKIP_SUBTREE : java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                    if (file.getFileName().toString().equals(FILE)) out.add(file.toAbsolutePath().normalize());
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new AoException(dev.ao.engine.ExitCode.FAILED, root + ": cannot search for scripts: " + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    /** A bare {@code .py}/{@code .sh}/{@code .js} file: no parameters declared, any {@code -p} passes as a string. */
    public static ScriptSpec bare(Path scriptFile) {
        ObjectNode schema = emptySchema();
        schema.put("additionalProperties", true);
        String name = scriptFile.getFileName().toString();
        return new ScriptSpec(name, "", scriptFile.toAbsolutePath().normalize(), null, schema, Demands.NONE, null, "auto", null, null, null);
    }

    private static ObjectNode emptySchema() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("type", "object");
        s.putObject("properties");
        return s;
    }

    /** After {@link #problems}: every value has its type. */
    private static Demands demands(JsonNode d) {
        if (d == null || d.isNull()) return Demands.NONE;
        Boolean network = d.has("network") ? d.get("network").asBoolean() : null;
        String image = d.hasNonNull("image") ? d.get("image").asText() : null;
        return new Demands(strings(d.get("binaries")), strings(d.get("env")), network, image, strings(d.get("credentials")));
    }

    private static List<String> strings(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) out.add(item.asText());
        return List.copyOf(out);
    }

    private static String text(Path file, JsonNode root, String key, boolean required) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (required) throw AoException.usage(file + ": missing key '" + key + "'");
            return null;
        }
        if (!n.isTextual()) throw AoException.usage(file + ": key '" + key + "' must be a string");
        return n.asText();
    }
}
