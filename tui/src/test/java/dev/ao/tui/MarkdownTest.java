package dev.ao.tui;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownTest {
    @Test
    void rendersSkillMarkdownAsReadableText() {
        String md = """
                # Bulk restart

                Restarts **every** deployment matching `selector`,
                one at a time. See [the runbook](https://wiki/runbook).

                ## Steps
                - check the rollout
                  status first
                1. restart

                ```bash
                kubectl rollout restart deploy/x
                ```
                <!-- a comment
                over lines -->
                | a | b |
                |---|---|
                | 1 | 2 |
                """;
        List<Markdown.Line> lines = Markdown.render(md, 60);
        List<String> text = lines.stream().map(Markdown.Line::text).toList();
        assertThat(text).contains("BULK RESTART", "Steps", "  kubectl rollout restart deploy/x", "| 1 | 2 |");
        assertThat(text).contains("Restarts every deployment matching selector, one at a time.");
        assertThat(String.join("\n", text)).contains("the runbook <https://wiki/runbook>").contains("• check the rollout status first")
                .contains("1. restart").doesNotContain("**").doesNotContain("```").doesNotContain("comment").doesNotContain("|---|");
        assertThat(lines.get(0).kind()).isEqualTo(Markdown.Kind.HEADING);
        assertThat(lines).allSatisfy(l -> assertThat(l.text().length()).isLessThanOrEqualTo(60));
    }
}
