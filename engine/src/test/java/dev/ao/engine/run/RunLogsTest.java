package dev.ao.engine.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class RunLogsTest {

    @Test
    void pagesHoldWholeLinesAndChainByNextOffset(@TempDir Path d) throws Exception {
        Path log = Files.writeString(d.resolve("stdout.log"), "alpha\nbravo\ncharlie\ndelta\n");
        RunLogs.Page p1 = RunLogs.page(log, 0, 14, null);
        assertThat(p1.text()).isEqualTo("alpha\nbravo\n");
        assertThat(p1.next()).isEqualTo(12);
        assertThat(p1.eof()).isFalse();
        RunLogs.Page p2 = RunLogs.page(log, p1.next(), 14, null);
        assertThat(p2.text()).isEqualTo("charlie\ndelta\n");
        assertThat(p2.eof()).isTrue();
        assertThat(p2.next()).isEqualTo(Files.size(log));
        assertThat(RunLogs.page(log, p2.next(), 14, null).text()).isEmpty();
    }

    @Test
    void aLineLongerThanThePageIsCutAndTheNextPageGoesOn(@TempDir Path d) throws Exception {
        Path log = Files.writeString(d.resolve("stdout.log"), "x".repeat(25) + "\nend\n");
        RunLogs.Page p1 = RunLogs.page(log, 0, 10, null);
        assertThat(p1.text()).isEqualTo("x".repeat(10));
        assertThat(p1.next()).isEqualTo(10);
        RunLogs.Page p3 = RunLogs.page(log, 20, 10, null);
        assertThat(p3.text()).isEqualTo("xxxxx\nend\n");
        assertThat(p3.eof()).isTrue();
    }

    @Test
    void grepFillsThePageWithMatchesAndSkipsTheRest(@TempDir Path d) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) sb.append(i % 100 == 7 ? "ERROR item " + i : "ok item " + i).append('\n');
        sb.append("ERROR tail without newline");
        Path log = Files.writeString(d.resolve("stdout.log"), sb);
        RunLogs.Page p = RunLogs.page(log, 0, 43, Pattern.compile("^ERROR"));
        assertThat(p.text()).isEqualTo("ERROR item 7\nERROR item 107\nERROR item 207\n");
        assertThat(p.lines()).isEqualTo(3);
        RunLogs.Page rest = RunLogs.page(log, p.next(), 1 << 20, Pattern.compile("^ERROR"));
        assertThat(rest.text()).startsWith("ERROR item 307\n").endsWith("ERROR item 907\nERROR tail without newline");
        assertThat(rest.eof()).isTrue();
    }
}
