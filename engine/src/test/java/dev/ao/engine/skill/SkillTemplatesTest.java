package dev.ao.engine.skill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SkillTemplatesTest {
    private final SkillTemplates templates = new SkillTemplates(null);

    @TempDir Path tmp;

    @Test
    void placeholdersAreEscapedForTheQuotedStringsTheySitIn() {
        String out = SkillTemplates.render("description: \"{{description}}\" name: {{ name }}",
                Map.of("description", "say \"hi\" \\ bye\nnow", "name", "x"), true);
        assertThat(out).isEqualTo("description: \"say \\\"hi\\\" \\\\ bye now\" name: x");
        assertThat(SkillTemplates.render("# {{name}}", Map.of("name", "k8s/x"), false)).isEqualTo("# k8s/x");
    }

    @Test
    void bundledTemplatesAreOnTheClasspath() {
        for (String t : List.of("SKILL.template.md", "script.json", "script.py", "script.sh", "script.js")) {
            assertThat(templates.load(t)).as(t).isNotBlank();
        }
    }

    @Test
    void skillMarkdownRendersFrontMatterNameAsFolderAndBodyWithTheId() {
        String md = templates.skillMarkdown("k8s/drain-node", "Drain a node \"safely\"");
        Skill s = SkillParser.parse(tmp.resolve("k8s/drain-node"), "k8s/drain-node", null, md);
        assertThat(s.name()).isEqualTo("drain-node");
        assertThat(s.description()).isEqualTo("Drain a node \"safely\"");
        assertThat(md).doesNotContain("{{");
        assertThat(s.body()).contains("k8s/drain-node");
    }

    @Test
    void newPythonSkillIsRunnableAndLintsClean() throws Exception {
        SkillTemplates.Created c = templates.newSkill(tmp.resolve("skills"), "ops/rotate-keys", "Rotate the API keys of every service", SkillTemplates.Lang.PYTHON);
        Path dir = tmp.resolve("skills/ops/rotate-keys");
        assertThat(c.dir()).isEqualTo(dir);
        assertThat(dir.resolve("SKILL.md")).isRegularFile();
        assertThat(Files.isExecutable(dir.resolve("script.py"))).isTrue();
        ScriptSpec spec = ScriptSpecReader.read(dir.resolve("script.json"));
        assertThat(spec.name()).isEqualTo("rotate-keys");
        assertThat(spec.description()).isEqualTo("Rotate the API keys of every service");
        assertThat(spec.scriptFile()).isEqualTo(dir.resolve("script.py"));
        SkillCatalog cat = SkillCatalog.scan(List.of(new SkillCatalog.Root(tmp.resolve("skills"), null)));
        assertThat(cat.find("ops/rotate-keys").orElseThrow().runnable()).isTrue();
        SkillLinter.Report r = new SkillLinter(SkillLinter.Options.defaults()).lint(List.of(tmp.resolve("skills")));
        assertThat(r.findings()).isEmpty();
        assertThat(leftovers(tmp)).isEmpty();
    }

    @Test
    void newWorkflowSkillIsAWorkflowThatValidatesAndLintsClean() throws Exception {
        SkillTemplates.Created c = templates.newWorkflowSkill(tmp.resolve("skills"), "ops/rotate-nodes", "Rotate every \"node\": one by one");
        Path dir = tmp.resolve("skills/ops/rotate-nodes");
        assertThat(c.files()).containsExactly(dir.resolve("SKILL.md"), dir.resolve("workflow.yml"));
        SkillCatalog cat = SkillCatalog.scan(List.of(new SkillCatalog.Root(tmp.resolve("skills"), null)));
        Skill s = cat.find("ops/rotate-nodes").orElseThrow();
        assertThat(s.runnable()).isTrue();
        assertThat(s.workflow()).isTrue();
        dev.ao.engine.workflow.Workflow wf = dev.ao.engine.workflow.WorkflowParser.parse(dir.resolve("workflow.yml"));
        assertThat(wf.name()).isEqualTo("rotate-nodes");
        assertThat(wf.description()).isEqualTo("Rotate every \"node\": one by one");
        assertThat(wf.jobs().keySet()).containsExactly("collect", "process", "report");
        dev.ao.engine.workflow.WorkflowValidator.validate(wf, () -> cat);
        SkillLinter.Report r = new SkillLinter(SkillLinter.Options.defaults()).lint(List.of(tmp.resolve("skills")));
        assertThat(r.findings()).isEmpty();
        assertThat(leftovers(tmp)).isEmpty();
    }

    @Test
    void bashAndJsSkillsPointScriptJsonAtTheirScript() throws Exception {
        for (SkillTemplates.Lang lang : List.of(SkillTemplates.Lang.BASH, SkillTemplates.Lang.JS)) {
            templates.newSkill(tmp.resolve("skills"), "demo-" + lang.id, null, lang);
            Path dir = tmp.resolve("skills/demo-" + lang.id);
            JsonNode spec = new ObjectMapper().readTree(dir.resolve("script.json").toFile());
            assertThat(spec.path("script_file").asText()).isEqualTo(lang.template);
            assertThat(spec.path("demands").path("binaries").toString()).isEqualTo(new ObjectMapper().valueToTree(lang.binaries).toString());
            assertThat(spec.path("parameters_schema").path("properties").has("concurrency")).isFalse();
            assertThat(dir.resolve(lang.template)).isRegularFile();
            assertThat(ScriptSpecReader.read(dir.resolve("script.json")).description()).isEqualTo(SkillTemplates.DEFAULT_DESCRIPTION);
        }
        assertThat(new SkillLinter(SkillLinter.Options.defaults()).lint(List.of(tmp.resolve("skills"))).findings()).isEmpty();
    }

    @Test
    void refusesToOverwriteAndLeavesNothingBehind() throws Exception {
        Path existing = Files.createDirectories(tmp.resolve("skills/ops/taken"));
        Files.writeString(existing.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> templates.newSkill(tmp.resolve("skills"), "ops/taken", null, SkillTemplates.Lang.PYTHON))
                .isInstanceOf(AoException.class).hasMessageContaining("already exists");
        assertThat(Files.readString(existing.resolve("notes.txt"))).isEqualTo("mine");
        try (Stream<Path> s = Files.list(existing)) {
            assertThat(s.toList()).hasSize(1);
        }
        assertThat(leftovers(tmp)).isEmpty();
    }

    @Test
    void badNamesAreRefused() {
        for (String bad : List.of("Bad", "../x", "a//b", "a b", "-x", "")) {
            assertThatThrownBy(() -> templates.newSkill(tmp, bad, null, SkillTemplates.Lang.PYTHON)).as(bad).isInstanceOf(AoException.class);
        }
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void newScriptWritesTheScriptAndItsScriptJson() throws Exception {
        SkillTemplates.Created c = templates.newScript(tmp.resolve("tools/cleanup"), SkillTemplates.Lang.BASH, "Clean up");
        assertThat(c.files()).containsExactly(tmp.resolve("tools/cleanup.sh"), tmp.resolve("tools/script.json"));
        ScriptSpec spec = ScriptSpecReader.read(tmp.resolve("tools/script.json"));
        assertThat(spec.name()).isEqualTo("cleanup");
        assertThat(spec.scriptFile()).isEqualTo(tmp.resolve("tools/cleanup.sh"));
        assertThat(spec.demands().binaries()).containsExactly("bash", "jq");
        assertThat(new SkillLinter(SkillLinter.Options.defaults()).lintScript(tmp.resolve("tools/script.json"))).isEmpty();

        assertThatThrownBy(() -> templates.newScript(tmp.resolve("tools/other.py"), null, null))
                .hasMessageContaining("script.json already exists");
        assertThat(tmp.resolve("tools/other.py")).doesNotExist();
        assertThatThrownBy(() -> templates.newScript(tmp.resolve("x/a.py"), SkillTemplates.Lang.JS, null))
                .hasMessageContaining("does not match --lang js");
        assertThatThrownBy(() -> templates.newScript(tmp.resolve("x/a.rb"), null, null)).hasMessageContaining("unknown script extension");
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(leftovers(tmp)).isEmpty();
    }

    @Test
    void languageFromExtensionOrPythonByDefault() throws Exception {
        templates.newScript(tmp.resolve("a/job.js"), null, null);
        assertThat(ScriptSpecReader.read(tmp.resolve("a/script.json")).demands().binaries()).containsExactly("node");
        templates.newScript(tmp.resolve("b/job"), null, null);
        assertThat(tmp.resolve("b/job.py")).isRegularFile();
    }

    @Test
    void aProjectTemplateFolderWins() throws Exception {
        Path t = Files.createDirectories(tmp.resolve("dotcodex/templates"));
        Files.writeString(t.resolve("SKILL.template.md"), "---\nname: \"{{name}}\"\ndescription: \"{{description}}\"\n---\n# Ours: {{name}}\n");
        String md = new SkillTemplates(tmp).skillMarkdown("x", "d");
        assertThat(md).contains("# Ours: x");
        assertThat(new SkillTemplates(tmp).load("script.py")).as("missing here: the bundled one").contains("AO_SUMMARY");
    }

    private static List<Path> leftovers(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".ao-new")).toList();
        }
    }
}
