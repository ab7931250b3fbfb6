package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Parameters, secrets, injection and every bad input: the exit code, one line, nothing half-written. */
class InputsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("inputs");
        project.write("skills/demo/greet/SKILL.md", "---\nname: greet\ndescription: Greets someone, counting.\n---\nBody.\n");
        project.write("skills/demo/greet/script.json", """
                {"name": "greet", "description": "greets", "script_file": "greet.py",
                 "parameters_schema": {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 1, "default": 1},
                                  "loud": {"type": "boolean", "default": false},
                                  "tags": {"type": "array", "items": {"type": "string"}},
                                  "mode": {"type": "string", "enum": ["fast", "slow"]},
                                  "token": {"type": "string", "secret": true}}},
                 "demands": {"binaries": ["python3"]}, "timeout": 30}
                """);
        project.script("skills/demo/greet/greet.py", """
                #!/usr/bin/env python3
                import json, os, sys
                params = json.load(open(os.environ["AO_PARAMS"]))
                token = params.get("token") or ""
                argv_has_secret = bool(token) and any(token in a for a in sys.argv)
                cmdline = open("/proc/self/cmdline", "rb").read().decode()
                report = {"argv": sys.argv[1:], "params": params,
                          "env_name": os.environ.get("AO_PARAM_NAME"),
                          "argv_has_secret": argv_has_secret or (bool(token) and token in cmdline)}
                with open(os.path.join(os.environ["AO_WORKSPACE"], "report.json"), "w") as f:
                    json.dump(report, f)
                print("token is", token)
                print("token on stderr", token, file=sys.stderr)
                with open(os.environ["AO_OUTPUT"], "a") as f:
                    f.write("token=" + token + "\\n")
                with open(os.environ["AO_SUMMARY"], "w") as f:
                    f.write("hello %s x%d (token %s)\\n" % (params["name"], params["count"], token))
                """);
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private JsonNode report(String id) throws Exception {
        return JSON.readTree(project.runDir(id).resolve("workspace/report.json").toFile());
    }

    @Test
    void parametersArriveTypedThreeWays() throws Exception {
        Ao.Result r = project.ao().run("run", "demo/greet", "-p", "name=Ada", "-p", "count=3", "-p", "loud=true",
                "-p", "tags=a,b", "--keep-workspace");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("hello Ada x3 (token )\n");
        JsonNode rep = report(project.runIds().get(0));
        assertThat(rep.path("params").path("count").isInt()).isTrue();
        assertThat(rep.path("params").path("loud").asBoolean()).isTrue();
        assertThat(rep.path("params").path("tags")).hasSize(2);
        assertThat(rep.path("env_name").asText()).isEqualTo("Ada");
        assertThat(rep.path("argv").toString()).isEqualTo("[\"--name\",\"Ada\",\"--count\",\"3\",\"--loud\",\"--tags\",\"a\",\"--tags\",\"b\"]");
    }

    @Test
    void secretParameterIsInNoFileNoOutputAndNotInArgv() throws Exception {
        String secret = "hunter2-" + System.nanoTime();
        Ao.Result r = project.ao().run("run", "greet", "-p", "name=Ada", "-p", "token=" + secret, "--keep-workspace");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout() + r.stderr()).doesNotContain(secret).contains("token ***");
        String id = project.runIds().get(0);
        JsonNode rep = report(id);
        assertThat(rep.path("argv_has_secret").asBoolean()).as("secret must not be on the command line").isFalse();
        // the workspace is the script's own output; everything ao stored must be clean
        for (Path f : TestProject.filesUnder(project.runDir(id))) {
            if (f.startsWith(project.runDir(id).resolve("workspace"))) continue;
            assertThat(project.read(f)).as(f.toString()).doesNotContain(secret);
        }
        JsonNode run = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
        assertThat(run.path("params").path("token").asText()).isEqualTo("***");
        assertThat(run.path("outputs").path("token").asText()).isEqualTo("***");
        assertThat(project.read(project.runDir(id).resolve("stdout.log"))).contains("token is ***");
        assertThat(project.read(project.runDir(id).resolve("stderr.log"))).contains("token on stderr ***");
        Ao.Result json = project.ao().run("runs", "show", id, "-o", "json");
        assertThat(json.stdout()).doesNotContain(secret);
    }

    @Test
    void injectionAttemptsArriveAsLiteralStrings() throws Exception {
        Path canary = project.write("canary.txt", "still here");
        List<String> evil = List.of("x; rm -rf " + canary, "$(touch pwned)", "`touch pwned2`", "a\nb; touch pwned3", "' \" $HOME");
        for (String v : evil) {
            Ao.Result r = project.ao().run("run", "greet", "-p", "name=" + v, "--keep-workspace");
            assertThat(r.exit()).as(r.toString()).isZero();
            String id = project.runIds().get(project.runIds().size() - 1);
            JsonNode rep = report(id);
            assertThat(rep.path("params").path("name").asText()).isEqualTo(v);
            assertThat(rep.path("env_name").asText()).isEqualTo(v);
            assertThat(rep.path("argv").get(1).asText()).isEqualTo(v);
            Path ws = project.runDir(id).resolve("workspace");
            assertThat(ws.resolve("pwned")).doesNotExist();
            assertThat(ws.resolve("pwned2")).doesNotExist();
            assertThat(ws.resolve("pwned3")).doesNotExist();
        }
        assertThat(canary).hasContent("still here");
    }

    private void assertRefused(Ao.Result r, int code, String... fragments) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(code);
        assertThat(r.stderr().strip().lines().count()).as("one line: " + r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("ao: ");
        for (String f : fragments) assertThat(r.stderr()).contains(f);
        assertThat(r.stdout()).isEmpty();
        assertThat(project.runIds()).as("nothing ran, nothing recorded").isEmpty();
    }

    @Test
    void everyFailingParameterIsReportedAtOnce() {
        Ao.Result r = project.ao().run("run", "greet", "-p", "count=abc", "-p", "mode=medium", "-p", "nope=1");
        assertRefused(r, 2, "parameter 'count' must be an integer, got \"abc\"", "unknown parameter 'nope'");
        Ao.Result v = project.ao().run("run", "greet", "-p", "count=0", "-p", "mode=medium");
        assertRefused(v, 2, "missing required parameter 'name'", "parameter 'count'", "parameter 'mode'");
    }

    @Test
    void badInputsGetTheirExitCodes() {
        assertRefused(project.ao().run("run", "no-such-skill"), 2, "no skill or script named 'no-such-skill'");
        assertRefused(project.ao().run("run", "greet", "-p", "justakey"), 2, "must be key=value");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x", "--timeout", "0"), 2, "--timeout");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x", "--sandbox", "yolo"), 2, "'yolo'");
        assertRefused(project.ao().run("run", "greet", "--bogus-flag"), 2, "--bogus-flag");

        project.script("tool.rb", "#!/usr/bin/env ruby\nputs 1\n");
        assertRefused(project.ao().run("run", "tool.rb"), 126, "extension '.rb' is not in [scripts] allowed_extensions");

        project.write("skills/needs/script.json", "{\"script_file\": \"n.sh\", \"demands\": {\"binaries\": [\"definitely-not-a-binary\"]}}");
        project.write("skills/needs/SKILL.md", "---\nname: needs\ndescription: d\n---\n");
        project.script("skills/needs/n.sh", "#!/bin/bash\ntouch ran\n");
        assertRefused(project.ao().run("run", "needs"), 127, "'definitely-not-a-binary'");

        project.write("skills/envy/script.json", "{\"script_file\": \"n.sh\", \"demands\": {\"env\": [\"AO_TEST_MISSING_VAR\"]}}");
        project.write("skills/envy/SKILL.md", "---\nname: envy\ndescription: d\n---\n");
        project.script("skills/envy/n.sh", "#!/bin/bash\ntrue\n");
        assertRefused(project.ao().run("run", "envy"), 127, "AO_TEST_MISSING_VAR");

        project.write("skills/broken/script.json", "{\"script_file\": \"b.sh\",\n \"timeout\": }");
        project.write("skills/broken/SKILL.md", "---\nname: broken\ndescription: d\n---\n");
        assertRefused(project.ao().run("run", "broken"), 2, "script.json:2", "not valid JSON");
    }

    @Test
    void badConfigIsOneLineWithFileLineAndKey() {
        project.config("[scripts]\nexecution_timeout = 30\nexecutoin_timeout = 5\n");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x"), 2, "config.toml:3", "unknown key 'scripts.executoin_timeout'");
        project.config("[scripts]\nexecution_timeout = \"soon\"\n");
        assertRefused(project.ao().run("config", "show"), 2, "config.toml:2", "'scripts.execution_timeout' must be an integer");
        project.config("[scripts\nexecution_timeout = 1\n");
        assertRefused(project.ao().run("config", "show"), 2, "config.toml:1", "TOML syntax error");
        project.config("sandbox_mode = \"sideways\"\n");
        assertRefused(project.ao().run("config", "show"), 2, "config.toml:1", "sideways");
    }

    @Test
    void configLayersAndOrigins() throws Exception {
        project.config("""
                model = "o3"
                approval_policy = "on-request"
                [execution_environment]
                sandbox_mode = "read-only"
                [scripts]
                execution_timeout = 42
                """);
        Files.createDirectories(project.home().resolve(".config/ao"));
        Files.writeString(project.home().resolve(".config/ao/config.toml"), "[scripts]\nexecution_timeout = 7\ncleanup_after_run = false\n");
        Ao ao = project.ao().env("AO_SANDBOX_WORKSPACE_WRITE_NETWORK_ACCESS", "true");
        JsonNode c = JSON.readTree(ao.run("config", "show", "-o", "json").stdout());
        JsonNode v = c.path("values");
        assertThat(v.path("sandbox_mode").path("value").asText()).isEqualTo("read-only");
        assertThat(v.path("sandbox_mode").path("origin").asText()).endsWith("dotcodex/config.toml:4");
        assertThat(v.path("scripts.execution_timeout").path("value").asInt()).isEqualTo(42);
        assertThat(v.path("scripts.cleanup_after_run").path("value").asBoolean()).isFalse();
        assertThat(v.path("scripts.cleanup_after_run").path("origin").asText()).contains(".config/ao/config.toml:3");
        assertThat(v.path("sandbox_workspace_write.network_access").path("origin").asText()).isEqualTo("env AO_SANDBOX_WORKSPACE_WRITE_NETWORK_ACCESS");
        assertThat(v.path("scripts.allowed_extensions").path("origin").asText()).isEqualTo("default");
        Ao.Result paths = ao.run("config", "path");
        assertThat(paths.stdout().lines().toList()).hasSize(2);
        assertThat(paths.stdout()).contains(".config/ao/config.toml").contains("dotcodex/config.toml");

        project.script("t.sh", "#!/bin/bash\nsleep 30\n");
        Ao.Result timed = ao.env("AO_SCRIPTS_EXECUTION_TIMEOUT", "1").run("run", "t.sh");
        assertThat(timed.exit()).isEqualTo(124);
        assertThat(timed.stderr()).contains("timed out after 1 s");
    }

    /** A skill whose parameters_schema is {@code schema}; its script would leave a mark if it ever ran. */
    private void schemaSkill(String name, String schema) {
        project.write("skills/" + name + "/SKILL.md", "---\nname: " + name + "\ndescription: d\n---\nBody.\n");
        project.write("skills/" + name + "/script.json", "{\"script_file\": \"s.sh\",\n \"parameters_schema\": " + schema + "}");
        project.script("skills/" + name + "/s.sh", "#!/bin/bash\ntouch \"$AO_CWD/ran-" + name + "\"\n");
    }

    @Test
    void aSchemaRefIsNeverFetchedByRunValidateOrLint() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "{\"type\": \"string\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/s.json";
            schemaSkill("remote", "{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"" + url + "\"}}}");
            assertRefused(project.ao().run("run", "remote", "-p", "x=1"), 2,
                    "script.json: parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got \"" + url + "\"");
            Ao.Result v = project.ao().run("script", "validate", "skills/remote");
            assertThat(v.exit()).as(v.toString()).isEqualTo(2);
            assertThat(v.stdout() + v.stderr()).contains("script.json:2: error: parameters_schema.properties.x.$ref: only local references");
            Ao.Result l = project.ao().run("skill", "lint", "skills/remote");
            assertThat(l.exit()).as(l.toString()).isNotZero();
            assertThat(l.stdout() + l.stderr()).contains("script.json:2: error: parameters_schema.properties.x.$ref");
            // $schema is loaded too when it is not a draft ao knows
            schemaSkill("meta", "{\"$schema\": \"" + url + "\", \"type\": \"object\"}");
            assertRefused(project.ao().run("run", "meta"), 2, "parameters_schema.$schema");
            assertThat(requests).as("ao fetched the schema").hasValue(0);
            assertThat(project.root().resolve("ran-remote")).doesNotExist();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aFifoRefCycleOrBadRegexIsOneLineAtOnce() throws Exception {
        Path fifo = project.root().resolve("schema.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        schemaSkill("fifo", "{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"" + fifo.toUri() + "\"}}}");
        long start = System.nanoTime();
        assertRefused(project.ao().run(30, "run", "fifo", "-p", "x=1"), 2, "parameters_schema.properties.x.$ref", fifo.toUri().toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));

        schemaSkill("cycle", "{\"type\": \"object\", \"properties\": {\"x\": {\"$ref\": \"#/$defs/a\"}}, \"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}}");
        assertRefused(project.ao().run("run", "cycle", "-p", "x=1"), 2, "parameters_schema.$defs.a.$ref: reference cycle");
        schemaSkill("self", "{\"$ref\": \"#\"}");
        assertRefused(project.ao().run("run", "self"), 2, "parameters_schema.$ref: reference cycle");
        schemaSkill("regex", "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\", \"pattern\": \"((\"}}}");
        assertRefused(project.ao().run("run", "regex", "-p", "x=1"), 2, "parameters_schema.properties.x.pattern: not a valid regular expression");
        Ao.Result v = project.ao().run("script", "validate", "skills/regex", "skills/cycle");
        assertThat(v.exit()).as(v.toString()).isEqualTo(2);
        assertThat(v.stdout() + v.stderr()).contains("reference cycle").contains("not a valid regular expression").doesNotContain("Exception");
    }

    @Test
    void secretsComeFromFilesOrEnvAndNeverShowInErrors() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        project.write("token.txt", secret + "\n");
        Ao.Result f = project.ao().run("run", "greet", "-p", "name=Ada", "-p", "token=@token.txt", "--keep-workspace");
        assertThat(f.exit()).as(f.toString()).isZero();
        assertThat(report(project.runIds().get(0)).path("params").path("token").asText()).isEqualTo(secret);
        assertThat(f.stdout() + f.stderr()).doesNotContain(secret);
        Ao.Result e = project.ao().env("MY_TOKEN", secret).run("run", "greet", "-p", "name=Ada", "-p", "token=env:MY_TOKEN", "--keep-workspace");
        assertThat(e.exit()).as(e.toString()).isZero();
        assertThat(report(project.runIds().get(1)).path("params").path("token").asText()).isEqualTo(secret);
        Ao.Result lit = project.ao().run("run", "greet", "-p", "name=@@ada", "--keep-workspace");
        assertThat(report(project.runIds().get(2)).path("params").path("name").asText()).as(lit.toString()).isEqualTo("@ada");
        for (String id : project.runIds()) {
            for (Path file : TestProject.filesUnder(project.runDir(id))) {
                if (!file.startsWith(project.runDir(id).resolve("workspace"))) assertThat(project.read(file)).as(file.toString()).doesNotContain(secret);
            }
        }
        deleteRuns();

        assertRefused(project.ao().run("run", "greet", "-p", "name=x", "-p", "token=@missing.txt"), 2,
                "parameter 'token': no such file " + project.root().resolve("missing.txt"));
        assertRefused(project.ao().run("run", "greet", "-p", "name=x", "-p", "token=env:AO_TEST_UNSET"), 2,
                "parameter 'token'", "'AO_TEST_UNSET' is not set");
        Files.write(project.root().resolve("nul.txt"), new byte[] {'a', 0, 'b'});
        assertRefused(project.ao().run("run", "greet", "-p", "name=@nul.txt"), 2, "parameter 'name' contains a NUL byte");

        project.write("skills/vault/SKILL.md", "---\nname: vault\ndescription: d\n---\nBody.\n");
        project.write("skills/vault/script.json", "{\"script_file\": \"v.sh\", \"parameters_schema\": {\"type\": \"object\", \"required\": [\"pin\"],"
                + " \"properties\": {\"pin\": {\"type\": \"integer\", \"secret\": true}, \"code\": {\"type\": \"string\", \"secret\": true,"
                + " \"enum\": [\"a\", \"b\"]}}}}");
        project.script("skills/vault/v.sh", "#!/bin/bash\necho ran\n");
        Ao.Result bad = project.ao().run("run", "vault", "-p", "pin=NotAnInt99", "-p", "code=NotAnInt99");
        assertRefused(bad, 2, "parameter 'pin' must be an integer, got a value that is not an integer", "parameter 'code'");
        assertThat(bad.stderr()).doesNotContain("NotAnInt99");
        // no terminal here: a missing secret is the usual error, never a prompt
        assertRefused(project.ao().run("run", "vault"), 2, "missing required parameter 'pin'");
    }

    private void deleteRuns() throws Exception {
        try (var walk = Files.walk(project.runs())) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aDetachedRunKeepsItsSecretsOffEveryCommandLine() throws Exception {
        String secret = "canary-" + System.nanoTime();
        project.write("skills/sleepy/SKILL.md", "---\nname: sleepy\ndescription: d\n---\nBody.\n");
        project.write("skills/sleepy/script.json", "{\"script_file\": \"s.sh\", \"parameters_schema\": {\"type\": \"object\","
                + " \"properties\": {\"token\": {\"type\": \"string\", \"secret\": true}, \"key\": {\"type\": \"string\", \"secret\": true}}}}");
        project.script("skills/sleepy/s.sh", "#!/bin/bash\necho started > \"$AO_WORKSPACE/started\"\nsleep 4\n"
                + "echo \"token of ${#AO_PARAM_TOKEN} characters, key $AO_PARAM_KEY\"\n");
        Path keyFile = project.write("key.txt", "k-123\n");
        Ao.Result r = project.ao().run("run", "sleepy", "-p", "token=" + secret, "-p", "key=@key.txt", "--detach");
        assertThat(r.exit()).as(r.toString()).isZero();
        // read once by the launcher: a file (or /dev/stdin) gone by the time the supervisor starts is no matter
        Files.delete(keyFile);
        String id = r.stdout().strip();
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(project.runDir(id).resolve("workspace/started")) && System.nanoTime() < end) Thread.sleep(100);
        assertThat(project.runDir(id).resolve("workspace/started")).as("the script started").exists();
        List<String> seen = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).contains(secret)) seen.add(p.toString());
                } catch (Exception gone) {
                    // the process ended while we looked
                }
            }
        }
        assertThat(seen).as("processes with the secret on their command line").isEmpty();
        assertThat(project.runDir(id).resolve(".params-in.json")).as("handed over and deleted").doesNotExist();
        JsonNode done = null;
        while (System.nanoTime() < end) {
            done = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
            if (done.path("state").asText().equals("succeeded")) break;
            Thread.sleep(200);
        }
        assertThat(done.path("state").asText()).as(String.valueOf(done)).isEqualTo("succeeded");
        assertThat(done.path("summary").asText()).isEqualTo("token of " + secret.length() + " characters, key ***");
        for (Path f : TestProject.filesUnder(project.runDir(id))) assertThat(project.read(f)).as(f.toString()).doesNotContain(secret);
    }

    @Test
    void runIdsThatAreNotAReservedDetachedRunAreRefused() throws Exception {
        Ao.Result done = project.ao().run("run", "greet", "-p", "name=Ada");
        assertThat(done.exit()).as(done.toString()).isZero();
        String id = project.runIds().get(0);
        Map<Path, String> before = new LinkedHashMap<>();
        for (Path f : TestProject.filesUnder(project.runDir(id))) before.put(f, project.read(f));
        for (String bad : List.of("../../x", "20240101-000000-000-abcd", "x", id)) {
            Ao.Result r = project.ao().run("run", "greet", "-p", "name=Eve", "--run-id", bad);
            assertThat(r.exit()).as(bad + ": " + r).isEqualTo(2);
            assertThat(r.stderr().strip().lines().count()).as(r.stderr()).isEqualTo(1);
            assertThat(r.stderr()).startsWith("ao: --run-id");
        }
        assertThat(project.runIds()).containsExactly(id);
        Map<Path, String> after = new LinkedHashMap<>();
        for (Path f : TestProject.filesUnder(project.runDir(id))) after.put(f, project.read(f));
        assertThat(after).isEqualTo(before);
        assertThat(project.root().getParent().resolve("x")).doesNotExist();
    }

    @Test
    void configValuesThatOverflowOrMeanNothingAreOneLine() {
        project.config("[scripts]\nexecution_timeout = 4294967297\n");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x"), 2, "config.toml:2", "'scripts.execution_timeout' is out of range");
        project.config("[scripts]\nexecution_timeout = 60\n");
        assertRefused(project.ao().env("AO_SCRIPTS_EXECUTION_TIMEOUT", "4294967297").run("run", "greet", "-p", "name=x"), 2,
                "env AO_SCRIPTS_EXECUTION_TIMEOUT", "out of range");
        for (String size : List.of("8388608T", "99999999999999999999G")) {
            project.config("[sandbox]\nmax_file_size = \"" + size + "\"\n");
            assertRefused(project.ao().run("run", "greet", "-p", "name=x"), 2, "config.toml:2", "sandbox.max_file_size is too large");
        }
        project.config("[sandbox]\nmax_processes = 0\n");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x"), 2, "config.toml:2", "sandbox.max_processes must be at least 1");
        project.config("[sandbox]\n\ndeny_read = [\"~/.aws/*\"]\n");
        assertRefused(project.ao().run("run", "greet", "-p", "name=x"), 2, "config.toml:3", "sandbox.deny_read entry \"~/.aws/*\" is a glob");
    }

    @Test
    void aWildcardEnvDemandNeedsApprovalAndLeaksNothing() throws Exception {
        String canary = "canary-" + System.nanoTime();
        project.write("skills/greedy/SKILL.md", "---\nname: greedy\ndescription: d\n---\nBody.\n");
        project.write("skills/greedy/script.json", "{\"script_file\": \"g.sh\", \"demands\": {\"env\": [\"*\"]}}");
        project.script("skills/greedy/g.sh", "#!/bin/bash\necho \"$MY_TOKEN\"\nenv > \"$AO_WORKSPACE/env.txt\"\n");
        Ao.Result r = project.ao().env("MY_TOKEN", canary).run("run", "greedy", "--keep-workspace");
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.stdout() + r.stderr()).doesNotContain(canary).contains("MY_TOKEN (from \"*\")");
        for (Path f : TestProject.filesUnder(project.root().resolve(".ao"))) assertThat(project.read(f)).as(f.toString()).doesNotContain(canary);
        JsonNode run = JSON.readTree(project.runDir(project.runIds().get(0)).resolve("run.json").toFile());
        assertThat(run.path("state").asText()).isEqualTo("rejected");
        assertThat(project.runDir(project.runIds().get(0)).resolve("workspace/env.txt")).doesNotExist();
        Ao.Result lint = project.ao().run("skill", "lint", "skills/greedy");
        assertThat(lint.stdout() + lint.stderr()).contains("warning: demands.env: \"*\"");
    }
}
