package dev.ao.engine.skill;

import dev.ao.engine.skill.SkillLinter.Finding;
import dev.ao.engine.skill.SkillLinter.Severity;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** One fixture per finding under src/test/resources/dev/ao/engine/skill/lint/. */
class SkillLinterTest {
    private static final SkillLinter LINTER = new SkillLinter(SkillLinter.Options.defaults());

    static Path fixture(String name) {
        try {
            return Path.of(SkillLinterTest.class.getResource("/dev/ao/engine/skill/lint/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Finding> lint(String name) {
        return LINTER.lint(List.of(fixture(name))).findings();
    }

    @Test
    void aCompleteRunnableSkillIsClean() {
        SkillLinter.Report r = LINTER.lint(List.of(fixture("clean")));
        assertThat(r.findings()).isEmpty();
        assertThat(r.skills()).isEqualTo(1);
        assertThat(r.scripts()).isEqualTo(1);
        assertThat(r.ok()).isTrue();
    }

    @Test
    void badYamlIsAnErrorOnItsLine() {
        assertThat(lint("bad-yaml")).extracting(Finding::rule, Finding::line, Finding::severity)
                .containsExactly(tuple("yaml", 4, Severity.ERROR));
        assertThat(lint("bad-yaml").get(0).render(fixture("bad-yaml")))
                .isEqualTo("bad-yaml/SKILL.md:4: error: front matter is not valid YAML: expected ',' or ']', but got <stream end> (while parsing a flow sequence)");
    }

    @Test
    void missingName() {
        assertThat(lint("missing-name")).extracting(Finding::rule, Finding::severity).containsExactly(tuple("name-missing", Severity.ERROR));
    }

    @Test
    void missingDescription() {
        assertThat(lint("missing-description")).extracting(Finding::rule, Finding::severity)
                .containsExactly(tuple("description-missing", Severity.ERROR));
    }

    @Test
    void nameNotMatchingTheFolder() {
        List<Finding> f = lint("name-mismatch");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("name-mismatch", 2, Severity.ERROR));
        assertThat(f.get(0).message()).isEqualTo("name 'other-name' does not match its folder 'some-folder' (rename one of them)");
    }

    @Test
    void scriptJsonThatIsNotJson() {
        List<Finding> f = lint("invalid-script-json");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("script-json", 4, Severity.ERROR));
        assertThat(f.get(0).file().getFileName().toString()).isEqualTo("script.json");
    }

    @Test
    void parametersSchemaThatIsNotAJsonSchema() {
        List<Finding> f = lint("invalid-schema");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("schema", 7, Severity.ERROR));
        assertThat(f.get(0).key() + ": " + f.get(0).message()).startsWith("parameters_schema.properties.namespace.type: not valid JSON Schema:");
    }

    @Test
    void missingScriptFile() {
        List<Finding> f = lint("missing-script");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("script-missing", 3, Severity.ERROR));
        assertThat(f.get(0).key() + ": " + f.get(0).message()).isEqualTo("script_file: 'gone.py' does not exist");
    }

    @Test
    void extensionNotAllowed() {
        List<Finding> f = lint("bad-extension");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("extension", 3, Severity.ERROR));
        assertThat(f.get(0).message()).isEqualTo("extension '.rb' is not in [scripts] allowed_extensions (.py, .sh, .js)");
        SkillLinter rubyOk = new SkillLinter(new SkillLinter.Options(List.of(".py", ".rb"), null));
        assertThat(rubyOk.lint(List.of(fixture("bad-extension"))).findings()).isEmpty();
    }

    @Test
    void scriptFirstWithoutTheDirective() {
        List<Finding> f = lint("no-marker");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("script-first-marker", 4, Severity.ERROR));
        assertThat(f.get(0).message()).contains("<!-- SCRIPT-FIRST -->");
    }

    @Test
    void scriptFirstSkillMissingFromTheDocIsAWarning() {
        Path project = fixture("doc-project");
        SkillLinter linter = new SkillLinter(new SkillLinter.Options(List.of(".py"), project.resolve("dotcodex/docs/SCRIPT-FIRST-SKILLS.md")));
        SkillLinter.Report r = linter.lint(List.of(project.resolve("skills")));
        assertThat(r.findings()).extracting(Finding::rule, Finding::line, Finding::severity)
                .containsExactly(tuple("script-first-doc", 4, Severity.WARNING));
        assertThat(r.findings().get(0).file().toString()).contains("unlisted");
        assertThat(r.findings().get(0).message()).isEqualTo("script-first skill 'k8s/unlisted' is not listed in SCRIPT-FIRST-SKILLS.md");
        assertThat(r.ok()).as("warnings do not fail").isTrue();
        assertThat(LINTER.lint(List.of(project.resolve("skills"))).findings()).as("no doc given: no check").isEmpty();
    }

    @Test
    void brokenRelativeLinkIsAWarning() {
        assertThat(lint("broken-link")).extracting(Finding::rule, Finding::line, Finding::severity)
                .containsExactly(tuple("link", 6, Severity.WARNING));
    }

    @Test
    void defaultThatBreaksItsOwnSchema() {
        List<Finding> f = lint("bad-default");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("schema", 7, Severity.ERROR));
        assertThat(f.get(0).key() + ": " + f.get(0).message()).startsWith("parameters_schema.properties.top.default: the default does not match its own schema:");
    }

    @Test
    void requiredParameterThatIsNotDeclared() {
        List<Finding> f = lint("required-undeclared");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("schema", 6, Severity.ERROR));
        assertThat(f.get(0).message()).isEqualTo("required parameter 'selector' is not declared in parameters_schema.properties");
    }

    @Test
    void otherScriptJsonProblemsComeFromTheReaderAoRunUses() {
        List<Finding> f = lint("unknown-key");
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("script-json", 5, Severity.ERROR));
        assertThat(f.get(0).key() + ": " + f.get(0).message()).startsWith("retries: unknown key (known: ");
    }

    @Test
    void lintingAScriptJsonDirectly() {
        SkillLinter.Report r = LINTER.lint(List.of(fixture("missing-script/missing-script/script.json")));
        assertThat(r.skills()).isZero();
        assertThat(r.scripts()).isEqualTo(1);
        assertThat(r.findings()).extracting(Finding::rule).containsExactly("script-missing");
    }

    @Test
    void findingsRenderAsFileLineSeverityMessage() {
        Finding f = new Finding(Path.of("/p/skills/a/SKILL.md"), 3, Severity.WARNING, "x", "something");
        assertThat(f.render(Path.of("/p"))).isEqualTo("skills/a/SKILL.md:3: warning: something");
        assertThat(f.render(Path.of("/elsewhere"))).isEqualTo("/p/skills/a/SKILL.md:3: warning: something");
        Finding keyed = new Finding(Path.of("/p/s/script.json"), 0, Severity.ERROR, "x", "must be true or false", "demands.network");
        assertThat(keyed.render(Path.of("/p"))).isEqualTo("s/script.json: error: demands.network: must be true or false");
    }

    @Test
    void remoteRefsCyclesAndBadRegexesAreErrorsOnTheirLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("a.sh"), "true\n");
        java.nio.file.Files.writeString(dir.resolve("script.json"), """
                {"script_file": "a.sh",
                 "parameters_schema": {"type": "object",
                   "properties": {
                     "x": {"$ref": "http://127.0.0.1:9/s.json"}}}}
                """);
        List<Finding> f = LINTER.lintScript(dir.resolve("script.json"));
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(tuple("schema", 4, Severity.ERROR));
        assertThat(f.get(0).key() + ": " + f.get(0).message()).isEqualTo("parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got \"http://127.0.0.1:9/s.json\"");

        java.nio.file.Files.writeString(dir.resolve("script.json"), """
                {"script_file": "a.sh",
                 "parameters_schema": {"type": "object",
                   "properties": {"x": {"$ref": "#/$defs/a"}},
                   "$defs": {"a": {"$ref": "#/$defs/a"}},
                   "patternProperties": {"((": {"type": "string"}}}}
                """);
        f = LINTER.lintScript(dir.resolve("script.json"));
        assertThat(f).extracting(Finding::line).containsExactlyInAnyOrder(4, 5);
        assertThat(f).extracting(Finding::message).anyMatch(m -> m.contains("reference cycle")).anyMatch(m -> m.contains("not a valid regular expression"));
    }

    @Test
    void wildcardAndSecretLookingEnvDemandsAreWarnings(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("a.sh"), "true\n");
        java.nio.file.Files.writeString(dir.resolve("script.json"), """
                {"script_file": "a.sh",
                 "demands": {"env": [
                   "*",
                   "GITHUB_TOKEN",
                   "AWS_REGION"]}}
                """);
        List<Finding> f = LINTER.lintScript(dir.resolve("script.json"));
        assertThat(f).extracting(Finding::rule, Finding::line, Finding::severity)
                .containsExactly(tuple("env-demand", 3, Severity.WARNING), tuple("env-demand", 4, Severity.WARNING));
        assertThat(f.get(0).message()).contains("\"*\"").contains("approval");
        assertThat(f.get(1).message()).contains("GITHUB_TOKEN").contains("looks like a secret");
    }
}
