package dev.ao.engine.skill;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SkillParserTest {
    private static final Path DIR = Path.of("/skills/k8s/bulk-restart");

    private static Skill parse(String text) {
        return SkillParser.parse(DIR, "k8s/bulk-restart", null, text);
    }

    @Test
    void keepsUnknownFieldsAndTheBody() {
        Skill s = parse("""
                ---
                name: bulk-restart
                description: Restart deployments matching a selector
                license: Apache-2.0
                allowed-tools: Bash(kubectl:*), Read
                metadata:
                  version: "1.2"
                  owner: platform
                ---
                # Bulk restart

                Body text.
                """);
        assertThat(s.name()).isEqualTo("bulk-restart");
        assertThat(s.description()).isEqualTo("Restart deployments matching a selector");
        assertThat(s.frontMatter()).containsKeys("license", "allowed-tools", "metadata");
        assertThat(s.frontMatter().get("license")).isEqualTo("Apache-2.0");
        assertThat(s.frontMatter().get("allowed-tools")).isEqualTo("Bash(kubectl:*), Read");
        assertThat(s.frontMatter().get("metadata")).isEqualTo(Map.of("version", "1.2", "owner", "platform"));
        assertThat(s.body()).isEqualTo("# Bulk restart\n\nBody text.\n");
        assertThat(s.frontMatter().keySet()).containsExactly("name", "description", "license", "allowed-tools", "metadata");
    }

    @Test
    void intentStandsInForDescription() {
        Skill s = parse("""
                ---
                name: bulk-restart
                intent: When many deployments must pick up a rotated secret
                ---
                body
                """);
        assertThat(s.description()).isEqualTo("When many deployments must pick up a rotated secret");
    }

    @Test
    void descriptionWinsOverIntentWhenBothAreThere() {
        Skill s = parse("---\nname: x\ndescription: the description\nintent: the intent\n---\n");
        assertThat(s.description()).isEqualTo("the description");
    }

    @Test
    void tagsAsListAsCommaStringOrAsWords() {
        assertThat(parse("---\nname: a\ndescription: d\ntags: [k8s, restart]\n---\n").tags()).containsExactly("k8s", "restart");
        assertThat(parse("---\nname: a\ndescription: d\ntags:\n  - k8s\n  - restart\n---\n").tags()).containsExactly("k8s", "restart");
        assertThat(parse("---\nname: a\ndescription: d\ntags: \"k8s, restart\"\n---\n").tags()).containsExactly("k8s", "restart");
        assertThat(parse("---\nname: a\ndescription: d\ntags: k8s restart\n---\n").tags()).containsExactly("k8s", "restart");
        assertThat(parse("---\nname: a\ndescription: d\n---\n").tags()).isEmpty();
    }

    @Test
    void flagsAndDefaults() {
        Skill s = parse("---\ndescription: d\nalways_load: true\nscript_first: \"true\"\n---\n");
        assertThat(s.alwaysLoad()).isTrue();
        assertThat(s.scriptFirst()).isTrue();
        assertThat(s.name()).as("no name: the folder name").isEqualTo("bulk-restart");
        assertThat(parse("---\nname: a\ndescription: d\n---\n").scriptFirst()).isFalse();
    }

    @Test
    void multiLineDescriptionsReadAsOneLine() {
        Skill folded = parse("""
                ---
                name: a
                description: >
                  Restart deployments
                  in parallel.
                ---
                """);
        assertThat(folded.description()).isEqualTo("Restart deployments in parallel.");
        Skill literal = parse("""
                ---
                name: a
                description: |
                  First line.
                  Second line.
                ---
                """);
        assertThat(literal.description()).isEqualTo("First line. Second line.");
        assertThat(literal.frontMatter().get("description")).isEqualTo("First line.\nSecond line.\n");
    }

    @Test
    void crlfAndByteOrderMarkAreFine() {
        Skill s = parse("\uFEFF---\r\nname: a\r\ndescription: d\r\n---\r\nbody\r\n");
        assertThat(s.description()).isEqualTo("d");
        assertThat(s.body()).isEqualTo("body\r\n");
    }

    @Test
    void badYamlNamesTheLineInTheFile() {
        String text = """
                ---
                name: a
                description: d
                tags: [k8s, restart
                ---
                """;
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(SkillParser.FormatException.class, e -> {
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.detail()).startsWith("front matter is not valid YAML");
                    assertThat(e.getMessage()).startsWith("/skills/k8s/bulk-restart/SKILL.md:" + e.line() + ": ");
                });
    }

    @Test
    void aColonInAPlainDescriptionIsAYamlErrorOnItsLine() {
        String text = "---\nname: a\ndescription: Use when: pods crash\n---\n";
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(SkillParser.FormatException.class,
                e -> assertThat(e.line()).isEqualTo(3));
    }

    @Test
    void missingOrUnclosedFrontMatter() {
        assertThatThrownBy(() -> parse("# just markdown\n")).isInstanceOfSatisfying(SkillParser.FormatException.class,
                e -> assertThat(e.line()).isEqualTo(1));
        assertThatThrownBy(() -> parse("---\nname: a\n")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> parse("---\n- a\n- b\n---\n")).hasMessageContaining("must be a YAML mapping");
    }

    @Test
    void bodyLineCountsFromTheFileStart() {
        SkillParser.Document d = SkillParser.split(Path.of("SKILL.md"), "---\nname: a\ndescription: b\n---\nbody\n");
        assertThat(d.bodyLine()).isEqualTo(5);
        assertThat(d.frontMatter()).isEqualTo("name: a\ndescription: b\n");
    }

    @Test
    void scriptFirstMarkerMustBeALineOfItsOwn() {
        assertThat(SkillParser.hasScriptFirstMarker("x\n<!-- SCRIPT-FIRST -->\ny")).isTrue();
        assertThat(SkillParser.hasScriptFirstMarker("  <!-- SCRIPT-FIRST -->  \n")).isTrue();
        assertThat(SkillParser.hasScriptFirstMarker("see the `<!-- SCRIPT-FIRST -->` marker")).isFalse();
        assertThat(SkillParser.hasScriptFirstMarker("## SCRIPT-FIRST\n")).isFalse();
    }

    @Test
    void tagsParserIgnoresBlanks() {
        assertThat(SkillParser.tags(List.of("a", " ", "b"))).containsExactly("a", "b");
    }
}
