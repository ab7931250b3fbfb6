package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
