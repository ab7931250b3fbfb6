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
        assertThat(text).contains("BULK RESTART", "Steps", "  kubectl rollout restart deploy/x", "a │ b", "1 │ 2");
        assertThat(text).contains("Restarts every deployment matching selector, one at a time.");
        assertThat(String.join("\n", text)).contains("the runbook <https://wiki/runbook>").contains("• check the rollout status first")
                .contains("1. restart").doesNotContain("**").doesNotContain("```").doesNotContain("comment").doesNotContain("|---|");
        assertThat(lines.get(0).kind()).isEqualTo(Markdown.Kind.HEADING);
        assertThat(lines).allSatisfy(l -> assertThat(l.text().length()).isLessThanOrEqualTo(60));
    }

    @Test
    void tablesAreDrawnAsAlignedColumnsWithTheHeaderUnderlined() {
        String md = """
                | error type | count | first seen |
                |:-----------|------:|------------|
                | Timeout | 12 | 10:01 |
                | NullPointerException | 3 | 10:07 |
                | a \\| b | `x` **y** | [link](http://h) |
                after
                """;
        List<String> text = Markdown.render(md, 80).stream().map(Markdown.Line::text).toList();
        assertThat(text).containsExactly(
                "error type           │ count │ first seen",
                "─────────────────────┼───────┼────────────────",
                "Timeout              │ 12    │ 10:01",
                "NullPointerException │ 3     │ 10:07",
                "a | b                │ x y   │ link <http://h>",
                "after");
        assertThat(Markdown.render(md, 80).get(0).kind()).isEqualTo(Markdown.Kind.HEADING);
    }

    @Test
    void hostileTablesStayInsideTheWidthAndCarryNoEscapes() {
        String wide = "x".repeat(5000);
        String many = "|" + "c|".repeat(200);
        String md = "| id | what |\n|--|--|\n| 1 | " + wide + " |\n| 2 | \u001b]52;c;cHduZWQ=\u0007evil \u001b[2J |\n\n" + many + "\n";
        List<Markdown.Line> lines = Markdown.render(md, 40);
        assertThat(lines).allSatisfy(l -> assertThat(com.googlecode.lanterna.TerminalTextUtils.getColumnWidth(l.text())).isLessThanOrEqualTo(40));
        String all = String.join("\n", lines.stream().map(Markdown.Line::text).toList());
        assertThat(all).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("52;c").contains("evil");
        assertThat(lines.get(2).text()).startsWith("1  │ xxx").endsWith("…");
        // 200 columns: at most MAX_TABLE_COLUMNS are considered, the rest said by a last "…" column
        assertThat(lines.get(lines.size() - 1).text()).endsWith("│ …");
        // a table of a million rows is bounded
        assertThat(Markdown.render("| a |\n".repeat(100_000), 40)).hasSize(Markdown.MAX_TABLE_ROWS);
    }

    @Test
    void aSummaryKeepsItsLinesWhereSkillMarkdownJoinsThem() {
        String md = "errors: 3\nwarnings: 12\n";
        assertThat(Markdown.render(md, 40, true).stream().map(Markdown.Line::text).toList()).containsExactly("errors: 3", "warnings: 12");
        assertThat(Markdown.render(md, 40).stream().map(Markdown.Line::text).toList()).containsExactly("errors: 3 warnings: 12");
    }
}
