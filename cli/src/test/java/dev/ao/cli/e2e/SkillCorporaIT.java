package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.GitRepo;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sources laid out like the public anthropics/skills (skills/NAME/, scripts/*.py, no script.json) and openai/skills
 * (everything under skills/.curated, .system, .experimental), as local git repositories added with 'ao skill add'.
 */
class SkillCorporaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private Ao ao;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("corpora");
        ao = project.ao();
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private static String skillMd(String name, String description, String body) {
        return "---\nname: " + name + "\ndescription: " + description + "\nlicense: Complete terms in LICENSE.txt\n---\n\n# " + name + "\n\n" + body + "\n";
    }

    private Path anthropicsLike() {
        GitRepo r = GitRepo.init(project.base().resolve("anthropics-skills"));
        r.write("README.md", "# Skills\n");
        r.write("skills/pdf/SKILL.md", skillMd("pdf", "Use this skill whenever the user wants to do anything with PDF files.", "See [forms](FORMS.md)."));
        r.write("skills/pdf/FORMS.md", "# Forms\n");
        r.write("skills/pdf/scripts/__init__.py", "");
        r.write("skills/pdf/scripts/check_fillable_fields.py", "#!/usr/bin/env python3\n\"\"\"Check whether a PDF has fillable form fields.\n\nPrints one line.\n\"\"\"\nimport sys\nprint('fields: none in', sys.argv[1:])\n");
        r.write("skills/skill-creator/SKILL.md", skillMd("skill-creator", "Create new skills (Anthropic's).", "Run scripts/quick_validate.py."));
        r.write("skills/skill-creator/scripts/quick_validate.py", "import sys\nprint('ok')\n");
        r.write("skills/theme-factory/SKILL.md", skillMd("theme-factory", "Toolkit for styling artifacts.", "Read [the themes](themes.md)."));
        r.commit("anthropics-like layout");
        return r.dir();
    }

    private Path openaiLike() {
        GitRepo r = GitRepo.init(project.base().resolve("openai-skills"));
        r.write("README.md", "# Skills\n");
        r.write("skills/.curated/gh-fix-ci/SKILL.md", skillMd("gh-fix-ci", "Inspect GitHub PR checks with gh.", "Run the script."));
        r.write("skills/.curated/gh-fix-ci/scripts/inspect_pr_checks.py", "# Inspect the checks of a pull request\n# and print the failing ones.\nprint('checks')\n");
        r.write("skills/.system/skill-creator/SKILL.md", skillMd("skill-creator", "Guide for creating effective skills (OpenAI's).", "Use init_skill.py."));
        r.write("skills/.system/skill-creator/scripts/init_skill.py", "print('init')\n");
        r.write("skills/.experimental/create-plan/SKILL.md", skillMd("create-plan", "Create a concise plan.", "Plan."));
        r.commit("openai-like layout");
        return r.dir();
    }

    @Test
    void dotFolderSkillsLoadAndIdsAreNamespacedBySource() throws Exception {
        Ao.Result a = ao.run("skill", "add", anthropicsLike().toString(), "--name", "anthropics");
        assertThat(a.exit()).as(a.toString()).isZero();
        assertThat(a.stdout()).contains(": 3 skills: anthropics/pdf, anthropics/skill-creator, anthropics/theme-factory");
        Ao.Result o = ao.run("skill", "add", openaiLike().toString(), "--name", "openai");
        assertThat(o.exit()).as(o.toString()).isZero();
        assertThat(o.stdout()).contains(": 3 skills: openai/create-plan, openai/gh-fix-ci, openai/skill-creator");

        List<String> ids = new ArrayList<>();
        for (JsonNode s : JSON.readTree(ao.run("skill", "list", "-o", "json").stdout())) ids.add(s.path("id").asText());
        assertThat(ids).contains("anthropics/pdf", "anthropics/skill-creator", "anthropics/theme-factory",
                "openai/create-plan", "openai/gh-fix-ci", "openai/skill-creator");

        Ao.Result mine = ao.run("skill", "show", "anthropics/skill-creator");
        assertThat(mine.exit()).as(mine.toString()).isZero();
        assertThat(mine.stdout()).contains("Create new skills (Anthropic's).");
        Ao.Result theirs = ao.run("skill", "show", "openai/skill-creator", "-o", "json");
        assertThat(theirs.exit()).as(theirs.toString()).isZero();
        assertThat(JSON.readTree(theirs.stdout()).path("description").asText()).isEqualTo("Guide for creating effective skills (OpenAI's).");
        Ao.Result ambiguous = ao.run("skill", "show", "skill-creator");
        assertThat(ambiguous.exit()).isEqualTo(2);
        assertThat(ambiguous.stderr()).contains("anthropics/skill-creator, openai/skill-creator");
        assertThat(ao.run("skill", "show", "gh-fix-ci").stdout()).startsWith("openai/gh-fix-ci");
    }

    @Test
    void aSkillWithScriptsButNoScriptJsonSaysHowToMakeItRunnable() throws Exception {
        assertThat(ao.run("skill", "add", anthropicsLike().toString(), "--name", "anthropics").exit()).isZero();
        Ao.Result list = ao.run("skill", "list");
        String pdfRow = list.stdout().lines().filter(l -> l.startsWith("anthropics/pdf ")).findFirst().orElseThrow();
        assertThat(pdfRow).contains(" scripts ");
        assertThat(list.stdout().lines().filter(l -> l.startsWith("anthropics/theme-factory ")).findFirst().orElseThrow()).doesNotContain("scripts");
        assertThat(list.stderr()).contains("has scripts, not runnable: add a script.json").contains("ao script new --from ");
        JsonNode pdf = null;
        for (JsonNode s : JSON.readTree(ao.run("skill", "list", "-o", "json").stdout())) if (s.path("id").asText().equals("anthropics/pdf")) pdf = s;
        assertThat(pdf.path("runnable").asBoolean()).isFalse();
        assertThat(pdf.path("scripts").toString()).isEqualTo("[\"scripts/check_fillable_fields.py\"]");

        Ao.Result show = ao.run("skill", "show", "anthropics/pdf");
        assertThat(show.stdout().lines().findFirst().orElse("")).isEqualTo("anthropics/pdf  has scripts, not runnable: add a script.json");
        assertThat(show.stdout()).contains("scripts/check_fillable_fields.py   ao script new --from .ao/sources/anthropics/skills/pdf/scripts/check_fillable_fields.py")
                .doesNotContain("__init__");

        // a local copy of the skill made runnable
        project.write("skills/pdf/SKILL.md", skillMd("pdf", "PDF tools.", "Body."));
        String py = project.read(project.root().resolve(".ao/sources/anthropics/skills/pdf/scripts/check_fillable_fields.py"));
        project.write("skills/pdf/scripts/check_fillable_fields.py", py);
        project.write("skills/gh/scripts/inspect.sh", "#!/bin/bash\n# Inspect the checks of a pull request\n# and print the failing ones.\n\necho checks\n");
        project.giveToItUser();
        assertThat(ao.run("skill", "show", "pdf").stdout()).contains("ao script new --from skills/pdf/scripts/check_fillable_fields.py");
        Ao.Result made = ao.run("script", "new", "--from", "skills/pdf/scripts/check_fillable_fields.py");
        assertThat(made.exit()).as(made.toString()).isZero();
        JsonNode spec = JSON.readTree(project.root().resolve("skills/pdf/scripts/script.json").toFile());
        assertThat(spec.path("name").asText()).isEqualTo("check-fillable-fields");
        assertThat(spec.path("description").asText()).isEqualTo("Check whether a PDF has fillable form fields.");
        assertThat(spec.path("script_file").asText()).isEqualTo("check_fillable_fields.py");
        assertThat(spec.path("parameters_schema").toString()).isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(spec.path("risk").asText()).isEqualTo("auto");
        Ao.Result valid = ao.run("script", "validate", "skills/pdf/scripts/check_fillable_fields.py");
        assertThat(valid.exit()).as(valid.toString()).isZero();
        assertThat(valid.stdout()).isEmpty();

        Ao.Result sh = ao.run("script", "new", "--from", "skills/gh/scripts/inspect.sh");
        assertThat(sh.exit()).as(sh.toString()).isZero();
        assertThat(JSON.readTree(project.root().resolve("skills/gh/scripts/script.json").toFile()).path("description").asText())
                .isEqualTo("Inspect the checks of a pull request and print the failing ones.");
        assertThat(ao.run("script", "validate", "skills/gh/scripts").exit()).isZero();

        String before = project.read("skills/pdf/scripts/script.json");
        Ao.Result again = ao.run("script", "new", "--from", "skills/pdf/scripts/check_fillable_fields.py");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.stderr().strip()).contains("script.json already exists").doesNotContain("\n");
        assertThat(project.read("skills/pdf/scripts/script.json")).isEqualTo(before);
        assertThat(project.countNamed(".ao-new")).isZero();
        assertThat(ao.run("script", "new", "--from", "skills/pdf/scripts/nope.py").exit()).isEqualTo(2);

        Ao.Result run = ao.run("run", "skills/pdf/scripts/check_fillable_fields.py", "--", "form.pdf");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("fields: none in ['form.pdf']");
    }

    @Test
    void lintCoversTheSourcesUnlessLocal() throws Exception {
        project.write("skills/ops/mine/SKILL.md", skillMd("mine", "Mine.", "Body."));
        assertThat(ao.run("skill", "add", anthropicsLike().toString(), "--name", "anthropics").exit()).isZero();
        assertThat(ao.run("skill", "add", openaiLike().toString(), "--name", "openai").exit()).isZero();
        Ao.Result all = ao.run("skill", "lint");
        assertThat(all.exit()).as(all.toString()).isZero();
        assertThat(all.stdout()).contains(".ao/sources/anthropics/skills/theme-factory/SKILL.md:9: warning: link to 'themes.md', which does not exist");
        assertThat(all.stderr()).contains("7 skills checked: 0 errors, 1 warning");
        Ao.Result local = ao.run("skill", "lint", "--local");
        assertThat(local.exit()).isZero();
        assertThat(local.stdout()).isEmpty();
        assertThat(local.stderr()).contains("1 skill checked: 0 errors, 0 warnings");
    }
}
