package dev.ao.tui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogReaderTest {
    @TempDir Path dir;

    private Path numbered(int n) throws IOException {
        Path f = dir.resolve("stdout.log");
        try (BufferedWriter w = Files.newBufferedWriter(f)) {
            for (int i = 1; i <= n; i++) w.write("line " + i + "\n");
        }
        return f;
    }

    private static List<String> texts(List<LogReader.Line> lines) {
        return lines.stream().map(LogReader.Line::text).toList();
    }

    @Test
    void readsWindowsScrollsAndTails() throws IOException {
        Path f = numbered(1000);
        try (LogReader r = LogReader.open(f)) {
            assertThat(texts(r.lines(0, 3))).containsExactly("line 1", "line 2", "line 3");
            long at10 = r.move(0, 9);
            assertThat(texts(r.lines(at10, 2))).containsExactly("line 10", "line 11");
            assertThat(texts(r.lines(r.move(at10, -4), 1))).containsExactly("line 6");
            assertThat(r.move(at10, -100)).isZero();
            assertThat(texts(r.lines(r.tail(3), 10))).containsExactly("line 998", "line 999", "line 1000");
            // moving down stops with the last line still on screen
            assertThat(texts(r.lines(r.move(0, 5000), 5))).containsExactly("line 1000");
        }
    }

    @Test
    void aLastLineWithoutNewlineAndCrLfAndAMissingFile() throws IOException {
        Path f = dir.resolve("x.log");
        Files.writeString(f, "a\r\nb\r\npartial");
        try (LogReader r = LogReader.open(f)) {
            assertThat(texts(r.lines(0, 10))).containsExactly("a", "b", "partial");
            assertThat(texts(r.lines(r.tail(1), 10))).containsExactly("partial");
        }
        try (LogReader r = LogReader.open(dir.resolve("missing.log"))) {
            assertThat(r.size()).isZero();
            assertThat(r.lines(0, 10)).isEmpty();
            assertThat(r.tail(5)).isZero();
        }
    }

    @Test
    void aHugeLineIsShownInPiecesTheSameWayForwardsAndBackwards() throws IOException {
        Path f = dir.resolve("long.log");
        String big = "x".repeat(LogReader.MAX_LINE * 2 + 100);
        Files.writeString(f, "before\n" + big + "\nafter\n");
        try (LogReader r = LogReader.open(f)) {
            List<LogReader.Line> all = r.lines(0, 100);
            assertThat(texts(all)).hasSize(5);
            assertThat(all.get(1).text()).hasSize(LogReader.MAX_LINE);
            assertThat(all.get(3).text()).hasSize(100);
            assertThat(texts(all)).endsWith("after");
            // walking up from the end visits the same piece starts
            List<Long> up = new ArrayList<>();
            long pos = r.size();
            while (pos > 0) up.add(0, pos = r.previous(pos));
            assertThat(up).containsExactlyElementsOf(all.stream().map(LogReader.Line::start).toList());
        }
    }

    @Test
    void searchesForwardAndBackwardCaseInsensitively() throws IOException {
        Path f = numbered(50_000);
        try (LogReader r = LogReader.open(f)) {
            long hit = r.search(0, "LINE 4242", true, () -> false);
            assertThat(texts(r.lines(hit, 1))).containsExactly("line 4242");
            long next = r.search(r.lines(hit, 2).get(1).start(), "line 4242", true, () -> false);
            assertThat(texts(r.lines(next, 1))).containsExactly("line 42420");
            long back = r.search(next, "line 4242", false, () -> false);
            assertThat(back).isEqualTo(hit);
            assertThat(r.search(0, "no such text", true, () -> false)).isEqualTo(-1);
            assertThat(r.search(0, "line 1", true, () -> true)).isEqualTo(-1);
        }
    }

    @Test
    void decodesUtf8AndKeepsControlCharactersOffTheScreen() throws IOException {
        Path f = dir.resolve("u.log");
        Files.write(f, "grüße \u001b[31mred\u001b[0m\tend\n".getBytes(StandardCharsets.UTF_8));
        try (LogReader r = LogReader.open(f)) {
            assertThat(Text.clean(r.lines(0, 1).get(0).text())).isEqualTo("grüße red    end");
        }
    }
}
