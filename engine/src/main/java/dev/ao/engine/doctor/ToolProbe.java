package dev.ao.engine.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.ProcessSupervisor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds a tool scripts lean on and asks its version, offline and under a short timeout. A missing tool is a
 * warning: only the skills that demand it cannot run.
 */
public final class ToolProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to ask one tool its version and read the answer. */
    record Tool(String name, List<String> args, Duration timeout, Function<String, String> version) {}

    static final List<Tool> KNOWN = List.of(
            new Tool("python3", List.of("--version"), Duration.ofSeconds(5), ToolProbe::firstLine),
            new Tool("node", List.of("--version"), Duration.ofSeconds(5), ToolProbe::firstLine),
            new Tool("git", List.of("--version"), Duration.ofSeconds(5), ToolProbe::firstLine),
            new Tool("kubectl", List.of("version", "--client", "-o", "json"), Duration.ofSeconds(5), ToolProbe::kubectl),
            // aws starts a Python interpreter: give it longer; --version never reaches the network
            new Tool("aws", List.of("--version"), Duration.ofSeconds(10), ToolProbe::aws));

    private ToolProbe() {}

    /**
     * @param neededBy the skills that demand this tool (their script.json demands or their interpreter)
     */
    public static Check check(String name, Map<String, String> env, List<String> neededBy) {
        String needs = neededBy.isEmpty() ? "no skill here needs it" : "needed by " + String.join(", ", neededBy);
        Optional<Path> bin = Binaries.which(name, env.get("PATH"));
        if (bin.isEmpty()) return Check.warn(name, "not found on PATH; " + needs);
        Tool tool = KNOWN.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
        if (tool == null) return Check.ok(name, bin.get() + "; " + needs);
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.get().toString());
        cmd.addAll(tool.args());
        ProcessSupervisor.Captured c = ProcessSupervisor.capture(cmd, offline(env), tool.timeout());
        String asked = "'" + name + " " + String.join(" ", tool.args()) + "'";
        if (c.timedOut()) {
            return Check.warn(name, bin.get() + " did not answer " + asked + " within " + tool.timeout().toSeconds() + " s; " + needs);
        }
        String version = c.exitCode() == 0 ? tool.version().apply(c.stdout().isBlank() ? c.stderr() : c.stdout()) : null;
        if (version == null || version.isBlank()) {
            return Check.warn(name, bin.get() + " is there but " + asked + " failed: " + SandboxProbe.firstError(c) + "; " + needs);
        }
        return Check.ok(name, version + " at " + bin.get() + "; " + needs);
    }

    /** The host env with every AWS retry and metadata lookup turned off: a version check must not wait on the network. */
    static Map<String, String> offline(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("AWS_MAX_ATTEMPTS", "1");
        e.put("AWS_EC2_METADATA_DISABLED", "true");
        e.put("AWS_PAGER", "");
        return e;
    }

    static String firstLine(String out) {
        return out.strip().lines().findFirst().orElse(null);
    }

    /** {@code {"clientVersion": {"gitVersion": "v1.31.0", ...}}}. */
    static String kubectl(String out) {
        try {
            JsonNode v = JSON.readTree(out).path("clientVersion").path("gitVersion");
            return v.isTextual() ? "kubectl " + v.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** {@code aws-cli/2.17.20 Python/3.11.9 Linux/6.1 exe/x86_64.debian.12}: the first word. */
    static String aws(String out) {
        String line = firstLine(out);
        if (line == null || !line.startsWith("aws-cli/")) return null;
        return line.split("\\s+")[0];
    }
}
