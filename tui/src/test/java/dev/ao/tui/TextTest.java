package dev.ao.tui;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextTest {
    @Test
    void wrapKeepsTheTextsOwnLinesAndDropsControlCharacters() {
        assertThat(Text.wrap("# Summary\n3 restarted\u001b[31m!\u001b[0m\n\n| a | b |", 40))
                .containsExactly("# Summary", "3 restarted!", "", "| a | b |");
    }
}
