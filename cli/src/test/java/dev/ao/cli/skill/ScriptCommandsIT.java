package dev.ao.cli.skill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ao script new|list|show|validate, run as the real jar. */
class ScriptCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    TestProject project;
    Ao ao;

    @BeforeEach
    void setUp() {
        project = TestProject.create("scripts");
        ao = project.ao();
    }

    @Test
    void newScriptRunsAndValidates() throws Exception {
        Ao.Result created = ao.run("script", "new", "tools/cleanup", "--lang", "python", "-d", "Clean up old things");
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(created.stdout()).startsWith("created tools/cleanup.py and tools/script.json");

        Ao.Result run = ao.run("run", "tools/cleanup.py", "-p", "items=x", "-p", "dry_run=true", "-o", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(JSON.readTree(run.stdout()).path("summary").asText()).contains("would process 1 of 1 items");

        Ao.Result valid = ao.run("script", "validate", "tools/cleanup.py");
        assertThat(valid.exit()).as(valid.toString()).isZero();
        assertThat(valid.stderr()).contains("1 script checked: 0 errors, 0 warnings");

        Ao.Result twice = ao.run("script", "new", "tools/other.sh");
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.stderr().strip()).contains("script.json already exists").doesNotContain("\n");
        assertThat(project.root().resolve("tools/other.sh")).doesNotExist();
        assertThat(project.countNamed(".ao-new")).isZero();
    }

    @Test
    void validateNamesFileAndLineAndExitsTwo() throws Exception {
        project.write("jobs/a/run.py", "print('x')\n");
        project.write("jobs/a/script.json", """
                {
                  "script_file": "run.py",
                  "parameters_schema": {
                    "type": "object",
                    "properties": { "n": { "type": "integer", "default": "ten" } }
                  },
                  "timeout": -5
                }
                """);
        Ao.Result r = ao.run("script", "validate", "jobs/a");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout().lines()).as("both problems in one try").containsExactly(
                "jobs/a/script.json:5: error: parameters_schema.properties.n.default: the default does not match its own schema: string found, integer expected",
                "jobs/a/script.json:7: error: timeout: must be a positive integer (seconds)");

        project.write("jobs/a/script.json", "{\n  \"script_file\": \"run.py\",\n  \"timeout\": -5\n}\n");
        Ao.Result t = ao.run("script", "validate", "jobs/a/script.json", "-o", "json");
        assertThat(t.exit()).isEqualTo(2);
        JsonNode f = JSON.readTree(t.stdout()).path("findings").get(0);
        assertThat(f.path("line").asInt()).isEqualTo(3);
        assertThat(f.path("key").asText()).isEqualTo("timeout");
        assertThat(f.path("message").asText()).isEqualTo("must be a positive integer (seconds)");

        project.write("loose/x.py", "print(1)\n");
        assertThat(ao.run("script", "validate", "loose/x.py").exit()).isEqualTo(2);
    }

    @Test
    void listAndShow() throws Exception {
        assertThat(ao.run("skill", "new", "ops/rotate-keys").exit()).isZero();
        assertThat(ao.run("script", "new", "tools/report.js").exit()).isZero();
        project.write("tools/broken/script.json", "{\"script_file\": \"gone.py\"}\n");
        project.write("loose.sh", "echo hi\n");

        Ao.Result list = ao.run("script", "list", "tools", "loose.sh", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        JsonNode all = JSON.readTree(list.stdout());
        List<String> names = new ArrayList<>();
        all.forEach(n -> names.add(n.path("name").asText()));
        assertThat(names).containsExactly("ops/rotate-keys", "tools/broken", "tools/report.js", "loose.sh");
        assertThat(all.get(0).path("skill").asText()).isEqualTo("ops/rotate-keys");
        assertThat(all.get(1).path("valid").asBoolean()).isFalse();
        assertThat(all.get(2).path("script").asText()).endsWith("tools/report.js");
        assertThat(list.stderr()).contains("ao: warning: ").contains("gone.py");
        Ao.Result text = ao.run("script", "list");
        assertThat(text.stdout()).contains("ops/rotate-keys", "script.py", "items dry_run concurrency", "300s", "auto", "local");

        Ao.Result show = ao.run("script", "show", "ops/rotate-keys", "-o", "json");
        assertThat(show.exit()).as(show.toString()).isZero();
        JsonNode s = JSON.readTree(show.stdout());
        assertThat(s.path("timeout").asInt()).isEqualTo(300);
        assertThat(s.path("risk").asText()).isEqualTo("auto");
        assertThat(s.path("demands").path("binaries").get(0).asText()).isEqualTo("python3");
        assertThat(s.path("demands").path("missing_binaries")).isEmpty();
        assertThat(s.path("parameters").findValuesAsText("name")).containsExactly("items", "dry_run", "concurrency");
        assertThat(s.path("sandbox_mode").asText()).isEqualTo("workspace-write");

        Ao.Result byPath = ao.run("script", "show", "tools/report.js");
        assertThat(byPath.exit()).isZero();
        assertThat(byPath.stdout()).contains("report", "node", "timeout", "300 s", "risk", "PARAMETER");
        Ao.Result bare = ao.run("script", "show", "loose.sh");
        assertThat(bare.stdout()).contains("a bare script", "timeout", "60 s (default from");

        Files.writeString(project.root().resolve("skills/ops/rotate-keys/script.json"),
                project.read("skills/ops/rotate-keys/script.json").replace("\"risk\": \"auto\"", "\"risk\": \"approval_required\""));
        assertThat(JSON.readTree(ao.run("script", "show", "ops/rotate-keys", "-o", "json").stdout()).path("risk").asText()).isEqualTo("approval_required");
    }
}
