package dev.ao.engine.k8s;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PodLogSinkTest {
    static final String M = "AO-0123456789abcdef";

    @TempDir Path dir;

    private PodLogSink sink(List<String> mask) throws Exception {
        return new PodLogSink(dir, dir.resolve("stdout.log"), dir.resolve("stderr.log"), dir.resolve("summary.md"),
                dir.resolve("outputs.env"), M, mask);
    }

    private static ByteArrayInputStream log(String... lines) {
        return new ByteArrayInputStream(String.join("", lines).getBytes(StandardCharsets.UTF_8));
    }

    private String read(String f) throws Exception {
        return Files.readString(dir.resolve(f));
    }

    @Test
    void splitsTheOneKubernetesLogBackIntoTheRunsFiles() throws Exception {
        try (PodLogSink s = sink(List.of())) {
            s.resume();
            s.consume(log("2026-01-01T00:00:01.000000001Z out 1\n",
                    "2026-01-01T00:00:01.000000002Z " + M + " E err 1\n",
                    "2026-01-01T00:00:02.000000000Z " + M + " S # Summary\n",
                    "2026-01-01T00:00:02.000000001Z " + M + " O restarted=3\n",
                    "2026-01-01T00:00:02.000000002Z no newline at the end" + M + " X 0\n"));
            assertThat(s.ended()).isTrue();
        }
        assertThat(read("stdout.log")).isEqualTo("out 1\nno newline at the end");
        assertThat(read("stderr.log")).isEqualTo("err 1\n");
        assertThat(read("summary.md")).isEqualTo("# Summary\n");
        assertThat(read("outputs.env")).isEqualTo("restarted=3\n");
    }

    @Test
    void aDroppedStreamResumesFromTheCursorWithNoLineLostOrDoubled() throws Exception {
        String a = "2026-01-01T00:00:01.500000000Z a\n";
        String b1 = "2026-01-01T00:00:01.700000000Z b\n";
        String b2 = "2026-01-01T00:00:01.700000000Z b again, same instant\n";
        String c = "2026-01-01T00:00:02.100000000Z c\n";
        try (PodLogSink s = sink(List.of())) {
            s.resume();
            s.consume(log(a, b1, "2026-01-01T00:00:01.70"));      // the stream drops inside a line
            assertThat(s.since()).isEqualTo("2026-01-01T00:00:01Z");
        }
        // a new ao (the first died): the files are cut back to the cursor, the log asked again from its second
        try (PodLogSink s = sink(List.of())) {
            s.resume();
            s.consume(log(a, b1, b2, c));
        }
        assertThat(read("stdout.log")).isEqualTo("a\nb\nb again, same instant\nc\n");
    }

    @Test
    void bytesWrittenAfterTheLastCursorAreCutBackOnResume() throws Exception {
        try (PodLogSink s = sink(List.of())) {
            s.resume();
            s.consume(log("2026-01-01T00:00:01.000000000Z kept\n"));
        }
        // an ao killed between its write and its cursor: the half-recorded tail goes, the log brings it again
        Files.writeString(dir.resolve("stdout.log"), "kept\nhalf writ", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        try (PodLogSink s = sink(List.of())) {
            s.resume();
            s.consume(log("2026-01-01T00:00:01.000000000Z kept\n", "2026-01-01T00:00:03.000000000Z half written\n"));
        }
        assertThat(read("stdout.log")).isEqualTo("kept\nhalf written\n");
    }

    @Test
    void secretsAreMaskedInEveryFileAndAForgedMarkerOnlyReachesTheRunsOwnFiles() throws Exception {
        try (PodLogSink s = sink(List.of("hunter2"))) {
            s.resume();
            s.consume(log("2026-01-01T00:00:01.000000000Z token hunter2\n",
                    "2026-01-01T00:00:01.000000001Z " + M + " E stderr hunter2\n",
                    "2026-01-01T00:00:01.000000002Z " + M + " S summary hunter2\n",
                    "2026-01-01T00:00:01.000000003Z " + M + " O key=hunter2\n",
                    "2026-01-01T00:00:01.000000004Z AO-ffffffffffffffff S not our marker\n"));
        }
        for (String f : List.of("stdout.log", "stderr.log", "summary.md", "outputs.env")) {
            assertThat(read(f)).doesNotContain("hunter2");
        }
        assertThat(read("stdout.log")).contains("token ***").contains("AO-ffffffffffffffff S not our marker");
    }
}
