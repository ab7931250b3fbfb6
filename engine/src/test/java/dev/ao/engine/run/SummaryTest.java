package dev.ao.engine.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SummaryTest {

    @Test
    void summaryFileWinsOverStdout(@TempDir Path d) throws Exception {
        Path sum = Files.writeString(d.resolve("s.md"), "# Done\n3 restarted\n");
        Path out = Files.writeString(d.resolve("o.log"), "noise\nlast\n");
        assertThat(Summary.extract(sum, out, "r1").text()).isEqualTo("# Done\n3 restarted");
    }

    @Test
    void elseTheLastNonEmptyStdoutLineReadFromTheTail(@TempDir Path d) throws Exception {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 20000; i++) big.append("line ").append(i).append('\n');
        big.append("final answer\n\n   \n");
        Path out = Files.writeString(d.resolve("o.log"), big);
        Path empty = Files.writeString(d.resolve("s.md"), "");
        Summary s = Summary.extract(empty, out, "r1");
        assertThat(s.text()).isEqualTo("final answer");
        assertThat(s.truncated()).isFalse();
    }

    @Test
    void boundedToFortyLinesAndFourKibWithAMarker() {
        StringBuilder many = new StringBuilder();
        for (int i = 1; i <= 100; i++) many.append("line ").append(i).append('\n');
        Summary s = Summary.bound(many.toString().strip(), "abc");
        assertThat(s.truncated()).isTrue();
        assertThat(s.text().lines().count()).isEqualTo(41);
        assertThat(s.text()).endsWith("… summary truncated (60 more lines); full text: ao runs show abc --full");
        Summary wide = Summary.bound("x".repeat(10_000), "abc");
        assertThat(wide.text().length()).isLessThanOrEqualTo(Summary.MAX_BYTES);
        assertThat(wide.truncated()).isTrue();
    }

    @Test
    void outputsAreKeyValueLines(@TempDir Path d) throws Exception {
        Path f = Files.writeString(d.resolve("out.env"), "restarted=12\n# comment\nbad line\nfailed = 0\n");
        assertThat(Summary.outputs(f)).containsEntry("restarted", "12").containsEntry("failed", "0").hasSize(2);
    }

    @Test
    void aFailedRunsSummaryEndsWithTheLastLinesOfStderrMaskedAndBounded(@TempDir Path d) throws Exception {
        Path out = Files.writeString(d.resolve("o.log"), "step 4 ok\nstep 5 ok\n");
        StringBuilder err = new StringBuilder();
        for (int i = 1; i <= 30; i++) err.append("warning ").append(i).append('\n');
        err.append("Traceback: connect to db failed with password hunter2\n").append("y".repeat(1000)).append('\n');
        Path errLog = Files.writeString(d.resolve("e.log"), err);
        Summary s = Summary.extract(Files.writeString(d.resolve("s.md"), ""), out, "r1")
                .withStderr(Summary.stderrTail(errLog, java.util.List.of("hunter2")));
        assertThat(s.text()).startsWith("step 5 ok\n\nstderr (last 10 lines):\nwarning 23\n");
        assertThat(s.text()).contains("Traceback: connect to db failed with password ***").doesNotContain("hunter2");
        assertThat(s.text().lines().toList().get(s.text().lines().toList().size() - 1)).isEqualTo("y".repeat(300) + " …");
        assertThat(s.full()).isEqualTo(s.text());
    }

    @Test
    void noStderrLeavesTheSummaryAlone(@TempDir Path d) throws Exception {
        Path errLog = Files.writeString(d.resolve("e.log"), "\n\n");
        Summary s = Summary.bound("done", "r1");
        assertThat(s.withStderr(Summary.stderrTail(errLog, java.util.List.of()))).isEqualTo(s);
    }
}
