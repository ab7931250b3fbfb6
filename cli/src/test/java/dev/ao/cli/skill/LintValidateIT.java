package dev.ao.cli.skill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 'ao skill lint' and 'ao script validate' on the same bad inputs: the same exit codes, every problem in one try. */
class LintValidateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("lintvalidate");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private void script(String dir, String file, String body, String specJson) {
        project.write(dir + "/" + file, body);
        project.write(dir + "/script.json", specJson);
    }

    private static String spec(String file, String extra) {
        return "{\n  \"name\": \"x\",\n  \"description\": \"d\",\n  \"script_file\": \"" + file + "\"" + extra + "\n}\n";
    }

    @Test
    void bothCommandsExitTheSameForEachKindOfFinding() throws Exception {
        script("cases/schema", "run.py", "print(1)\n", spec("run.py", ",\n  \"parameters_schema\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": 5}}}"));
        script("cases/syntax-py", "run.py", "def f(:\n", spec("run.py", ""));
        script("cases/syntax-sh", "run.sh", "#!/bin/bash\nif true; then\n  echo\n", spec("run.sh", ""));
        script("cases/syntax-js", "run.js", "let = ;\n", spec("run.js", ""));
        project.write("cases/missing-script/script.json", spec("gone.py", ""));
        script("cases/warning", "run.py", "print(1)\n", spec("run.py", ",\n  \"parameters_schema\": {\"type\": \"object\", \"properties\": {\"n\": {}}}"));
        script("cases/clean", "run.py", "print(1)\n", spec("run.py", ""));
        Map<String, Integer> expected = Map.of("cases/schema", 2, "cases/syntax-py", 2, "cases/syntax-sh", 2, "cases/syntax-js", 2,
                "cases/missing-script", 2, "cases/no-such-folder", 2, "cases/warning", 0, "cases/clean", 0);
        for (var e : expected.entrySet()) {
            Ao.Result lint = project.ao().run("skill", "lint", e.getKey());
            Ao.Result validate = project.ao().run("script", "validate", e.getKey());
            assertThat(lint.exit()).as("lint " + e.getKey() + ": " + lint).isEqualTo(e.getValue());
            assertThat(validate.exit()).as("validate " + e.getKey() + ": " + validate).isEqualTo(e.getValue());
            assertThat(lint.stdout()).as("the same findings: " + e.getKey()).isEqualTo(validate.stdout());
            Ao.Result lintJson = project.ao().run("skill", "lint", e.getKey(), "-o", "json");
            Ao.Result validateJson = project.ao().run("script", "validate", e.getKey(), "-o", "json");
            assertThat(lintJson.exit()).isEqualTo(e.getValue());
            assertThat(validateJson.exit()).isEqualTo(e.getValue());
            assertThat(JSON.readTree(lintJson.stdout()).path("findings")).isEqualTo(JSON.readTree(validateJson.stdout()).path("findings"));
        }
        assertThat(project.ao().run("script", "validate", "cases/syntax-py").stdout().strip()).isEqualTo("cases/syntax-py/run.py:1: error: syntax error: invalid syntax");
        assertThat(project.ao().run("script", "validate", "cases/syntax-sh").stdout().strip()).startsWith("cases/syntax-sh/run.sh:4: error: syntax error: ");
        assertThat(project.ao().run("script", "validate", "cases/syntax-js").stdout().strip()).startsWith("cases/syntax-js/run.js:1: error: syntax error: SyntaxError: ");
        assertThat(project.ao().run("script", "validate", "cases/warning").stdout().strip())
                .isEqualTo("cases/warning/script.json:5: warning: parameters_schema.properties.n: has no type; -p values reach the script as strings");
        assertThat(project.ao().run("skill", "lint", "cases/no-such-folder").stdout().strip()).isEqualTo("cases/no-such-folder: error: no such file or folder");

        for (String cmd : List.of("skill lint", "script validate")) {
            List<String> args = new ArrayList<>(List.of(cmd.split(" ")));
            args.add("--help");
            Ao.Result help = project.ao().run(args.toArray(String[]::new));
            assertThat(help.stdout()).as(cmd).contains("Exit codes").containsPattern("\\n +0 +no errors \\(warnings are printed and do not fail\\)")
                    .containsPattern("\\n +2 +at least one error");
        }
    }

    @Test
    void validateReportsEveryKindOfProblemAtOnce() throws Exception {
        project.write("multi/multi.py", "import os\ndef f(:\n    pass\n");
        project.write("multi/script.json", """
                {
                  "script_file": "multi.py",
                  "parameters_schema": {"type": "object", "required": ["ghost"],
                    "properties": {"n": {"type": "integer", "default": "five"}}},
                  "timeout": "soon",
                  "risk": "sometimes",
                  "colour": "blue"
                }
                """);
        project.write("other/script.json", "{\"script_file\": \"gone.sh\"}\n");
        Ao.Result r = project.ao().run("script", "validate", "multi", "other", "not-here");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout().lines()).containsExactly(
                "multi/multi.py:2: error: syntax error: invalid syntax",
                "multi/script.json:3: error: parameters_schema.required: required parameter 'ghost' is not declared in parameters_schema.properties",
                "multi/script.json:4: error: parameters_schema.properties.n.default: the default does not match its own schema: string found, integer expected",
                "multi/script.json:5: error: timeout: must be a positive integer (seconds)",
                "multi/script.json:6: error: risk: must be \"auto\" or \"approval_required\", got \"sometimes\"",
                "multi/script.json:7: error: colour: unknown key (known: $schema, demands, description, idempotent, name, outputs_schema, parameters_schema, risk, sandbox_mode, script_file, tags, timeout, version)",
                "not-here: error: no such file or folder",
                "other/script.json:1: error: script_file: 'gone.sh' does not exist");
        assertThat(r.stderr()).contains("2 scripts checked: 8 errors, 0 warnings");
        JsonNode json = JSON.readTree(project.ao().run("script", "validate", "multi", "-o", "json").stdout());
        assertThat(json.path("findings").findValuesAsText("key")).contains("timeout", "risk", "colour", "parameters_schema.properties.n.default");
        assertThat(json.path("findings").findValuesAsText("rule")).contains("syntax", "schema", "script-json");
    }
}
