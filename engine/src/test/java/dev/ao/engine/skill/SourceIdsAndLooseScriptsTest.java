package dev.ao.engine.skill;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a source's skill is named, and where a script.json made from a script takes its description. */
class SourceIdsAndLooseScriptsTest {

    @Test
    void sourceIdsDropTheSkillsFolderAndDotFolders() {
        assertThat(SkillCatalog.sourceId("anthropics", "skills/pdf")).isEqualTo("anthropics/pdf");
        assertThat(SkillCatalog.sourceId("openai", "skills/.curated/gh-fix-ci")).isEqualTo("openai/gh-fix-ci");
        assertThat(SkillCatalog.sourceId("openai", "skills/.system/skill-creator")).isEqualTo("openai/skill-creator");
        assertThat(SkillCatalog.sourceId("team", "ops/hello")).isEqualTo("team/ops/hello");
        assertThat(SkillCatalog.sourceId("anthropics", "template")).isEqualTo("anthropics/template");
        assertThat(SkillCatalog.sourceId("one", "")).isEqualTo("one");
        assertThat(SkillCatalog.sourceId("x", "skills")).as("a skill named skills keeps its name").isEqualTo("x/skills");
        assertThat(SkillCatalog.ignoredInSource(".curated")).isFalse();
        assertThat(SkillCatalog.ignoredInSource(".git")).isTrue();
    }

    @Test
    void descriptionComesFromTheDocstringOrTheLeadingComment() {
        SkillTemplates.Lang py = SkillTemplates.Lang.PYTHON;
        assertThat(SkillTemplates.leadingText("#!/usr/bin/env python3\n\"\"\"Check fields.\n\nMore.\n\"\"\"\n", py)).isEqualTo("Check fields.");
        assertThat(SkillTemplates.leadingText("# -*- coding: utf-8 -*-\n'''Two\nlines.'''\nimport x\n", py)).isEqualTo("Two lines.");
        assertThat(SkillTemplates.leadingText("\"\"\"One line.\"\"\"\n", py)).isEqualTo("One line.");
        assertThat(SkillTemplates.leadingText("# Inspect checks\n# of a PR.\n\n# not this\nprint(1)\n", py)).isEqualTo("Inspect checks of a PR.");
        assertThat(SkillTemplates.leadingText("#!/bin/bash\n#\n# Rotate keys.\nset -e\n", SkillTemplates.Lang.BASH)).isEqualTo("Rotate keys.");
        assertThat(SkillTemplates.leadingText("// Bundle it.\nconst x = 1;\n", SkillTemplates.Lang.JS)).isEqualTo("Bundle it.");
        assertThat(SkillTemplates.leadingText("import sys\nprint(1)\n", py)).startsWith("TODO");
    }
}
