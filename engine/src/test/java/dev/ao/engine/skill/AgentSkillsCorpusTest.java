package dev.ao.engine.skill;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Skills written for Anthropic Agent Skills and Codex (name + description only; scripts/, references/,
 * assets; long, folded and literal descriptions; license, allowed-tools, metadata; CRLF) load, list and lint
 * unchanged.
 */
class AgentSkillsCorpusTest {

    static Path corpus() {
        try {
            return Path.of(AgentSkillsCorpusTest.class.getResource("/dev/ao/engine/skill/corpus").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everySkillLoadsWithoutProblems() {
        SkillCatalog c = SkillCatalog.scan(List.of(new SkillCatalog.Root(corpus(), null)));
        assertThat(c.problems()).isEmpty();
        assertThat(c.conflicts()).isEmpty();
        assertThat(c.all()).extracting(Skill::id).containsExactly("brand-guidelines", "changelog-writer", "gh-fix-ci",
                "pdf-processing", "skill-creator", "webapp-testing");
        for (Skill s : c.all()) {
            assertThat(s.name()).as(s.id()).isEqualTo(s.id());
            assertThat(s.description()).as(s.id()).isNotBlank().doesNotContain("\n");
            assertThat(s.runnable()).as(s.id() + " has scripts/ but no script.json: know-how, not runnable").isFalse();
            assertThat(s.scriptFirst()).isFalse();
            assertThat(s.body()).as(s.id()).isNotBlank();
        }
    }

    @Test
    void theirOwnFieldsAreKept() {
        SkillCatalog c = SkillCatalog.scan(List.of(new SkillCatalog.Root(corpus(), null)));
        assertThat(c.find("pdf-processing").orElseThrow().frontMatter()).containsEntry("allowed-tools", "Bash(python3:*), Read, Write");
        assertThat(c.find("gh-fix-ci").orElseThrow().frontMatter().get("metadata").toString()).contains("short-description");
        assertThat(c.find("webapp-testing").orElseThrow().description()).startsWith("Toolkit for interacting").endsWith("running on localhost.");
        assertThat(c.find("brand-guidelines").orElseThrow().description()).contains("artifact: slides");
        assertThat(c.find("skill-creator").orElseThrow().description().length()).isGreaterThan(600);
        assertThat(c.find("changelog-writer").orElseThrow().description()).endsWith("before cutting a release.");
    }

    @Test
    void theyLintWithoutFindings() {
        SkillLinter.Report r = new SkillLinter(SkillLinter.Options.defaults()).lint(List.of(corpus()));
        assertThat(r.findings()).isEmpty();
        assertThat(r.skills()).isEqualTo(6);
    }

    @Test
    void theyAreFoundBySearch() {
        SkillCatalog c = SkillCatalog.scan(List.of(new SkillCatalog.Root(corpus(), null)));
        SkillSearch search = new SkillSearch(c.all());
        assertThat(search.search("fill a pdf form", 1)).extracting(h -> h.skill().id()).containsExactly("pdf-processing");
        assertThat(search.search("CI is red on my pull request", 1)).extracting(h -> h.skill().id()).containsExactly("gh-fix-ci");
        assertThat(search.search("screenshot the app on localhost", 1)).extracting(h -> h.skill().id()).containsExactly("webapp-testing");
    }
}
