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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** ao skill list|show|search|new|lint, run as the real jar against a throwaway project. */
class SkillCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    TestProject project;
    Ao ao;

    @BeforeEach
    void setUp() {
        project = TestProject.create("skills");
        ao = project.ao();
    }

    private static List<String> ids(String json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(json)) out.add(n.path("id").asText());
        return out;
    }

    @Test
    void newSkillRunsAtOnceAndLintsClean() throws Exception {
        Ao.Result created = ao.run("skill", "new", "ops/rotate-keys", "-d", "Rotate the API keys of every service, one by one");
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(created.stdout()).startsWith("created skills/ops/rotate-keys/ (SKILL.md, script.json, script.py)");
        assertThat(project.root().resolve("skills/ops/rotate-keys/script.py")).isExecutable();

        Ao.Result run = ao.run("run", "ops/rotate-keys", "-p", "dry_run=true", "-o", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode r = JSON.readTree(run.stdout());
        assertThat(r.path("state").asText()).isEqualTo("succeeded");
        assertThat(r.path("summary").asText()).contains("would process 3 of 3 items, 0 failed");

        Ao.Result lint = ao.run("skill", "lint");
        assertThat(lint.exit()).as(lint.toString()).isZero();
        assertThat(lint.stdout()).isEmpty();
        assertThat(lint.stderr()).contains("1 skill, 1 script checked: 0 errors, 0 warnings");

        Ao.Result again = ao.run("skill", "new", "ops/rotate-keys");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.stderr().strip()).startsWith("ao: ").endsWith("already exists; pick another name or remove it first").doesNotContain("\n");
        assertThat(project.read("skills/ops/rotate-keys/SKILL.md")).contains("Rotate the API keys");
        assertThat(project.countNamed(".ao-new")).isZero();
    }

    @Test
    void bashAndJsSkillsRunToo() throws Exception {
        for (String[] lang : new String[][] {{"bash", "jq"}, {"js", "node"}}) {
            assumeTrue(onPath(lang[1]), lang[1] + " is not installed");
            Ao.Result created = ao.run("skill", "new", "demo-" + lang[0], "--script", lang[0]);
            assertThat(created.exit()).as(created.toString()).isZero();
            Ao.Result run = ao.run("run", "demo-" + lang[0], "-p", "items=a,b", "-o", "json");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(JSON.readTree(run.stdout()).path("summary").asText()).contains("2 of 2 items, 0 failed");
        }
        assertThat(ao.run("skill", "lint").exit()).isZero();
    }

    @Test
    void listShowAndSearch() throws Exception {
        project.write("skills/k8s/crashloop-restart/SKILL.md", """
                ---
                name: crashloop-restart
                description: Find every pod in CrashLoopBackOff and rollout-restart each owning deployment once.
                tags: [kubernetes, pods, restart]
                ---
                # k8s/crashloop-restart

                Use when pods are crash-looping after a bad config push.
                """);
        project.write("skills/k8s/single-pod-restart/SKILL.md", """
                ---
                name: single-pod-restart
                description: Restart one pod by deleting it so its controller recreates it.
                tags: [kubernetes, pods, restart]
                ---
                One pod, one command.
                """);
        project.write("dotcodex/skills/team/pdf-forms/SKILL.md", """
                ---
                name: pdf-forms
                description: >
                  Fill PDF forms from a JSON file of field values.
                  Use when the user mentions PDF forms.
                license: Apache-2.0
                allowed-tools: Bash(python3:*)
                ---
                See [the reference](references/fields.md).
                """);
        project.write("dotcodex/skills/team/pdf-forms/references/fields.md", "# Fields\n");
        assertThat(ao.run("skill", "new", "ops/rotate-keys").exit()).isZero();

        Ao.Result list = ao.run("skill", "list", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(ids(list.stdout())).containsExactly("k8s/crashloop-restart", "k8s/single-pod-restart", "ops/rotate-keys", "team/pdf-forms");
        assertThat(ids(ao.run("skill", "list", "--tag", "PODS", "-o", "json").stdout())).containsExactly("k8s/crashloop-restart", "k8s/single-pod-restart");
        assertThat(ids(ao.run("skill", "list", "--runnable", "-o", "json").stdout())).containsExactly("ops/rotate-keys");
        Ao.Result text = ao.run("skill", "list");
        assertThat(text.stdout().lines().findFirst().orElse("")).startsWith("ID").contains("TAGS", "RUN", "SOURCE", "DESCRIPTION");
        assertThat(text.stdout()).contains("ops/rotate-keys").contains("local");

        Ao.Result show = ao.run("skill", "show", "rotate-keys", "-o", "json");
        assertThat(show.exit()).as(show.toString()).isZero();
        JsonNode s = JSON.readTree(show.stdout());
        assertThat(s.path("id").asText()).isEqualTo("ops/rotate-keys");
        assertThat(s.path("source").isNull()).isTrue();
        assertThat(s.path("skill_file").asText()).endsWith("skills/ops/rotate-keys/SKILL.md");
        JsonNode params = s.path("script").path("parameters");
        assertThat(params.findValuesAsText("name")).containsExactly("items", "dry_run", "concurrency");
        assertThat(params.get(1).path("type").asText()).isEqualTo("boolean");
        assertThat(params.get(1).path("default").asText()).isEqualTo("false");
        assertThat(params.get(1).path("required").asBoolean()).isFalse();
        assertThat(params.get(1).has("secret")).isTrue();

        JsonNode pdf = JSON.readTree(ao.run("skill", "show", "team/pdf-forms", "-o", "json").stdout());
        assertThat(pdf.path("front_matter").path("allowed-tools").asText()).isEqualTo("Bash(python3:*)");
        assertThat(pdf.path("script").isNull()).isTrue();
        Ao.Result showText = ao.run("skill", "show", "team/pdf-forms");
        assertThat(showText.stdout()).contains("know-how only", "license", "Apache-2.0", "the reference <references/fields.md>");

        Ao.Result unknown = ao.run("skill", "show", "crashloop");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.stderr().strip()).isEqualTo("ao: no skill named 'crashloop'; did you mean k8s/crashloop-restart?");

        Ao.Result search = ao.run("skill", "search", "restart crashing pods", "-o", "json");
        assertThat(search.exit()).isZero();
        JsonNode hits = JSON.readTree(search.stdout());
        assertThat(hits.get(0).path("id").asText()).isEqualTo("k8s/crashloop-restart");
        assertThat(hits.get(0).path("rank").asInt()).isEqualTo(1);
        assertThat(hits.get(0).path("score").asDouble()).isGreaterThan(hits.get(1).path("score").asDouble());
        assertThat(JSON.readTree(ao.run("skill", "search", "pods", "--limit", "1", "-o", "json").stdout())).hasSize(1);
        assertThat(ao.run("skill", "search", "fill", "a", "pdf", "form").stdout().lines().skip(1).findFirst().orElse("")).contains("team/pdf-forms");

        assertThat(ao.run("skill", "lint").exit()).isZero();
    }

    @Test
    void aNameFoundTwiceIsReportedWithBothPlaces() throws Exception {
        String skill = "---\nname: dup\ndescription: Twice.\n---\nbody\n";
        project.write("skills/ops/dup/SKILL.md", skill);
        project.write("dotcodex/skills/ops/dup/SKILL.md", skill.replace("Twice.", "The second one."));
        Ao.Result list = ao.run("skill", "list", "-o", "json");
        assertThat(list.exit()).isZero();
        assertThat(ids(list.stdout())).containsExactly("ops/dup");
        assertThat(JSON.readTree(list.stdout()).get(0).path("description").asText()).isEqualTo("Twice.");
        assertThat(list.stderr()).contains("ao: warning: skill 'ops/dup' is in two places; using "
                + project.root().resolve("skills/ops/dup") + ", ignoring " + project.root().resolve("dotcodex/skills/ops/dup"));

        Ao.Result lint = ao.run("skill", "lint");
        assertThat(lint.exit()).isZero();
        assertThat(lint.stdout()).contains("dotcodex/skills/ops/dup/SKILL.md:1: warning: skill 'ops/dup' is also at");
    }

    @Test
    void lintReportsFileLineSeverityAndFailsOnErrors() throws Exception {
        project.write("skills/ops/broken/SKILL.md", "---\nname: broken\ndescription: [unclosed\n---\n");
        project.write("skills/ops/wrong/SKILL.md", "---\nname: right\ndescription: Name does not match.\nscript_first: true\n---\nNo directive.\n");
        project.write("skills/ops/wrong/script.json", "{\"script_file\": \"run.rb\"}\n");
        project.write("skills/ops/wrong/run.rb", "puts 1\n");
        project.write("skills/ops/fine/SKILL.md", "---\nname: fine\ndescription: Fine, with a broken link.\n---\n[x](missing.md)\n");
        Ao.Result lint = ao.run("skill", "lint");
        assertThat(lint.exit()).as("an error fails with 2, as 'ao script validate' does: " + lint).isEqualTo(2);
        assertThat(lint.stdout().lines()).containsExactly(
                "skills/ops/broken/SKILL.md:3: error: front matter is not valid YAML: expected ',' or ']', but got <stream end> (while parsing a flow sequence)",
                "skills/ops/fine/SKILL.md:5: warning: link to 'missing.md', which does not exist",
                "skills/ops/wrong/SKILL.md:2: error: name 'right' does not match its folder 'wrong' (rename one of them)",
                "skills/ops/wrong/SKILL.md:4: error: script_first: true but the body lacks the SCRIPT-FIRST directive (the line <!-- SCRIPT-FIRST -->; copy the block from templates/SKILL.template.md)",
                "skills/ops/wrong/script.json:1: error: script_file: extension '.rb' is not in [scripts] allowed_extensions (.py, .sh, .js)");
        assertThat(lint.stderr()).contains("3 skills, 1 script checked: 4 errors, 1 warning");

        Ao.Result one = ao.run("skill", "lint", "skills/ops/fine", "-o", "json");
        assertThat(one.exit()).isZero();
        JsonNode r = JSON.readTree(one.stdout());
        assertThat(r.path("ok").asBoolean()).isTrue();
        assertThat(r.path("warnings").asInt()).isEqualTo(1);
        assertThat(r.path("findings").get(0).path("rule").asText()).isEqualTo("link");
        assertThat(r.path("findings").get(0).path("line").asInt()).isEqualTo(5);

        project.write("dotcodex/config.toml", "[scripts]\nallowed_extensions = [\".py\", \".rb\"]\n");
        assertThat(ao.run("skill", "lint", "skills/ops/wrong").stdout()).doesNotContain("allowed_extensions");
        assertThat(ao.run("skill", "lint", "no/such/dir").exit()).isEqualTo(2);
    }

    @Test
    void theScriptFirstDocIsKeptTrue() {
        project.write("dotcodex/docs/SCRIPT-FIRST-SKILLS.md", "# Script-first skills\n\n- `ops/listed`\n");
        for (String n : List.of("listed", "unlisted")) {
            project.write("skills/ops/" + n + "/SKILL.md", "---\nname: " + n + "\ndescription: d\nscript_first: true\n---\n<!-- SCRIPT-FIRST -->\nOne script.\n");
        }
        Ao.Result lint = ao.run("skill", "lint");
        assertThat(lint.exit()).isZero();
        assertThat(lint.stdout().strip()).isEqualTo("skills/ops/unlisted/SKILL.md:4: warning: script-first skill 'ops/unlisted' is not listed in SCRIPT-FIRST-SKILLS.md");
    }

    static boolean onPath(String binary) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(java.nio.file.Path.of(dir, binary))) return true;
        }
        return false;
    }
}
