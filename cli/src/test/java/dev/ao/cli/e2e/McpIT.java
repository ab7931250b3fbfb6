package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.cli.mcp.SchemaValidator;
import dev.ao.testkit.TestProject;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ao mcp} as an agent meets it: the built jar as a real process, driven over stdio by the MCP Java SDK's own
 * client (and, where the raw bytes matter, by hand), running real scripts in the real sandbox.
 */
class McpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private final List<McpSyncClient> clients = new ArrayList<>();
    private final List<String> serverStderr = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        project = TestProject.create("mcp");
        project.write("skills/demo/greet/SKILL.md", "---\nname: greet\ndescription: Greets someone by name, a number of times.\n---\n"
                + "Use it to greet.\n\n" + "More know-how. ".repeat(600) + "\nTHE END\n");
        project.write("skills/demo/greet/script.json", """
                {"name": "greet", "description": "greets", "script_file": "greet.py",
                 "parameters_schema": {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string", "description": "who"},
                                  "count": {"type": "integer", "minimum": 1, "default": 1}}},
                 "demands": {"binaries": ["python3"]}, "timeout": 30}
                """);
        project.script("skills/demo/greet/greet.py", """
                #!/usr/bin/env python3
                import json, os
                p = json.load(open(os.environ["AO_PARAMS"]))
                for i in range(p["count"]):
                    print("hello", p["name"])
                with open(os.environ["AO_SUMMARY"], "w") as f:
                    f.write("greeted %s %d times\\n" % (p["name"], p["count"]))
                with open(os.environ["AO_OUTPUT"], "a") as f:
                    f.write("greeted=%s\\n" % p["name"])
                """);
        project.write("skills/demo/risky/SKILL.md", "---\nname: risky\ndescription: Deletes things, needs a person.\n---\nCareful.\n");
        project.write("skills/demo/risky/script.json", """
                {"name": "risky", "description": "risky", "script_file": "risky.sh", "risk": "approval_required", "timeout": 30}
                """);
        project.script("skills/demo/risky/risky.sh", "#!/bin/bash\necho ran > \"$AO_WORKSPACE/ran\"\necho ran\n");
        project.write("skills/demo/wide/SKILL.md", "---\nname: wide\ndescription: Wants the whole machine.\n---\nNo.\n");
        project.write("skills/demo/wide/script.json", """
                {"name": "wide", "description": "wide", "script_file": "wide.sh", "sandbox_mode": "danger-full-access", "timeout": 30}
                """);
        project.script("skills/demo/wide/wide.sh", "#!/bin/bash\ntouch /tmp/ao-mcp-wide-ran\necho ran\n");
        project.write("skills/demo/notes/SKILL.md", "---\nname: notes\ndescription: Know-how about greeting, no script.\n---\nSay hi.\n");
        project.giveToItUser();
    }

    @AfterEach
    void tearDown() {
        for (McpSyncClient c : clients) {
            try {
                c.closeGracefully();
            } catch (Exception ignored) {
                // the server is gone already
            }
        }
        project.close();
    }

    private McpSyncClient client() {
        List<String> args = new ArrayList<>(List.of("-c", "cd \"$0\" && exec \"$@\"", project.root().toString()));
        args.addAll(project.ao().command("mcp"));
        ServerParameters params = ServerParameters.builder("/bin/sh").args(args).env(project.ao().env()).build();
        StdioClientTransport transport = new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
        transport.setStdErrorHandler(serverStderr::add);
        // the SDK's default validator needs json-schema-validator 2.x; ao's (1.5) checks the structured results instead
        McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(180)).jsonSchemaValidator(new SchemaValidator()).build();
        clients.add(c);
        c.initialize();
        return c;
    }

    private static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
        return c.callTool(new McpSchema.CallToolRequest(tool, args));
    }

    private static String text(CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    private static JsonNode structured(CallToolResult r) {
        assertThat(r.isError()).as("tool error: %s", r.content()).isFalse();
        return JSON.valueToTree(r.structuredContent());
    }

    private static void assertBounded(CallToolResult r) throws Exception {
        assertThat(text(r).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
        if (r.structuredContent() != null) assertThat(JSON.writeValueAsBytes(r.structuredContent()).length).isLessThanOrEqualTo(16 * 1024);
    }

    private JsonNode runJson(String id) throws Exception {
        return JSON.readTree(project.runDir(id).resolve("run.json").toFile());
    }

    @Test
    void listsTheToolsEachWithADescriptionAndAClosedInputSchema() {
        McpSyncClient c = client();
        List<McpSchema.Tool> tools = c.listTools().tools();
        assertThat(tools).extracting(McpSchema.Tool::name).containsExactlyInAnyOrder("search_skills", "describe_skill", "run_skill",
                "run_script", "run_workflow", "get_run", "read_log", "cancel_run");
        for (McpSchema.Tool t : tools) {
            assertThat(t.description()).isNotBlank();
            assertThat(t.inputSchema().get("additionalProperties")).as(t.name()).isEqualTo(false);
            // nothing an agent can send widens the sandbox or approves a run
            assertThat(new ArrayList<Object>(((Map<?, ?>) t.inputSchema().get("properties")).keySet())).as(t.name())
                    .doesNotContain((Object[]) new String[] {"sandbox", "sandbox_mode", "allow_read", "allow_write", "approve", "workspace"});
        }
        assertThat(c.getServerInfo().name()).isEqualTo("ao");
        McpSchema.Tool wf = tools.stream().filter(t -> t.name().equals("run_workflow")).findFirst().orElseThrow();
        assertThat(wf.inputSchema().get("required")).isEqualTo(List.of("id"));
        assertThat(new ArrayList<Object>(((Map<?, ?>) wf.inputSchema().get("properties")).keySet())).containsExactlyInAnyOrder("id", "params", "wait_seconds");
        assertThat(new ArrayList<Object>(((Map<?, ?>) wf.outputSchema().get("properties")).keySet())).contains("run_id", "state", "exit_code", "summary", "jobs");
    }

    private void writeWorkflows() {
        project.write("skills/demo/fanout/SKILL.md", "---\nname: fanout\ndescription: Greets three people, then counts them.\n---\nA workflow.\n");
        project.write("skills/demo/fanout/workflow.yml", """
                name: fanout
                description: Greets three people, then counts them
                parameters_schema:
                  type: object
                  properties: {prefix: {type: string, default: hi}}
                  additionalProperties: false
                jobs:
                  greet:
                    for_each: ["ann", "bob", "cy"]
                    uses: demo/greet
                    with: {name: "${{ params.prefix }}-${{ item }}", count: 2}
                  count:
                    needs: [greet]
                    shell: bash
                    run: |
                      echo "counted $AO_PARAM_N" > "$AO_SUMMARY"
                      echo "total=$AO_PARAM_N" >> "$AO_OUTPUT"
                    with: {n: "${{ size(jobs.greet.outputs) }}"}
                summary: "greeted ${{ jobs.count.outputs.total }} people, first ${{ jobs.greet.outputs[0].greeted }}"
                """);
        project.write("skills/demo/gated/SKILL.md", "---\nname: gated\ndescription: Prepares, then does something a person approves.\n---\nx\n");
        project.write("skills/demo/gated/workflow.yml", """
                name: gated
                jobs:
                  prepare:
                    shell: bash
                    run: echo prepared
                  act:
                    needs: [prepare]
                    approval: true
                    for_each: [1, 2]
                    shell: bash
                    run: echo acted
                """);
        project.write("skills/demo/slow/SKILL.md", "---\nname: slow\ndescription: Sleeps in two jobs.\n---\nx\n");
        project.write("skills/demo/slow/workflow.yml", """
                name: slow
                jobs:
                  wait:
                    for_each: [1, 2]
                    shell: bash
                    run: sleep 60
                """);
        project.write("flows/broken.yml", """
                name: broken
                jobs:
                  a:
                    needs: [nosuch]
                    shell: bash
                    run: echo a
                """);
        project.giveToItUser();
    }

    @Test
    void runWorkflowRunsItsJobsAndHandsBackTheSummaryAndOneLinePerJob() throws Exception {
        writeWorkflows();
        McpSyncClient c = client();
        JsonNode hit = structured(call(c, "search_skills", Map.of("query", "greets three people"))).get("skills").get(0);
        assertThat(hit.get("id").asText()).isEqualTo("demo/fanout");
        assertThat(hit.get("risk").asText()).isEqualTo("auto");
        assertThat(text(call(c, "describe_skill", Map.of("id", "demo/fanout")))).contains("run_workflow").contains("prefix (string")
                .contains("greet (demo/greet) for_each");

        CallToolResult r = call(c, "run_workflow", Map.of("id", "demo/fanout", "params", Map.of("prefix", "yo"), "wait_seconds", 120));
        assertBounded(r);
        JsonNode s = structured(r);
        // on a failure, the reply itself says which job and why
        assertThat(s.get("state").asText()).as("%s\nserver stderr: %s", text(r), serverStderr).isEqualTo("succeeded");
        assertThat(s.get("exit_code").asInt()).isZero();
        assertThat(s.get("summary").asText()).isEqualTo("greeted 3 people, first yo-ann");
        JsonNode jobs = s.get("jobs");
        assertThat(jobs).hasSize(2);
        assertThat(s.get("jobs_total").asInt()).isEqualTo(2);
        assertThat(jobs.get(0).get("id").asText()).isEqualTo("greet");
        assertThat(jobs.get(0).get("state").asText()).isEqualTo("succeeded");
        assertThat(jobs.get(0).get("items").asInt()).isEqualTo(3);
        assertThat(jobs.get(0).get("succeeded").asInt()).isEqualTo(3);
        assertThat(jobs.get(1).get("id").asText()).isEqualTo("count");
        assertThat(jobs.get(1).get("summary").asText()).isEqualTo("counted 3");
        // the raw output of the children stays on disk
        assertThat(text(r)).contains("greeted 3 people").contains("jobs:").contains("greet succeeded 3/3 ok").contains("count succeeded — counted 3")
                .doesNotContain("hello yo-ann");
        String id = s.get("run_id").asText();
        JsonNode run = runJson(id);
        assertThat(run.get("origin").asText()).isEqualTo("mcp");
        assertThat(run.get("kind").asText()).isEqualTo("workflow");
        String child = jobs.get(0).get("last_run").asText();
        assertThat(runJson(child).get("parent").asText()).isEqualTo(id);
        assertThat(Files.readString(project.runDir(child).resolve("stdout.log"))).contains("hello yo-");
        // get_run on the workflow gives the same jobs
        JsonNode again = structured(call(c, "get_run", Map.of("run_id", id)));
        assertThat(again.get("jobs")).isEqualTo(jobs);
        assertThat(again.get("summary").asText()).isEqualTo("greeted 3 people, first yo-ann");
        // a script run's reply has no jobs
        assertThat(structured(call(c, "get_run", Map.of("run_id", child))).has("jobs")).isFalse();

        // checked before anything runs: bad parameters, a bad workflow, a script, a file outside the project
        int runsBefore = project.runIds().size();
        CallToolResult bad = call(c, "run_workflow", Map.of("id", "demo/fanout", "params", Map.of("colour", "red")));
        assertThat(bad.isError()).isTrue();
        assertThat(text(bad)).contains("colour");
        CallToolResult broken = call(c, "run_workflow", Map.of("id", "flows/broken.yml"));
        assertThat(broken.isError()).isTrue();
        assertThat(text(broken)).contains("broken.yml").contains("nosuch");
        CallToolResult script = call(c, "run_workflow", Map.of("id", "demo/greet"));
        assertThat(script.isError()).isTrue();
        assertThat(text(script)).contains("run_skill");
        Path outside = Files.createTempFile("ao-mcp-outside", ".yml");
        Files.writeString(outside, "name: o\njobs:\n  a:\n    shell: bash\n    run: echo a\n");
        CallToolResult far = call(c, "run_workflow", Map.of("id", outside.toString()));
        Files.delete(outside);
        assertThat(far.isError()).isTrue();
        assertThat(text(far)).contains("outside the project");
        assertThat(project.runIds()).hasSize(runsBefore);
    }

    @Test
    void aWorkflowJobThatNeedsApprovalWaitsForAPersonAndCancelRunStopsTheTree() throws Exception {
        writeWorkflows();
        McpSyncClient c = client();
        CallToolResult r = call(c, "run_workflow", Map.of("id", "demo/gated", "wait_seconds", 60));
        assertBounded(r);
        JsonNode s = structured(r);
        assertThat(s.get("state").asText()).isEqualTo("waiting_approval");
        assertThat(s.get("reason").asText()).contains("act");
        assertThat(s.get("next").asText()).contains("ao runs approve " + s.get("run_id").asText());
        assertThat(text(r)).contains("waiting_approval").contains("ao runs approve");
        JsonNode jobs = s.get("jobs");
        assertThat(jobs.get(0).get("state").asText()).isEqualTo("succeeded");
        assertThat(jobs.get(1).get("state").asText()).isEqualTo("waiting_approval");
        assertThat(jobs.get(1).get("last_run").isNull()).isTrue();
        String id = s.get("run_id").asText();
        Thread.sleep(1500);
        JsonNode still = structured(call(c, "get_run", Map.of("run_id", id, "wait_seconds", 2)));
        assertThat(still.get("state").asText()).isEqualTo("waiting_approval");
        assertThat(runJson(id).get("state").asText()).isEqualTo("waiting_approval");
        // nothing of the gated job ran: no child run, no file
        assertThat(project.runIds()).hasSize(2);
        assertThat(project.runDir(id).resolve("approval.json")).doesNotExist();

        // cancel_run on the workflow ends the gate and the tree
        JsonNode canceled = structured(call(c, "cancel_run", Map.of("run_id", id)));
        assertThat(canceled.get("state").asText()).isEqualTo("canceled");
        assertThat(canceled.get("jobs").get(1).get("state").asText()).isEqualTo("canceled");
        assertThat(project.runIds()).hasSize(2);

        JsonNode slow = structured(call(c, "run_workflow", Map.of("id", "demo/slow", "wait_seconds", 3)));
        assertThat(slow.get("state").asText()).isEqualTo("running");
        assertThat(slow.get("next").asText()).contains("get_run");
        String slowId = slow.get("run_id").asText();
        JsonNode stopped = structured(call(c, "cancel_run", Map.of("run_id", slowId)));
        assertThat(stopped.get("state").asText()).isEqualTo("canceled");
        assertThat(stopped.get("exit_code").asInt()).isEqualTo(130);
        // both items had started; each ended canceled with its workflow
        assertThat(project.runIds()).hasSize(5);
        long live = project.runIds().stream().filter(x -> {
            try {
                return !List.of("succeeded", "failed", "canceled", "timed_out", "rejected").contains(runJson(x).get("state").asText());
            } catch (Exception e) {
                return true;
            }
        }).count();
        assertThat(live).isZero();
    }

    @Test
    void searchFindsASkillAndDescribeGivesItsSchemaDemandsAndABoundedBody() throws Exception {
        McpSyncClient c = client();
        CallToolResult found = call(c, "search_skills", Map.of("query", "greet someone", "limit", 5));
        assertBounded(found);
        JsonNode hits = structured(found).get("skills");
        assertThat(hits.get(0).get("id").asText()).isEqualTo("demo/greet");
        assertThat(hits.get(0).get("runnable").asBoolean()).isTrue();
        assertThat(hits.get(0).get("risk").asText()).isEqualTo("auto");
        assertThat(text(found)).contains("demo/greet").contains("runnable");

        CallToolResult d = call(c, "describe_skill", Map.of("id", "demo/greet"));
        assertBounded(d);
        JsonNode s = structured(d);
        assertThat(s.at("/parameters_schema/required/0").asText()).isEqualTo("name");
        assertThat(s.at("/demands/binaries/0").asText()).isEqualTo("python3");
        assertThat(s.get("timeout").asInt()).isEqualTo(30);
        assertThat(s.get("risk").asText()).isEqualTo("auto");
        assertThat(s.get("truncated").asBoolean()).isTrue();
        assertThat(text(d)).contains("name (string, required)").contains("Use it to greet").doesNotContain("THE END")
                .contains("\"offset\": ");
        // the body pages on to its end
        int offset = s.get("body_next_offset").asInt();
        StringBuilder rest = new StringBuilder();
        for (int i = 0; i < 10 && offset > 0; i++) {
            JsonNode more = structured(call(c, "describe_skill", Map.of("id", "demo/greet", "offset", offset)));
            rest.append(more.get("body").asText());
            offset = more.get("body_next_offset").isNull() ? -1 : more.get("body_next_offset").asInt();
        }
        assertThat(rest.toString()).contains("THE END");
    }

    @Test
    void runSkillHandsBackTheSummaryAndOutputsAndRecordsAnMcpRun() throws Exception {
        McpSyncClient c = client();
        CallToolResult r = call(c, "run_skill", Map.of("id", "demo/greet", "params", Map.of("name", "Ada", "count", 3)));
        assertBounded(r);
        JsonNode s = structured(r);
        assertThat(s.get("state").asText()).isEqualTo("succeeded");
        assertThat(s.get("exit_code").asInt()).isZero();
        assertThat(s.get("summary").asText()).isEqualTo("greeted Ada 3 times");
        assertThat(s.at("/outputs/greeted").asText()).isEqualTo("Ada");
        assertThat(s.get("duration_ms").asLong()).isPositive();
        assertThat(s.get("truncated").asBoolean()).isFalse();
        // only the summary comes back; the raw output stays in the run's folder
        assertThat(text(r)).contains("greeted Ada 3 times").doesNotContain("hello Ada");
        String id = s.get("run_id").asText();
        JsonNode run = runJson(id);
        assertThat(run.get("origin").asText()).isEqualTo("mcp");
        assertThat(run.get("state").asText()).isEqualTo("succeeded");
        assertThat(run.at("/sandbox/mode").asText()).isEqualTo("workspace-write");
        assertThat(Files.readString(project.runDir(id).resolve("stdout.log"))).contains("hello Ada\nhello Ada\nhello Ada");
        // a CLI run still says cli
        assertThat(project.ao().run("run", "demo/greet", "-p", "name=Bob").exit()).isZero();
        String cliRun = project.runIds().stream().filter(x -> !x.equals(id)).findFirst().orElseThrow();
        assertThat(runJson(cliRun).get("origin").asText()).isEqualTo("cli");
        assertThat(JSON.readTree(project.ao().run("runs", "show", id, "-o", "json").stdout()).get("origin").asText()).isEqualTo("mcp");
    }

    @Test
    void runScriptRunsPythonAndBashInTheSandboxWithParamsAndNoNetwork() throws Exception {
        McpSyncClient c = client();
        CallToolResult py = call(c, "run_script", Map.of("language", "python", "params", Map.of("n", 4), "code", """
                import json, os, socket
                n = json.load(open(os.environ["AO_PARAMS"]))["n"]
                try:
                    socket.create_connection(("1.1.1.1", 53), timeout=2); net = "on"
                except OSError:
                    net = "off"
                open(os.environ["AO_OUTPUT"], "a").write("uid=%d\\nnet=%s\\n" % (os.getuid(), net))
                print("squares", [i * i for i in range(n)])
                """));
        assertBounded(py);
        JsonNode p = structured(py);
        assertThat(p.get("state").asText()).isEqualTo("succeeded");
        assertThat(p.get("summary").asText()).isEqualTo("squares [0, 1, 4, 9]");
        assertThat(p.at("/outputs/net").asText()).isEqualTo("off");
        if (dev.ao.testkit.Ao.itUid().isEmpty() && "root".equals(System.getProperty("user.name"))) {
            assertThat(p.at("/outputs/uid").asText()).isEqualTo("61000");
        }
        JsonNode pyRun = runJson(p.get("run_id").asText());
        assertThat(pyRun.get("origin").asText()).isEqualTo("mcp");
        assertThat(pyRun.get("script").asText()).contains("/.ao/mcp/").endsWith(".py");

        CallToolResult sh = call(c, "run_script", Map.of("language", "bash", "params", Map.of("who", "world"), "code", """
                echo "args: $*"
                echo "env: $AO_PARAM_WHO"
                echo "mcp folder: $(ls "$(dirname "$0")/.." | tr '\\n' ' ')"
                echo "runs folder: $(ls "$(dirname "$0")/../../runs" 2>&1 | tr '\\n' ' ')"
                echo "hello $AO_PARAM_WHO" > "$AO_SUMMARY"
                """));
        JsonNode b = structured(sh);
        assertThat(b.get("state").asText()).isEqualTo("succeeded");
        assertThat(b.get("summary").asText()).isEqualTo("hello world");
        String out = Files.readString(project.runDir(b.get("run_id").asText()).resolve("stdout.log"));
        assertThat(out).contains("args: --who world").contains("env: world");
        // the store stays hidden: of the earlier python run, neither its script folder nor its run folder shows
        String pyRunId = p.get("run_id").asText();
        String pyScriptDir = Path.of(pyRun.get("script").asText()).getParent().getFileName().toString();
        assertThat(out).contains("mcp folder: ").contains("runs folder: ").doesNotContain(pyRunId).doesNotContain(pyScriptDir);
        assertThat(Files.list(project.root().resolve(".ao/mcp")).map(x -> x.getFileName().toString()).toList()).contains(pyScriptDir);

        // network only where a person's config allows it
        CallToolResult net = call(c, "run_script", Map.of("language", "bash", "code", "echo hi", "network", true));
        assertThat(net.isError()).isTrue();
        assertThat(text(net)).contains("[mcp] allow_network is false");
    }

    @Test
    void aRunLongerThanWaitSecondsComesBackRunningAndGetRunFollowsItToTheEnd() throws Exception {
        McpSyncClient c = client();
        JsonNode first = structured(call(c, "run_script", Map.of("language", "bash", "wait_seconds", 1,
                "code", "sleep 4\necho slept")));
        assertThat(first.get("state").asText()).isIn("queued", "running");
        assertThat(first.get("next").asText()).contains("get_run");
        String id = first.get("run_id").asText();
        JsonNode now = first;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!now.get("state").asText().equals("succeeded") && System.nanoTime() < until) {
            now = structured(call(c, "get_run", Map.of("run_id", id, "wait_seconds", 2)));
        }
        assertThat(now.get("state").asText()).isEqualTo("succeeded");
        assertThat(now.get("summary").asText()).isEqualTo("slept");
        assertThat(now.get("duration_ms").asLong()).isGreaterThanOrEqualTo(4000);

        // cancel_run stops one that is still going
        String slow = structured(call(c, "run_script", Map.of("language", "bash", "wait_seconds", 0, "code", "sleep 60"))).get("run_id").asText();
        JsonNode canceled = structured(call(c, "cancel_run", Map.of("run_id", slow)));
        assertThat(canceled.get("state").asText()).isEqualTo("canceled");
        assertThat(runJson(slow).get("state").asText()).isEqualTo("canceled");
    }

    @Test
    void readLogPagesThroughFiftyMebibytesByOffsetAndGreps() throws Exception {
        McpSyncClient c = client();
        JsonNode run = structured(call(c, "run_script", Map.of("language", "python", "wait_seconds", 120, "code", """
                import sys
                line = "x" * 99 + "\\n"
                block = line * 10000
                for i in range(54):
                    sys.stdout.write(block)
                    if i == 40: sys.stdout.write("MARKER found here\\n")
                print("done")
                """)));
        assertThat(run.get("state").asText()).isEqualTo("succeeded");
        String id = run.get("run_id").asText();
        long size = Files.size(project.runDir(id).resolve("stdout.log"));
        assertThat(size).isGreaterThan(50L << 20);

        CallToolResult firstPage = call(c, "read_log", Map.of("run_id", id, "stream", "stdout", "offset", 0, "max_bytes", 4096));
        assertBounded(firstPage);
        JsonNode p1 = structured(firstPage);
        assertThat(p1.get("offset").asLong()).isZero();
        assertThat(p1.get("text").asText()).hasSizeLessThanOrEqualTo(4096).startsWith("xxxx").endsWith("\n");
        assertThat(p1.get("next_offset").asLong()).isEqualTo(p1.get("text").asText().length()).isGreaterThan(2048);
        assertThat(p1.get("eof").asBoolean()).isFalse();
        assertThat(p1.get("size").asLong()).isEqualTo(size);
        // the next page starts where the last one stopped, each one whole lines
        JsonNode p2 = structured(call(c, "read_log", Map.of("run_id", id, "offset", p1.get("next_offset").asLong(), "max_bytes", 1000)));
        assertThat(p2.get("offset").asLong()).isEqualTo(p1.get("next_offset").asLong());
        assertThat(p2.get("text").asText()).isEqualTo(("x".repeat(99) + "\n").repeat(10));
        assertThat(p2.get("next_offset").asLong()).isEqualTo(p1.get("next_offset").asLong() + 1000);

        JsonNode middle = structured(call(c, "read_log", Map.of("run_id", id, "offset", 25L << 20, "max_bytes", 300)));
        assertThat(middle.get("offset").asLong()).isEqualTo(25L << 20);
        assertThat(middle.get("next_offset").asLong() - middle.get("offset").asLong()).isLessThanOrEqualTo(300);

        JsonNode tail = structured(call(c, "read_log", Map.of("run_id", id, "offset", -5)));
        assertThat(tail.get("text").asText()).isEqualTo("done\n");
        assertThat(tail.get("next_offset").asLong()).isEqualTo(size);
        assertThat(tail.get("eof").asBoolean()).isTrue();

        CallToolResult grep = call(c, "read_log", Map.of("run_id", id, "grep", "MARKER"));
        assertBounded(grep);
        JsonNode g = structured(grep);
        assertThat(g.get("text").asText()).matches("\\d+: MARKER found here\\n");
        assertThat(g.get("eof").asBoolean()).isTrue();
        long at = Long.parseLong(g.get("text").asText().split(":")[0]);
        JsonNode there = structured(call(c, "read_log", Map.of("run_id", id, "offset", at, "max_bytes", 18)));
        assertThat(there.get("text").asText()).isEqualTo("MARKER found here\n");
    }

    @Test
    void anApprovalRequiredRunWaitsForAPersonAndNothingInMcpApprovesIt() throws Exception {
        McpSyncClient c = client();
        JsonNode r = structured(call(c, "run_skill", Map.of("id", "demo/risky", "wait_seconds", 20)));
        assertThat(r.get("state").asText()).isEqualTo("waiting_approval");
        assertThat(r.get("reason").asText()).contains("approval_required");
        assertThat(r.get("next").asText()).contains("ao runs approve");
        String id = r.get("run_id").asText();
        // arguments that would approve or widen are refused by the schema, not ignored
        CallToolResult sneaky = call(c, "run_skill", Map.of("id", "demo/risky", "approve", true));
        assertThat(sneaky.isError()).isTrue();
        CallToolResult wide = call(c, "run_script", Map.of("language", "bash", "code", "echo", "sandbox", "danger-full-access"));
        assertThat(wide.isError()).isTrue();
        Thread.sleep(1500);
        JsonNode still = structured(call(c, "get_run", Map.of("run_id", id, "wait_seconds", 2)));
        assertThat(still.get("state").asText()).isEqualTo("waiting_approval");
        assertThat(runJson(id).get("state").asText()).isEqualTo("waiting_approval");
        assertThat(project.runDir(id).resolve("approval.json")).doesNotExist();
        assertThat(project.runDir(id).resolve("workspace/ran")).doesNotExist();
        // a person approves it from the command line; the server's run goes on
        assertThat(project.ao().run("runs", "approve", id).exit()).isZero();
        JsonNode done = structured(call(c, "get_run", Map.of("run_id", id, "wait_seconds", 30)));
        assertThat(done.get("state").asText()).isEqualTo("succeeded");
        assertThat(runJson(id).at("/approval/by").asText()).contains("via ao runs approve");

        // a danger-full-access skill is refused outright
        CallToolResult danger = call(c, "run_skill", Map.of("id", "demo/wide"));
        assertThat(danger.isError()).isTrue();
        assertThat(text(danger)).contains("danger-full-access").contains("never runs a script unsandboxed");
        assertThat(Path.of("/tmp/ao-mcp-wide-ran")).doesNotExist();
    }

    @Test
    void badArgumentsAreToolErrorsWithTheLineTheCliPrints() {
        McpSyncClient c = client();
        String cliUnknownSkill = cliError("skill", "show", "demo/nosuch");
        CallToolResult unknown = call(c, "describe_skill", Map.of("id", "demo/nosuch"));
        assertThat(unknown.isError()).isTrue();
        assertThat(text(unknown)).isEqualTo(cliUnknownSkill);
        assertThat(text(call(c, "run_skill", Map.of("id", "demo/nosuch")))).isEqualTo(cliUnknownSkill);

        String cliBadParams = cliError("run", "demo/greet", "-p", "count=zero", "-p", "colour=red");
        CallToolResult bad = call(c, "run_skill", Map.of("id", "demo/greet", "params", Map.of("count", "zero", "colour", "red")));
        assertThat(bad.isError()).isTrue();
        assertThat(text(bad)).isEqualTo(cliBadParams).contains("missing required parameter 'name'");

        String cliNoRun = cliError("runs", "show", "19990101-nosuch");
        CallToolResult noRun = call(c, "get_run", Map.of("run_id", "19990101-nosuch"));
        assertThat(noRun.isError()).isTrue();
        assertThat(text(noRun)).isEqualTo(cliNoRun);
        assertThat(text(call(c, "read_log", Map.of("run_id", "19990101-nosuch")))).isEqualTo(cliNoRun);

        CallToolResult knowHow = call(c, "run_skill", Map.of("id", "demo/notes"));
        assertThat(knowHow.isError()).isTrue();
        assertThat(text(knowHow)).contains("know-how only");
        assertThat(call(c, "read_log", Map.of("run_id", "x", "grep", "(")).isError()).isTrue();
        // and the server is still there
        assertThat(c.listTools().tools()).hasSize(8);
        assertThat(project.runIds()).isEmpty();
    }

    private String cliError(String... args) {
        var r = project.ao().run(args);
        assertThat(r.exit()).as(r.toString()).isNotZero();
        String line = r.err().strip();
        assertThat(line).startsWith("ao: ");
        return line.substring(4);
    }

    @Test
    void stdoutCarriesOnlyJsonRpcWhateverTheScriptPrintsAndAMalformedLineIsAnsweredNotFatal() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(project.ao().command("mcp")).directory(project.root().toFile());
        pb.environment().putAll(project.ao().env());
        pb.redirectError(project.base().resolve("mcp-stderr.txt").toFile());
        Process p = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) lines.add(l);
            } catch (Exception ignored) {
                // the process ended
            }
        });
        String noisy = """
                import sys
                for i in range(20000):
                    print("out line %d \\x1b[31mred\\x1b[0m {\\"jsonrpc\\": \\"2.0\\", \\"id\\": 99}" % i)
                    print("err line %d" % i, file=sys.stderr)
                print("the end")
                """;
        try (OutputStream in = p.getOutputStream()) {
            send(in, Map.of("jsonrpc", "2.0", "id", 1, "method", "initialize", "params", Map.of("protocolVersion", "2025-06-18",
                    "capabilities", Map.of(), "clientInfo", Map.of("name", "raw", "version", "1"))));
            send(in, Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
            in.write("{this is not json\n".getBytes(StandardCharsets.UTF_8));
            in.write("{\"jsonrpc\":\"2.0\",\"id\":7}\n".getBytes(StandardCharsets.UTF_8));
            send(in, Map.of("jsonrpc", "2.0", "id", 2, "method", "tools/call", "params", Map.of("name", "run_script",
                    "arguments", Map.of("language", "python", "code", noisy))));
            send(in, Map.of("jsonrpc", "2.0", "id", 3, "method", "tools/list"));
            in.flush();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (lines.stream().noneMatch(l -> l.contains("\"id\":2,")) && System.nanoTime() < until) Thread.sleep(100);
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("ao mcp ends when its input does").isTrue();
        reader.get(10, TimeUnit.SECONDS);
        assertThat(lines).hasSize(5);
        for (String l : lines) {
            JsonNode n = JSON.readTree(l);
            assertThat(n.get("jsonrpc").asText()).isEqualTo("2.0");
            assertThat(n.has("result") || n.has("error")).isTrue();
        }
        List<JsonNode> msgs = lines.stream().map(l -> { try { return JSON.readTree(l); } catch (Exception e) { throw new AssertionError(e); } }).toList();
        assertThat(msgs).anySatisfy(n -> assertThat(n.at("/error/code").asInt()).isEqualTo(-32700));
        assertThat(msgs).anySatisfy(n -> {
            assertThat(n.get("id").asInt()).isEqualTo(7);
            assertThat(n.at("/error/code").asInt()).isEqualTo(-32600);
        });
        JsonNode run = msgs.stream().filter(n -> n.path("id").asInt() == 2).findFirst().orElseThrow();
        assertThat(run.at("/result/structuredContent/state").asText()).isEqualTo("succeeded");
        assertThat(run.at("/result/structuredContent/summary").asText()).isEqualTo("the end");
        assertThat(msgs.stream().filter(n -> n.path("id").asInt() == 3).findFirst().orElseThrow().at("/result/tools").size()).isEqualTo(8);
    }

    private static void send(OutputStream in, Object msg) throws Exception {
        in.write(JSON.writeValueAsBytes(msg));
        in.write('\n');
        in.flush();
    }

    @Test
    void callsFromTwoThreadsRunAtOnceAndBothComeBack() throws Exception {
        McpSyncClient c = client();
        CompletableFuture<CallToolResult> a = CompletableFuture.supplyAsync(() -> call(c, "run_script",
                Map.of("language", "bash", "code", "sleep 3; echo A")));
        CompletableFuture<CallToolResult> b = CompletableFuture.supplyAsync(() -> call(c, "run_script",
                Map.of("language", "python", "code", "import time; time.sleep(3); print('B')")));
        CompletableFuture<CallToolResult> search = CompletableFuture.supplyAsync(() -> call(c, "search_skills", Map.of("query", "greet")));
        JsonNode ra = structured(a.get(120, TimeUnit.SECONDS));
        JsonNode rb = structured(b.get(120, TimeUnit.SECONDS));
        assertThat(structured(search.get(120, TimeUnit.SECONDS)).get("skills")).isNotEmpty();
        assertThat(ra.get("summary").asText()).isEqualTo("A");
        assertThat(rb.get("summary").asText()).isEqualTo("B");
        assertThat(ra.get("run_id").asText()).isNotEqualTo(rb.get("run_id").asText());
        // they overlapped: each started before the other ended
        JsonNode ja = runJson(ra.get("run_id").asText());
        JsonNode jb = runJson(rb.get("run_id").asText());
        assertThat(Instant.parse(ja.get("started_at").asText())).isBefore(Instant.parse(jb.get("ended_at").asText()));
        assertThat(Instant.parse(jb.get("started_at").asText())).isBefore(Instant.parse(ja.get("ended_at").asText()));
    }
}
