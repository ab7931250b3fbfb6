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
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!KNOWN.contains(n)) throw AoException.usage(specFile + ": unknown key '" + n + "' (known: " + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
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
        Integer timeout = null;
        if (root.hasNonNull("timeout")) {
            if (!root.get("timeout").isIntegralNumber() || root.get("timeout").asInt() <= 0) {
                throw AoException.usage(specFile + ": key 'timeout' must be a positive integer (seconds)");
            }
            timeout = root.get("timeout").asInt();
        }
        String risk = root.hasNonNull("risk") ? text(specFile, root, "risk", false) : "auto";
        if (!risk.equals("auto") && !risk.equals("approval_required")) {
            throw AoException.usage(specFile + ": key 'risk' must be \"auto\" or \"approval_required\", got \"" + risk + "\"");
        }
        String sandbox = root.hasNonNull("sandbox_mode") ? text(specFile, root, "sandbox_mode", false) : null;
        if (sandbox != null && !Set.of("read-only", "workspace-write", "danger-full-access").contains(sandbox)) {
            throw AoException.usage(specFile + ": key 'sandbox_mode' must be read-only, workspace-write or danger-full-access");
        }
        String name = root.hasNonNull("name") ? text(specFile, root, "name", false) : specFile.getParent().getFileName().toString();
        String description = root.hasNonNull("description") ? text(specFile, root, "description", false) : "";
        JsonNode outputs = root.get("outputs_schema");
        if (outputs != null && outputs.isNull()) outputs = null;
        if (outputs != null) {
            if (!outputs.isObject()) throw AoException.usage(specFile + ": key 'outputs_schema' must be a JSON Schema object");
            SchemaGuard.require(outputs, specFile + " (outputs_schema)");
        }
        boolean idempotent = false;
        if (root.hasNonNull("idempotent")) {
            if (!root.get("idempotent").isBoolean()) throw AoException.usage(specFile + ": key 'idempotent' must be true or false");
            idempotent = root.get("idempotent").asBoolean();
        }
        return new ScriptSpec(name, description, script, specFile, schema, demands(specFile, root.get("demands")), timeout,
                risk, sandbox, null, null, outputs, idempotent);
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

    private static Demands demands(Path file, JsonNode d) {
        if (d == null || d.isNull()) return Demands.NONE;
        if (!d.isObject()) throw AoException.usage(file + ": key 'demands' must be an object");
        Boolean network = null;
        if (d.has("network")) {
            if (!d.get("network").isBoolean()) throw AoException.usage(file + ": key 'demands.network' must be true or false");
            network = d.get("network").asBoolean();
        }
        String image = null;
        if (d.has("image")) {
            if (!d.get("image").isTextual() || d.get("image").asText().isBlank() || d.get("image").asText().matches(".*\\s.*")) {
                throw AoException.usage(file + ": key 'demands.image' must be a container image name (python:3.12-slim)");
            }
            image = d.get("image").asText();
        }
        List<String> credentials = strings(file, d, "credentials");
        for (String c : credentials) {
            if (!dev.ao.engine.k8s.Credentials.NAME.matcher(c).matches()) {
                throw AoException.usage(file + ": key 'demands.credentials': '" + c + "' is not a credential name (1-42 lowercase letters, digits and '-')");
            }
        }
        return new Demands(strings(file, d, "binaries"), strings(file, d, "env"), network, image, credentials);
    }

    private static List<String> strings(Path file, JsonNode d, String key) {
        JsonNode n = d.get(key);
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw AoException.usage(file + ": key 'demands." + key + "' must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) {
            if (!item.isTextual() || item.asText().isBlank()) throw AoException.usage(file + ": key 'demands." + key + "' must be an array of strings");
            out.add(item.asText());
        }
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
