package dev.ao.engine.exec;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MaskingOutputStreamTest {

    private static String through(List<String> secrets, int chunk, String input) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (MaskingOutputStream m = new MaskingOutputStream(sink, secrets)) {
            byte[] b = input.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < b.length; i += chunk) m.write(b, i, Math.min(chunk, b.length - i));
        }
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void masksEverySecretEvenWhenSplitAcrossWrites() throws Exception {
        String in = "token=hunter2 again hunter2hunter2 and pass=s3cr3t end";
        for (int chunk : new int[] {1, 2, 3, 5, 7, 64}) {
            assertThat(through(List.of("hunter2", "s3cr3t"), chunk, in))
                    .as("chunk " + chunk).isEqualTo("token=*** again ****** and pass=*** end");
        }
    }

    @Test
    void longerSecretWinsOverItsPrefix() throws Exception {
        assertThat(through(List.of("abc", "abcdef"), 2, "xabcdefy abc")).isEqualTo("x***y ***");
    }

    @Test
    void noSecretsPassesBytesThrough() throws Exception {
        assertThat(through(List.of(), 3, "plain ünïcode")).isEqualTo("plain ünïcode");
        assertThat(MaskingOutputStream.mask("a hunter2 b", List.of("hunter2"))).isEqualTo("a *** b");
    }
}
