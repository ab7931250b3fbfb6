package dev.ao.engine.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class RunLogsChunkTest {
    @TempDir Path dir;

    @Test
    void pagesCoverTheWholeFileAtLineEnds() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) sb.append("line ").append(i).append('\n');
        Path f = Files.writeString(dir.resolve("out.log"), sb);
        StringBuilder back = new StringBuilder();
        long offset = 0;
        RunLogs.Chunk p;
        do {
            p = RunLogs.read(f, offset, 100);
            assertThat(p.offset()).isEqualTo(offset);
            assertThat(p.nextOffset() - p.offset()).isLessThanOrEqualTo(100);
            if (!p.eof()) assertThat(p.text()).endsWith("\n");
            back.append(p.text());
            offset = p.nextOffset();
        } while (!p.eof());
        assertThat(back.toString()).isEqualTo(sb.toString());
        assertThat(offset).isEqualTo(Files.size(f));
    }

    @Test
    void neverCutsACharacterAndCountsNegativeOffsetsFromTheEnd() throws Exception {
        Path f = Files.write(dir.resolve("u.log"), "ééééé".getBytes(StandardCharsets.UTF_8));
        RunLogs.Chunk p = RunLogs.read(f, 0, 3);
        assertThat(p.text()).isEqualTo("é");
        assertThat(p.nextOffset()).isEqualTo(2);
        RunLogs.Chunk tail = RunLogs.read(f, -3, 100);
        assertThat(tail.text()).isEqualTo("é");
        assertThat(tail.offset()).isEqualTo(8);
        assertThat(tail.eof()).isTrue();
        assertThat(RunLogs.read(f, 99, 10).eof()).isTrue();
    }

    @Test
    void grepReturnsMatchingLinesWithTheirOffsetsAndWhereToGoOn() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) sb.append(i % 10 == 0 ? "ERROR " : "ok ").append(i).append('\n');
        Path f = Files.writeString(dir.resolve("g.log"), sb);
        RunLogs.Chunk all = RunLogs.grep(f, 0, Pattern.compile("ERROR"), 4096, Long.MAX_VALUE);
        assertThat(all.text().lines()).hasSize(10).allMatch(l -> l.matches("\\d+: ERROR \\d+"));
        assertThat(all.eof()).isTrue();
        RunLogs.Chunk some = RunLogs.grep(f, 0, Pattern.compile("ERROR"), 30, Long.MAX_VALUE);
        assertThat(some.text().lines()).hasSize(2);
        assertThat(some.eof()).isFalse();
        RunLogs.Chunk rest = RunLogs.grep(f, some.nextOffset(), Pattern.compile("ERROR"), 4096, Long.MAX_VALUE);
        assertThat(rest.text().lines()).hasSize(8).first().asString().startsWith(some.nextOffset() + ": ERROR 20");
    }
}
