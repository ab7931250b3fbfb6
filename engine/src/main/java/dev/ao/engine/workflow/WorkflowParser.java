package dev.ao.engine.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.workflow.Workflow.Concurrency;
import dev.ao.engine.workflow.Workflow.Job;
import dev.ao.engine.workflow.Workflow.OnConflict;
import dev.ao.engine.workflow.Workflow.Retry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code workflow.yml}: YAML 1.2 ({@code on: no} is the string "no", {@code 010} the string "010"), checked
 * against {@code workflow.schema.json}, then across keys, then as a graph. Every problem is reported at once, one line
 * each, {@code FILE:LINE: key.path: what is wrong}; a YAML syntax error is one line {@code FILE:LINE:COLUMN: ...}.
 * {@code ${{ }}} text is kept as written: expressions are evaluated elsewhere.
 */
public final class WorkflowParser {
    /** A workflow is a few hundred lines; anything over this is refused before it is parsed. */
    public static final int MAX_BYTES = 1 << 20;
    static final List<String> DEFAULT_RETRY_ON = List.of("failed", "timed_out");
    static final long DEFAULT_BACKOFF_MS = 1_000;
    static final double DEFAULT_FACTOR = 2;
    static final long DEFAULT_MAX_BACKOFF_MS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private WorkflowParser() {}

    /**
     * Reads and checks {@code file}.
     *
     * @throws AoException (usage) every problem in the file, a line each; or one line if it cannot be read, is over
     *                     {@link #MAX_BYTES} or is not UTF-8
     */
    public static Workflow parse(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);   // never more, whatever the file claims or grows to
        } catch (IOException e) {
            throw AoException.usage(file + ": cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) throw tooBig(file);
        return parse(file, utf8(file, bytes));
    }

    /** Checks {@code text} as the content of {@code file} (named in messages, never opened). */
    public static Workflow parse(Path file, String text) {
        if (text.length() > MAX_BYTES || StandardCharsets.UTF_8.encode(CharBuffer.wrap(text)).remaining() > MAX_BYTES) {
            throw tooBig(file);
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        WorkflowYaml.Read read = WorkflowYaml.read(file, text);
        WorkflowProblems problems = read.problems();
        if (read.tree() == null) throw AoException.usage(file + ": is empty; a workflow needs at least name and jobs");
        JsonNode root = read.tree().root();
        WorkflowSchema.check(root, problems);
        WorkflowRules.check(root, problems);
        if (root.path("jobs").isObject()) WorkflowGraph.check(WorkflowRules.needs(root), problems);
        problems.throwIfAny();
        return build(file, (ObjectNode) root, new Workflow.Lines(file, read.tree().lines()));
    }

    private static AoException tooBig(Path file) {
        return AoException.usage(file + ": larger than " + MAX_BYTES / 1024 + " KiB; a workflow.yml is refused past that");
    }

    /** Strict UTF-8: a byte that is not names its line, instead of turning into U+FFFD in a job's command. */
    private static String utf8(Path file, byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) r = d.flush(out);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw AoException.usage(file + ":" + line + ": not UTF-8 (byte 0x" + String.format("%02x", bytes[at] & 0xff)
                    + " at offset " + at + "); save the file as UTF-8");
        }
        return out.flip().toString();
    }

    private static Workflow build(Path file, ObjectNode root, Workflow.Lines lines) {
        Map<String, Job> jobs = new LinkedHashMap<>();
        root.get("jobs").fields().forEachRemaining(e -> jobs.put(e.getKey(), job(e.getKey(), e.getValue(), lines)));
        Map<String, String> outputs = new LinkedHashMap<>();
        root.path("outputs").fields().forEachRemaining(e -> outputs.put(e.getKey(), e.getValue().asText()));
        ObjectNode params = root.get("parameters_schema") instanceof ObjectNode o ? o.deepCopy() : emptySchema();
        return new Workflow(file, root.get("name").asText(), text(root, "description", ""), params,
                objectOrNull(root, "outputs_schema"), concurrency(root.get("concurrency")), intOrNull(root, "max_parallel"),
                intOrNull(root, "timeout"), text(root, "risk", "auto"), Collections.unmodifiableMap(jobs),
                Collections.unmodifiableMap(outputs), text(root, "summary", null), lines);
    }

    private static Job job(String id, JsonNode j, Workflow.Lines lines) {
        List<String> needs = new ArrayList<>();
        JsonNode n = j.path("needs");
        if (n.isTextual()) needs.add(n.asText());
        n.forEach(x -> needs.add(x.asText()));
        @SuppressWarnings("unchecked")
        Map<String, Object> with = j.has("with") ? (Map<String, Object>) Values.plain(j.get("with")) : Map.of();
        JsonNode cond = j.get("if");
        JsonNode runsOn = j.get("runs_on");
        return new Job(id, lines.of("/jobs/" + WorkflowProblems.escape(id)), List.copyOf(needs), text(j, "uses", null), with,
                text(j, "run", null), text(j, "shell", null), cond == null ? null : cond.asText(), forEach(j.get("for_each")),
                intOrNull(j, "max_parallel"), intOrNull(j, "timeout"), retry(j.get("retry")),
                j.path("continue_on_error").asBoolean(false), j.path("approval").asBoolean(false),
                concurrency(j.get("concurrency")), objectOrNull(j, "outputs_schema"),
                runsOn == null ? "local" : runsOn.isObject() ? runsOn.get("runner").asText() : runsOn.asText(),
                runsOn != null && runsOn.isObject() && runsOn.get("tags") != null
                        ? java.util.stream.StreamSupport.stream(runsOn.get("tags").spliterator(), false).map(JsonNode::asText).toList()
                        : List.of());
    }

    /**
     * A template as written (trimmed); a literal list as {@code ${{ <its JSON> }}}: JSON is a CEL literal, so every
     * for_each is one template that gives a list, and the runner has one case.
     */
    private static String forEach(JsonNode f) {
        if (f == null) return null;
        if (f.isTextual()) return f.asText().strip();
        try {
            return "${{ " + JSON.writeValueAsString(f) + " }}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Retry retry(JsonNode r) {
        if (r == null) return Retry.NONE;
        if (r.isIntegralNumber()) {
            return new Retry(r.asInt(), DEFAULT_BACKOFF_MS, DEFAULT_FACTOR, DEFAULT_MAX_BACKOFF_MS, DEFAULT_RETRY_ON, List.of());
        }
        List<String> results = new ArrayList<>();
        List<Integer> codes = new ArrayList<>();
        for (JsonNode on : r.has("on") ? r.get("on") : JSON.valueToTree(DEFAULT_RETRY_ON)) {
            if (on.isIntegralNumber()) codes.add(on.asInt());
            else results.add(on.asText());
        }
        return new Retry(r.get("attempts").asInt(),
                r.has("backoff") ? Durations.millis(r.get("backoff")) : DEFAULT_BACKOFF_MS,
                r.has("factor") ? r.get("factor").asDouble() : DEFAULT_FACTOR,
                r.has("max_backoff") ? Durations.millis(r.get("max_backoff")) : DEFAULT_MAX_BACKOFF_MS,
                List.copyOf(results), List.copyOf(codes));
    }

    private static Concurrency concurrency(JsonNode c) {
        if (c == null) return null;
        if (c.isTextual()) return new Concurrency(c.asText(), null, OnConflict.QUEUE);
        return new Concurrency(c.get("group").asText(), intOrNull(c, "limit"),
                c.has("on_conflict") ? OnConflict.parse(c.get("on_conflict").asText()) : OnConflict.QUEUE);
    }

    private static ObjectNode emptySchema() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("type", "object");
        s.putObject("properties");
        return s;
    }

    private static String text(JsonNode o, String key, String orElse) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? orElse : v.asText();
    }

    private static Integer intOrNull(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? null : v.asInt();
    }

    private static ObjectNode objectOrNull(JsonNode o, String key) {
        return o.get(key) instanceof ObjectNode v ? v.deepCopy() : null;
    }
}
