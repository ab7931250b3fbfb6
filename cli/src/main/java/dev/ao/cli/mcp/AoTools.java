package dev.ao.cli.mcp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.run.RunLogs;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.sandbox.SandboxMode;
import dev.ao.engine.sandbox.SandboxPlanner;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.ParameterDoc;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.skill.SkillSearch;
import dev.ao.engine.source.SkillSources;
import dev.ao.engine.concurrency.GroupSlots;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.Workflow;
import dev.ao.engine.workflow.WorkflowRunner;
import dev.ao.engine.workflow.WorkflowTarget;
import dev.ao.engine.workflow.WorkflowView;
import dev.ao.cli.workflow.WorkflowRun;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * ao's tools for an agent. Each handler maps the arguments to an engine request, calls the engine, and bounds what
 * comes back: the text an agent reads at most {@link #MAX_TEXT} bytes, the structured content at most
 * {@link #MAX_STRUCTURED}, with {@code truncated} and a {@code next} that says how to get the rest.
 *
 * <p>What is not here on purpose: no argument approves a run, widens the sandbox or picks its mode, and no
 * parameter value is read from a file or ao's environment ({@code @file}, {@code env:VAR} are CLI-only): every
 * value an agent gives is literal.
 */
final class AoTools {
    static final int MAX_TEXT = 4 * 1024;
    static final int MAX_STRUCTURED = 16 * 1024;
    static final int MAX_WAIT_SECONDS = 300;
    static final int DEFAULT_WAIT_SECONDS = 30;
    private static final int MAX_CODE = 1 << 20;
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.ALWAYS);
    private static final Map<String, String> EXTENSIONS = Map.of("python", ".py", "bash", ".sh", "node", ".js");

    private final Context ctx;
    private final AoConfig config;
    private final RunStore store;
    private final McpRuns runs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private SkillCatalog catalog;
    private long catalogAt;

    AoTools(Context ctx, McpRuns runs) {
        this.ctx = ctx;
        this.config = ctx.config();
        this.store = new RunStore(config.runsDir());
        this.runs = runs;
    }

    int inFlight() {
        return inFlight.get();
    }

    List<SyncToolSpecification> specs() {
        return List.of(
                tool("search_skills", "Find ao skills (runnable scripts and know-how) for a task, best first: id, one-line description, "
                        + "whether it is runnable and its risk. Then describe_skill, then run_skill.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["query"],"properties":{
                                 "query":{"type":"string","description":"What you want to do, in your own words"},
                                 "limit":{"type":"integer","minimum":1,"maximum":50,"default":10}}}"""),
                        null, this::searchSkills),
                tool("describe_skill", "A skill's parameters (JSON Schema), demands, timeout, risk and its SKILL.md body (bounded; "
                        + "page the body with offset).",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["id"],"properties":{
                                 "id":{"type":"string","description":"Skill id from search_skills, e.g. logs/error-summary"},
                                 "offset":{"type":"integer","minimum":0,"default":0,"description":"Character offset into the body"}}}"""),
                        null, this::describeSkill),
                tool("run_skill", "Run a skill's script in ao's sandbox (workspace-write, its own workspace, under its timeout) and get back "
                        + "only its summary and outputs; the raw output stays on disk (read_log). A run longer than wait_seconds returns "
                        + "state running: poll get_run. A risky skill returns waiting_approval: only a person can approve it.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["id"],"properties":{
                                 "id":{"type":"string","description":"Skill id"},
                                 "params":{"type":"object","description":"Parameters, validated against the skill's parameters_schema"},
                                 "wait_seconds":{"type":"integer","minimum":0,"maximum":300,"default":30}}}"""),
                        RUN_SCHEMA, this::runSkill),
                tool("run_script", "Run your own script once in ao's sandbox (workspace-write, network off, a private workspace as cwd, "
                        + "under a timeout) and get back only its summary: write the summary to the file $AO_SUMMARY (else the last stdout "
                        + "line counts), key=value outputs to $AO_OUTPUT, files to keep to $AO_ARTIFACTS. params arrive as --key value "
                        + "args, AO_PARAM_<NAME> env vars and JSON in $AO_PARAMS. Do the whole job in one script; read_log for raw output.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["language","code"],"properties":{
                                 "language":{"type":"string","enum":["python","bash","node"]},
                                 "code":{"type":"string","description":"The whole script"},
                                 "params":{"type":"object"},
                                 "timeout_seconds":{"type":"integer","minimum":1,"maximum":86400,"description":"Default: [scripts] execution_timeout"},
                                 "network":{"type":"boolean","default":false,"description":"Only if the project's config has [mcp] allow_network = true"},
                                 "wait_seconds":{"type":"integer","minimum":0,"maximum":300,"default":30}}}"""),
                        RUN_SCHEMA, this::runScript),
                tool("run_workflow", "Run a workflow (a skill with a workflow.yml, or a workflow.yml path inside the project) through ao: "
                        + "its jobs run as sandboxed child runs; you get back only the workflow's summary, state, exit code and one line per "
                        + "job (state, counts, summary). Checked before anything runs. A job that needs approval makes the workflow wait "
                        + "for a person: it returns waiting_approval, and nothing in MCP approves it. Longer than wait_seconds: poll get_run.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["id"],"properties":{
                                 "id":{"type":"string","description":"Workflow skill id (search_skills), or a path like skills/x/workflow.yml"},
                                 "params":{"type":"object","description":"Parameters, validated against the workflow's parameters_schema"},
                                 "wait_seconds":{"type":"integer","minimum":0,"maximum":300,"default":30}}}"""),
                        RUN_SCHEMA, this::runWorkflow),
                tool("get_run", "A run's state and, once it has ended, its summary, outputs and stderr tail (from run.json); "
                        + "for a workflow run also its jobs. wait_seconds waits for the end up to that long.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["run_id"],"properties":{
                                 "run_id":{"type":"string"},
                                 "wait_seconds":{"type":"integer","minimum":0,"maximum":300,"default":0}}}"""),
                        RUN_SCHEMA, this::getRun),
                tool("read_log", "Page through a run's stdout, stderr, events or full summary by byte offset (negative: from the end), "
                        + "at most 4 KiB a call; with grep, only the lines matching a regular expression, each prefixed with its byte offset. "
                        + "Go on from next_offset until eof.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["run_id"],"properties":{
                                 "run_id":{"type":"string"},
                                 "stream":{"type":"string","enum":["stdout","stderr","events","summary"],"default":"stdout"},
                                 "offset":{"type":"integer","default":0},
                                 "max_bytes":{"type":"integer","minimum":1,"maximum":4096,"default":4096},
                                 "grep":{"type":"string","description":"Java regular expression"}}}"""),
                        LOG_SCHEMA, this::readLog),
                tool("cancel_run", "Stop a run this server started (its whole process tree; a workflow: every job still going, "
                        + "and nothing new starts); it ends canceled.",
                        schema("""
                                {"type":"object","additionalProperties":false,"required":["run_id"],"properties":{
                                 "run_id":{"type":"string"}}}"""),
                        RUN_SCHEMA, this::cancelRun));
    }

    private static final Map<String, Object> RUN_SCHEMA = schema("""
            {"type":"object","required":["run_id","state","truncated"],"properties":{
             "run_id":{"type":"string"},"label":{"type":"string"},"state":{"type":"string"},
             "exit_code":{"type":["integer","null"]},"duration_ms":{"type":["integer","null"]},
             "reason":{"type":["string","null"]},"summary":{"type":"string"},
             "outputs":{"type":"object","additionalProperties":{"type":"string"}},
             "stderr_tail":{"type":"string"},"truncated":{"type":"boolean"},"next":{"type":["string","null"]},
             "jobs":{"type":"array","description":"A workflow run's jobs, in file order","items":{"type":"object",
               "required":["id","state"],"properties":{
                "id":{"type":"string"},"state":{"type":"string"},"reason":{"type":["string","null"]},
                "items":{"type":["integer","null"]},"succeeded":{"type":"integer"},"failed":{"type":"integer"},
                "running":{"type":"integer"},"summary":{"type":["string","null"]},"last_run":{"type":["string","null"]}}}},
             "jobs_total":{"type":"integer"}}}""");

    private static final Map<String, Object> LOG_SCHEMA = schema("""
            {"type":"object","required":["text","next_offset","eof"],"properties":{
             "run_id":{"type":"string"},"stream":{"type":"string"},"text":{"type":"string"},
             "offset":{"type":"integer"},"next_offset":{"type":"integer"},"eof":{"type":"boolean"},"size":{"type":"integer"}}}""");

    /** What a tool gives back: the text an agent reads, and the same as structured content. */
    record Reply(String text, Object structured) {}

    private SyncToolSpecification tool(String name, String description, Map<String, Object> input, Map<String, Object> output,
                                       Function<Map<String, Object>, Reply> handler) {
        McpSchema.Tool.Builder t = McpSchema.Tool.builder().name(name).description(description).inputSchema(input);
        if (output != null) t.outputSchema(output);
        return SyncToolSpecification.builder().tool(t.build()).callHandler((exchange, request) -> {
            inFlight.incrementAndGet();
            try {
                Reply r = handler.apply(request.arguments() == null ? Map.of() : request.arguments());
                CallToolResult.Builder b = CallToolResult.builder().addTextContent(bound(r.text(), MAX_TEXT)).isError(false);
                if (r.structured() != null) b.structuredContent(JSON.convertValue(r.structured(), Map.class));
                return b.build();
            } catch (AoException e) {
                // the same line 'ao' prints after "ao: "
                return error(SafeText.block(e.getMessage()));
            } catch (RuntimeException e) {
                return error("internal error: " + e);
            } finally {
                inFlight.decrementAndGet();
            }
        }).build();
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(bound(message, MAX_TEXT)).isError(true).build();
    }

    // ---- skills

    private synchronized SkillCatalog catalog() {
        // rescanned at most every two seconds: an agent may add a skill while the server runs
        if (catalog == null || System.nanoTime() - catalogAt > Duration.ofSeconds(2).toNanos()) {
            catalog = SkillSources.catalog(config);
            catalogAt = System.nanoTime();
        }
        return catalog;
    }

    record SkillHit(String id, String description, boolean runnable, String risk) {}

    record SkillHits(List<SkillHit> skills, int total, boolean truncated) {}

    private Reply searchSkills(Map<String, Object> args) {
        String query = string(args, "query", true);
        int limit = integer(args, "limit", 10, 1, 50);
        SkillCatalog c = catalog();
        List<SkillSearch.Hit> hits = new SkillSearch(c.all()).search(query, 0);
        List<SkillHit> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean truncated = hits.size() > limit;
        for (SkillSearch.Hit h : hits.subList(0, Math.min(limit, hits.size()))) {
            Skill s = h.skill();
            String risk = null;
            if (s.workflow()) {
                risk = workflowRisk(s);
            } else if (s.runnable()) {
                try {
                    risk = ScriptSpecReader.read(s.specFile()).risk();
                } catch (AoException e) {
                    risk = "unreadable script.json";
                }
            }
            SkillHit hit = new SkillHit(s.id(), oneLine(s.description(), 160), s.runnable(), risk);
            String line = hit.id() + " — " + hit.description() + (s.workflow() ? " [workflow, risk " + risk + ": run_workflow]" : s.runnable() ? " [runnable, risk " + risk + "]" : " [know-how]") + "\n";
            if (text.length() + line.length() > MAX_TEXT - 200) {
                truncated = true;
                break;
            }
            out.add(hit);
            text.append(line);
        }
        if (hits.isEmpty()) {
            text.append("no skill matches '").append(oneLine(query, 200)).append("' among ").append(c.all().size())
                    .append(" skills; try other words, or write the script yourself with run_script");
        } else if (truncated) {
            text.append("(").append(hits.size() - out.size()).append(" more; raise limit or narrow the query)");
        }
        return new Reply(text.toString(), new SkillHits(out, hits.size(), truncated));
    }

    private static String workflowRisk(Skill s) {
        try {
            Workflow wf = dev.ao.engine.workflow.WorkflowParser.parse(s.workflowFile());
            return wf.risk() == null ? "auto" : wf.risk();
        } catch (AoException e) {
            return "unreadable workflow.yml";
        }
    }

    record SkillDescription(String id, String name, String description, boolean runnable, JsonNode parametersSchema,
                            JsonNode demands, Integer timeout, String risk, String sandboxMode, String body, int bodyOffset,
                            Integer bodyNextOffset, boolean truncated, String skillFile) {}

    private Reply describeSkill(Map<String, Object> args) {
        String id = string(args, "id", true);
        int offset = integer(args, "offset", 0, 0, Integer.MAX_VALUE);
        Skill s = findSkill(id);
        Workflow wf = s.workflow() ? dev.ao.engine.workflow.WorkflowParser.parse(s.workflowFile()) : null;
        ScriptSpec spec = s.runnable() && wf == null ? ScriptSpecReader.read(s.specFile()) : null;
        String body = s.body() == null ? "" : SafeText.block(s.body());
        int from = Math.min(offset, body.length());
        StringBuilder head = new StringBuilder();
        head.append(s.id()).append(" — ").append(oneLine(s.description(), 300)).append('\n');
        if (spec != null) {
            int timeout = spec.timeout() != null ? spec.timeout() : config.executionTimeout();
            String mode = spec.sandbox() != null ? spec.sandbox() : config.sandboxMode();
            head.append("runnable: run_skill {\"id\": \"").append(s.id()).append("\", \"params\": {...}} · risk ").append(spec.risk())
                    .append(" · timeout ").append(timeout).append(" s · sandbox ").append(mode).append('\n');
            List<ParameterDoc> params = ParameterDoc.of(spec.parametersSchema());
            if (params.isEmpty()) head.append("parameters: none\n");
            for (ParameterDoc p : params) {
                head.append("  ").append(p.name()).append(" (").append(p.type()).append(p.required() ? ", required" : "")
                        .append(p.defaultValue() != null ? ", default " + p.defaultValue() : "").append(p.secret() ? ", secret" : "")
                        .append(")").append(p.description() == null || p.description().isBlank() ? "" : " — " + oneLine(p.description(), 200))
                        .append('\n');
            }
            List<String> demands = new ArrayList<>(spec.demands().binaries());
            if (!demands.isEmpty()) head.append("demands binaries: ").append(String.join(", ", demands)).append('\n');
            if (!spec.demands().env().isEmpty()) head.append("demands env: ").append(String.join(", ", spec.demands().env())).append('\n');
            if (Boolean.TRUE.equals(spec.demands().network())) head.append("demands network\n");
        } else if (wf != null) {
            head.append("runnable workflow: run_workflow {\"id\": \"").append(s.id()).append("\", \"params\": {...}} · risk ")
                    .append(wf.risk() == null ? "auto" : wf.risk()).append('\n');
            List<ParameterDoc> params = wf.parametersSchema() == null ? List.of() : ParameterDoc.of(wf.parametersSchema());
            if (params.isEmpty()) head.append("parameters: none\n");
            for (ParameterDoc p : params) {
                head.append("  ").append(p.name()).append(" (").append(p.type()).append(p.required() ? ", required" : "")
                        .append(p.defaultValue() != null ? ", default " + p.defaultValue() : "").append(")")
                        .append(p.description() == null || p.description().isBlank() ? "" : " — " + oneLine(p.description(), 200)).append('\n');
            }
            head.append("jobs:");
            for (Workflow.Job j : wf.jobs().values()) {
                head.append(' ').append(j.id()).append(j.inline() ? "" : " (" + j.uses() + ")").append(j.forEach() != null ? " for_each" : "")
                        .append(j.approval() ? " approval" : "").append(',');
            }
            head.setLength(head.length() - 1);
            head.append('\n');
        } else {
            head.append("know-how only (no script.json): follow the body, e.g. with run_script\n");
        }
        head.append('\n');
        int room = Math.max(256, MAX_TEXT - utf8(head.toString()) - 160);
        String part = cutUtf8(body.substring(from), room);
        int next = from + part.length();
        boolean truncated = next < body.length();
        String text = head + part + (truncated ? "\n[body truncated: describe_skill {\"id\": \"" + s.id() + "\", \"offset\": " + next + "} for the rest]" : "");
        // the structured body may be longer than the text; its own bound keeps the whole reply under 16 KiB
        String structuredBody = cutUtf8(body.substring(from), 8 * 1024);
        int structuredNext = from + structuredBody.length();
        SkillDescription d = new SkillDescription(s.id(), s.name(), oneLine(s.description(), 1000), s.runnable(),
                spec != null ? spec.parametersSchema() : wf != null ? wf.parametersSchema() : null,
                spec == null ? null : JSON.valueToTree(spec.demands()),
                spec != null ? (Integer) (spec.timeout() != null ? spec.timeout() : config.executionTimeout()) : wf != null ? wf.timeout() : null,
                spec != null ? spec.risk() : wf != null ? (wf.risk() == null ? "auto" : wf.risk()) : null, spec == null ? null : spec.sandbox() != null ? spec.sandbox() : config.sandboxMode(),
                structuredBody, from, structuredNext < body.length() ? structuredNext : null, structuredNext < body.length(),
                s.skillFile().toString());
        if (utf8(JSON.valueToTree(d).toString()) > MAX_STRUCTURED) {
            d = new SkillDescription(d.id(), d.name(), d.description(), d.runnable(), null, d.demands(), d.timeout(), d.risk(),
                    d.sandboxMode(), cutUtf8(part, 2048), from, from + cutUtf8(part, 2048).length(), true, d.skillFile());
        }
        return new Reply(text, d);
    }

    private Skill findSkill(String id) {
        SkillCatalog c = catalog();
        return c.find(id).orElseThrow(() -> {
            // the message 'ao skill show' gives
            List<SkillSearch.Hit> hits = new SkillSearch(c.all()).search(id.replace('/', ' ').replace('-', ' '), 3);
            String hint = hits.isEmpty() ? "see 'ao skill list'" : "did you mean " + String.join(", ", hits.stream().map(h -> h.skill().id()).toList()) + "?";
            return AoException.usage("no skill named '" + id + "'; " + hint);
        });
    }

    // ---- runs

    private Reply runSkill(Map<String, Object> args) {
        String id = string(args, "id", true);
        int wait = integer(args, "wait_seconds", DEFAULT_WAIT_SECONDS, 0, MAX_WAIT_SECONDS);
        Skill s = findSkill(id);
        RunRequest req = new RunRequest(s.id(), List.of(), null, null, null, null, false, false, ctx.cwd(), null,
                literal(args.get("params")), List.of(), List.of(), RunRecord.ORIGIN_MCP);
        return run(req, wait, "script.json of " + s.id());
    }

    private Reply runScript(Map<String, Object> args) {
        String language = string(args, "language", true);
        String code = string(args, "code", true);
        String ext = EXTENSIONS.get(language);
        if (ext == null) throw AoException.usage("language must be python, bash or node, got '" + language + "'");
        if (code.length() > MAX_CODE) throw AoException.usage("code is longer than 1 MiB; write a shorter script");
        Integer timeout = args.get("timeout_seconds") == null ? null : integer(args, "timeout_seconds", 0, 1, 86400);
        int wait = integer(args, "wait_seconds", DEFAULT_WAIT_SECONDS, 0, MAX_WAIT_SECONDS);
        boolean network = Boolean.TRUE.equals(args.get("network"));
        if (network && !Boolean.TRUE.equals(config.get(ConfigKey.MCP_ALLOW_NETWORK))) {
            throw AoException.refused("network refused: [mcp] allow_network is false (" + config.origin(ConfigKey.MCP_ALLOW_NETWORK)
                    + "); a person may set it in the project's dotcodex/config.toml; run without network");
        }
        Path file = writeScript(code, ext, args.get("params"));
        // --no-network wins over every config key: only [mcp] allow_network lets an agent's script out
        RunRequest req = new RunRequest(file.toString(), List.of(), timeout, SandboxMode.WORKSPACE_WRITE.id(), network,
                null, false, false, ctx.cwd(), null, literal(args.get("params")), List.of(), List.of(), RunRecord.ORIGIN_MCP);
        return run(req, wait, "run_script");
    }

    /**
     * The agent's code in a folder of its own under the store's mcp/ folder, which only that run sees (read-only),
     * with a script.json whose parameters_schema gives each parameter the JSON type it was sent with: a number
     * reaches $AO_PARAMS as a number, not as the text a bare script's parameters would be.
     */
    private Path writeScript(String code, String ext, Object params) {
        Path base = config.stateDir().resolve(SandboxPlanner.AGENT_SCRIPTS);
        String name = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.now()) + "-" + java.util.HexFormat.of().toHexDigits((short) new java.security.SecureRandom().nextInt());
        ObjectNode spec = JSON.createObjectNode();
        spec.put("name", "run_script");
        spec.put("description", "A script an agent wrote and ran through ao mcp");
        spec.put("script_file", "run_script" + ext);
        ObjectNode schema = spec.putObject("parameters_schema");
        schema.put("type", "object");
        schema.put("additionalProperties", true);
        ObjectNode props = schema.putObject("properties");
        if (params instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                String type = v instanceof Boolean ? "boolean" : v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger
                        ? "integer" : v instanceof Number ? "number" : v instanceof List ? "array" : v instanceof Map ? "object" : "string";
                props.putObject(String.valueOf(k)).put("type", type);
            });
        }
        try {
            Files.createDirectories(base);
            Path dir = Files.createDirectory(base.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path file = dir.resolve("run_script" + ext);
            Files.writeString(file, code, StandardCharsets.UTF_8);
            Files.write(dir.resolve(ScriptSpecReader.FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec));
            for (Path f : List.of(file, dir.resolve(ScriptSpecReader.FILE))) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
            return file;
        } catch (IOException e) {
            throw new AoException(dev.ao.engine.ExitCode.FAILED, base + ": cannot write the script: " + e.getMessage());
        }
    }

    private Reply run(RunRequest req, int wait, String what) {
        RunService service = new RunService(config, ctx.env(), this::catalog);
        RunService.Prepared prepared = service.prepare(req);
        if (prepared.mode() == SandboxMode.DANGER_FULL_ACCESS) {
            throw AoException.refused(prepared.spec().label() + " asks for sandbox danger-full-access ("
                    + (prepared.spec().sandbox() != null ? what : config.origin(ConfigKey.SANDBOX_MODE))
                    + "); ao mcp never runs a script unsandboxed; a person can run it with 'ao run " + prepared.spec().label() + "'");
        }
        String id = runs.start(service, prepared);
        return runReply(await(id, wait, true));
    }

    /**
     * A workflow as {@code ao run} takes it, checked the same way before anything is recorded: parsed, validated
     * (every problem at its line), its parameters bound. What an agent may not do here it may not do in run_skill
     * either: no job runs unsandboxed, and every gate waits for a person.
     */
    private Reply runWorkflow(Map<String, Object> args) {
        String id = string(args, "id", true);
        int wait = integer(args, "wait_seconds", DEFAULT_WAIT_SECONDS, 0, MAX_WAIT_SECONDS);
        WorkflowTarget target = workflowTarget(id);
        WorkflowRun.Prepared p = new WorkflowRun(ctx, new java.io.PrintWriter(java.io.Writer.nullWriter()), new java.io.PrintWriter(java.io.Writer.nullWriter()))
                .prepare(new WorkflowRun.Request(target, List.of(), literal(args.get("params")), null, null, List.of(), List.of(),
                        false, false, true, null));
        refuseUnsandboxed(p.workflow(), target);
        RunService service = new RunService(config, ctx.env(), this::catalog);
        WorkflowRunner.Listener listener = new WorkflowRunner.Listener() {
            @Override
            public void warning(String message) {
                runs.warn(message);
            }
        };
        WorkflowRunner runner = new WorkflowRunner(service, config, this::catalog, p.workflow(), p.params(), runs.person(), listener,
                new GroupSlots(config), new WorkflowRunner.Options(false, ctx.cwd(), null, null, List.of(), List.of(), RunRecord.ORIGIN_MCP,
                null, null, null, target.skill(), target.source(), 0));
        String runId = runs.startWorkflow(runner);
        return runReply(await(runId, wait, true));
    }

    /** A workflow skill by id, or a workflow file inside the project (never one outside it: an agent names no host file). */
    private WorkflowTarget workflowTarget(String id) {
        java.util.Optional<WorkflowTarget> t = WorkflowTarget.find(id, ctx.cwd(), this::catalog);
        if (t.isEmpty()) {
            java.util.Optional<Skill> s = catalog().find(id);
            if (s.isPresent()) throw AoException.usage("skill " + s.get().id() + " is a script, not a workflow; run it with run_skill");
            if (id.endsWith(".yml") || id.endsWith(".yaml") || id.contains("/") && Files.isDirectory(ctx.cwd().resolve(id))) {
                throw AoException.usage("no workflow at " + id + "; give a workflow skill id or the path of a workflow.yml in the project");
            }
            findSkill(id);
            throw AoException.usage("no workflow named '" + id + "'");
        }
        if (t.get().skill() == null) {
            Path root = config.projectRoot().orElse(ctx.cwd());
            Path real;
            try {
                real = t.get().file().toRealPath();
            } catch (IOException e) {
                throw AoException.usage("no workflow file " + id + " (" + t.get().file() + " does not exist)");
            }
            try {
                if (!real.startsWith(root.toRealPath())) {
                    throw AoException.refused(id + " is outside the project (" + root + "); ao mcp runs only the project's workflows");
                }
            } catch (IOException e) {
                throw new AoException(dev.ao.engine.ExitCode.FAILED, root + ": cannot read: " + e.getMessage());
            }
            if (!Files.isRegularFile(real)) throw AoException.usage(id + " is not a file");
        }
        return t.get();
    }

    /** As run_skill: a job that would run unsandboxed is refused here, not left to a gate. */
    private void refuseUnsandboxed(Workflow wf, WorkflowTarget target) {
        String label = target.skill() != null ? target.skill() : wf.file().toString();
        if (SandboxMode.parse(config.sandboxMode(), config.origin(ConfigKey.SANDBOX_MODE)) == SandboxMode.DANGER_FULL_ACCESS) {
            throw AoException.refused(label + ": the config says sandbox danger-full-access (" + config.origin(ConfigKey.SANDBOX_MODE)
                    + "); ao mcp never runs a script unsandboxed; a person can run it with 'ao run " + label + "'");
        }
        for (Workflow.Job j : wf.jobs().values()) {
            if (j.inline()) continue;
            java.util.Optional<Skill> s = catalog().find(j.uses()).filter(x -> x.runnable() && !x.workflow());
            if (s.isEmpty()) continue;
            String mode = ScriptSpecReader.read(s.get().specFile()).sandbox();
            if (mode != null && SandboxMode.parse(mode, s.get().specFile().toString()) == SandboxMode.DANGER_FULL_ACCESS) {
                throw AoException.refused(label + ": job '" + j.id() + "' uses " + s.get().id() + ", which asks for sandbox danger-full-access;"
                        + " ao mcp never runs a script unsandboxed; a person can run it with 'ao run " + label + "'");
            }
        }
    }

    private RunRecord await(String id, int waitSeconds, boolean stopAtApproval) {
        try {
            return runs.await(id, Duration.ofSeconds(waitSeconds), stopAtApproval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return store.read(id).orElseThrow();
        }
    }

    private Reply getRun(Map<String, Object> args) {
        RunRecord r = store.resolve(string(args, "run_id", true));
        int wait = integer(args, "wait_seconds", 0, 0, MAX_WAIT_SECONDS);
        if (wait > 0 && runs.owns(r.id())) r = await(r.id(), wait, false);
        return runReply(r);
    }

    private Reply cancelRun(Map<String, Object> args) {
        RunRecord r = store.resolve(string(args, "run_id", true));
        if (r.state().terminal()) throw AoException.usage("run " + r.id() + " already ended: " + r.state().id());
        if (!runs.owns(r.id())) {
            throw AoException.refused("run " + r.id() + " was not started by this ao mcp; a person can stop it with 'ao runs cancel " + r.id() + "'");
        }
        try {
            return runReply(runs.cancel(r.id(), RunService.GRACE.plusSeconds(3)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return runReply(store.read(r.id()).orElse(r));
        }
    }

    record RunReply(String runId, String label, String state, Integer exitCode, Long durationMs, String reason, String summary,
                    Map<String, String> outputs, String stderrTail, boolean truncated, String next,
                    @JsonInclude(JsonInclude.Include.NON_NULL) List<JobLine> jobs,
                    @JsonInclude(JsonInclude.Include.NON_NULL) Integer jobsTotal) {}

    /** One job of a workflow run, as an agent needs it: where it stands, and the run to read_log for more. */
    record JobLine(String id, String state, String reason, Integer items, int succeeded, int failed, int running, String summary,
                   String lastRun) {
        static JobLine of(JobRecord j) {
            return new JobLine(j.id(), j.state().id(), j.reason() == null ? null : oneLine(j.reason(), 200), j.items(), j.succeeded(),
                    j.failed(), j.running(), j.summary() == null ? null : oneLine(j.summary(), 200),
                    j.runs() == null || j.runs().isEmpty() ? null : j.runs().get(j.runs().size() - 1));
        }

        String text() {
            StringBuilder b = new StringBuilder("  ").append(id).append(' ').append(state);
            if (items != null) b.append(' ').append(succeeded).append('/').append(items).append(" ok").append(failed > 0 ? ", " + failed + " failed" : "");
            if (running > 0) b.append(", ").append(running).append(" running");
            String why = summary != null && !summary.isBlank() ? summary : reason;
            if (why != null && !why.isBlank()) b.append(" — ").append(oneLine(why, 160));
            return b.append('\n').toString();
        }
    }

    /** At most this much of the structured reply goes to jobs: a workflow of hundreds of jobs still fits 16 KiB. */
    private static final int MAX_JOBS_BYTES = 8 * 1024;

    private List<JobLine> jobLines(RunRecord r) {
        if (!RunRecord.KIND_WORKFLOW.equals(r.kind())) return null;
        List<JobRecord> all = runs.liveJobs(r.id()).orElseGet(() -> WorkflowView.jobs(store, r.id()));
        List<JobLine> out = new ArrayList<>();
        int bytes = 0;
        for (JobRecord j : all) {
            JobLine l = JobLine.of(j);
            bytes += utf8(JSON.valueToTree(l).toString());
            if (bytes > MAX_JOBS_BYTES) break;
            out.add(l);
        }
        return out;
    }

    private Reply runReply(RunRecord r) {
        String summary = SafeText.block(r.summary() == null ? "" : r.summary());
        boolean summaryCut = Boolean.TRUE.equals(r.summaryTruncated());
        String stderrTail = "";
        if (r.state().terminal() && r.state() != RunState.SUCCEEDED && r.stderrLog() != null) {
            stderrTail = SafeText.block(String.join("\n", RunLogs.lastLines(Path.of(r.stderrLog()), 20)));
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        boolean outputsCut = false;
        int outputBytes = 0;
        for (Map.Entry<String, String> e : (r.outputs() == null ? Map.<String, String>of() : r.outputs()).entrySet()) {
            String v = cutUtf8(SafeText.block(e.getValue()), 1024);
            outputBytes += utf8(e.getKey()) + utf8(v);
            if (outputBytes > 4096) { outputsCut = true; break; }
            if (v.length() < e.getValue().length()) outputsCut = true;
            outputs.put(e.getKey(), v);
        }
        String stSummary = cutUtf8(summary, 8 * 1024);
        String stTail = cutUtf8FromEnd(stderrTail, 2048);
        boolean truncated = summaryCut || stSummary.length() < summary.length() || outputsCut || stTail.length() < stderrTail.length();
        List<JobLine> jobs = jobLines(r);
        Integer jobsTotal = jobs == null ? null : runs.liveJobs(r.id()).map(List::size).orElseGet(() -> WorkflowView.jobs(store, r.id()).size());
        if (jobs != null && jobs.size() < jobsTotal) truncated = true;
        String next = next(r, truncated);
        RunReply reply = new RunReply(r.id(), r.label(), r.state().id(), r.exitCode(), r.elapsedMs(), r.reason() == null ? null : SafeText.line(r.reason()),
                stSummary, outputs, stTail, truncated, next, jobs, jobsTotal);
        while (utf8(JSON.valueToTree(reply).toString()) > MAX_STRUCTURED && !reply.summary().isEmpty()) {
            reply = new RunReply(reply.runId(), reply.label(), reply.state(), reply.exitCode(), reply.durationMs(), reply.reason(),
                    cutUtf8(reply.summary(), reply.summary().length() / 2), reply.outputs(), reply.stderrTail(), true, next(r, true),
                    reply.jobs(), reply.jobsTotal());
        }
        return new Reply(runText(reply, summary), reply);
    }

    private static String next(RunRecord r, boolean truncated) {
        String id = r.id();
        return switch (r.state()) {
            case QUEUED, BLOCKED, RUNNING, PAUSED -> "still " + r.state().id() + ": get_run {\"run_id\": \"" + id + "\", \"wait_seconds\": 60}";
            case WAITING_APPROVAL -> "a person must approve it ('ao runs approve " + id + "' or ao tui); then get_run {\"run_id\": \"" + id + "\"}";
            default -> truncated ? "the rest: read_log {\"run_id\": \"" + id + "\", \"stream\": \"summary\"} (or \"stdout\", \"stderr\")" : null;
        };
    }

    /** The reply as an agent reads it: one line of state, the summary, outputs, the stderr tail, what to do next. */
    private static String runText(RunReply r, String fullSummary) {
        StringBuilder head = new StringBuilder("run ").append(r.runId()).append(' ').append(r.state());
        if (r.exitCode() != null) head.append(" · exit ").append(r.exitCode());
        if (r.durationMs() != null) head.append(" · ").append(r.durationMs()).append(" ms");
        if (r.reason() != null && !"succeeded".equals(r.state())) head.append(" · ").append(oneLine(r.reason(), 400));
        head.append('\n');
        StringBuilder tail = new StringBuilder();
        if (!r.outputs().isEmpty()) {
            tail.append("outputs:\n");
            r.outputs().forEach((k, v) -> tail.append("  ").append(k).append('=').append(oneLine(v, 200)).append('\n'));
        }
        if (r.jobs() != null && !r.jobs().isEmpty()) {
            tail.append("jobs:\n");
            for (JobLine j : r.jobs()) {
                if (tail.length() > 1536) {
                    tail.append("  … ").append(r.jobsTotal() - r.jobs().indexOf(j)).append(" more: get_run {\"run_id\": \"").append(r.runId()).append("\"}\n");
                    break;
                }
                tail.append(j.text());
            }
        }
        if (!r.stderrTail().isEmpty()) tail.append("stderr (last lines):\n").append(cutUtf8FromEnd(r.stderrTail(), 1024)).append('\n');
        String after = tail.toString();
        int room = MAX_TEXT - utf8(head.toString()) - Math.min(utf8(after), 2048) - 300;
        String summary = cutUtf8(fullSummary, Math.max(0, room));
        boolean cut = summary.length() < fullSummary.length() || r.truncated();
        String next = r.next() != null ? r.next() : cut ? next0(r.runId()) : null;
        String text = head + (summary.isEmpty() ? "" : summary.endsWith("\n") ? summary : summary + "\n") + cutUtf8(after, 2048)
                + (cut ? "[truncated] " : "") + (next != null ? "next: " + next : "");
        return text.strip();
    }

    private static String next0(String id) {
        return "the rest: read_log {\"run_id\": \"" + id + "\", \"stream\": \"summary\"}";
    }

    record LogPage(String runId, String stream, String text, long offset, long nextOffset, boolean eof, long size) {}

    private Reply readLog(Map<String, Object> args) {
        RunRecord r = store.resolve(string(args, "run_id", true));
        String stream = args.get("stream") == null ? "stdout" : string(args, "stream", true);
        long offset = args.get("offset") == null ? 0 : longValue(args, "offset");
        int max = integer(args, "max_bytes", 4096, 1, 4096);
        String grep = args.get("grep") == null ? null : string(args, "grep", true);
        Path dir = store.dir(r.id());
        Path file = switch (stream) {
            case "stdout" -> dir.resolve(RunStore.STDOUT);
            case "stderr" -> dir.resolve(RunStore.STDERR);
            case "events" -> dir.resolve(RunStore.EVENTS);
            case "summary" -> dir.resolve(RunStore.SUMMARY);
            default -> throw AoException.usage("stream must be stdout, stderr, events or summary, got '" + stream + "'");
        };
        java.util.regex.Pattern pattern = null;
        if (grep != null) {
            try {
                pattern = java.util.regex.Pattern.compile(grep);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw AoException.usage("grep: not a valid regular expression: " + oneLine(e.getDescription(), 200) + " in '" + oneLine(grep, 200) + "'");
            }
        }
        // the text must fit 4 KiB with its trailer line; bytes a terminal-unsafe log expands are cut by reading less
        int budget = Math.min(max, MAX_TEXT - 160);
        try {
            while (true) {
                RunLogs.Chunk p = pattern == null ? RunLogs.read(file, offset, budget) : RunLogs.grep(file, offset, pattern, budget, 256L << 20);
                String text = SafeText.block(p.text());
                if (utf8(text) <= MAX_TEXT - 160 || budget <= 64) {
                    LogPage page = new LogPage(r.id(), stream, text, p.offset(), p.nextOffset(), p.eof(), p.size());
                    String trailer = "\n[" + stream + " bytes " + p.offset() + "–" + p.nextOffset() + " of " + p.size()
                            + (p.eof() ? (r.state().terminal() ? "; eof" : "; eof for now, the run is " + r.state().id()) : "; next_offset " + p.nextOffset()) + "]";
                    return new Reply(cutUtf8(text, MAX_TEXT - utf8(trailer)) + trailer, page);
                }
                budget /= 2;
            }
        } catch (IOException e) {
            throw new AoException(dev.ao.engine.ExitCode.FAILED, file + ": cannot read: " + e.getMessage());
        }
    }

    // ---- arguments

    /** Parameter values exactly as given: JSON scalars as their text, arrays and objects as JSON (the binder parses them). */
    private static List<String> literal(Object params) {
        if (params == null) return List.of();
        if (!(params instanceof Map<?, ?> map)) throw AoException.usage("params must be a JSON object of parameter names to values");
        List<String> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue;
            String text = v instanceof String s ? s : v instanceof Map || v instanceof List ? JSON.valueToTree(v).toString() : String.valueOf(v);
            out.add(e.getKey() + "=" + text);
        }
        return out;
    }

    private static String string(Map<String, Object> args, String name, boolean required) {
        Object v = args.get(name);
        if (v == null || (v instanceof String s && s.isBlank())) {
            if (required) throw AoException.usage("missing required argument '" + name + "'");
            return null;
        }
        if (!(v instanceof String s)) throw AoException.usage("argument '" + name + "' must be a string");
        return s;
    }

    private static int integer(Map<String, Object> args, String name, int dflt, int min, int max) {
        Object v = args.get(name);
        if (v == null) return dflt;
        long n = longValue(args, name);
        if (n < min || n > max) throw AoException.usage("argument '" + name + "' must be between " + min + " and " + max + ", got " + n);
        return (int) n;
    }

    private static long longValue(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        throw AoException.usage("argument '" + name + "' must be an integer, got " + v);
    }

    // ---- bounds

    static Map<String, Object> schema(String json) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new ObjectMapper().readValue(json, Map.class);
            return m;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} of at most {@code maxBytes} UTF-8 bytes, never splitting a surrogate pair. */
    static String cutUtf8(String s, int maxBytes) {
        if (s.length() <= maxBytes / 3 || utf8(s) <= maxBytes) return s;
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > maxBytes) break;
            bytes += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    /** The longest suffix of at most {@code maxBytes} UTF-8 bytes: the end of stderr says most. */
    static String cutUtf8FromEnd(String s, int maxBytes) {
        if (utf8(s) <= maxBytes) return s;
        int bytes = 0;
        int i = s.length();
        while (i > 0) {
            int cp = s.codePointBefore(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > maxBytes) break;
            bytes += n;
            i -= Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String bound(String s, int maxBytes) {
        if (utf8(s) <= maxBytes) return s;
        return cutUtf8(s, maxBytes - 8) + " […]";
    }

    private static String oneLine(String s, int max) {
        String one = SafeText.line(s == null ? "" : s).replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1).stripTrailing() + "…";
    }
}
