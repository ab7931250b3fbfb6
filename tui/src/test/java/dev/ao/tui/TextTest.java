package dev.ao.tui;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextTest {
    @Test
    void wrapKeepsTheTextsOwnLinesAndDropsControlCharacters() {
        assertThat(Text.wrap("# Summary\n3 restarted\u001b[31m!\u001b[0m\n\n| a | b |", 40))
                .containsExactly("# Summary", "3 restarted!", "", "| a | b |");
    }

    @Test
    void aClipboardWriteOrAnEightBitCsiInASummaryLeavesNoTraceOnScreen() {
        assertThat(Text.clean("done\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007\u001b[2J\u009b1A \u202eok")).isEqualTo("done ok");
        assertThat(Text.wrap("a\u001b]0;title\nstill title\u0007b", 40)).containsExactly("ab");
    }

    @Test
    void aSkillBodyFromAGitSourceIsRenderedWithoutItsEscapes() {
        assertThat(Markdown.render("# Title\u001b]52;c;QUJD\u0007\n\nbody\u001b[1A\u001b[2K", 40))
                .extracting(Markdown.Line::text).noneMatch(l -> l.contains("\u001b") || l.contains("52;c"));
    }
}
