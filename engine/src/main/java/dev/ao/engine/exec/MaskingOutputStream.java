package dev.ao.engine.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Replaces every occurrence of a secret with {@code ***} as bytes stream through, including occurrences split
 * across writes: it holds back the last {@code longest-1} bytes until it knows they start no secret.
 */
public final class MaskingOutputStream extends OutputStream {
    private static final byte[] MASK = "***".getBytes(StandardCharsets.UTF_8);
    private final OutputStream out;
    private final byte[][] secrets;
    private final int keep;
    private byte[] buf = new byte[64 * 1024];
    private int len;

    public MaskingOutputStream(OutputStream out, List<String> secrets) {
        this.out = out;
        this.secrets = secrets.stream().filter(s -> !s.isEmpty()).distinct()
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .sorted(Comparator.comparingInt((byte[] b) -> b.length).reversed())
                .toArray(byte[][]::new);
        this.keep = Arrays.stream(this.secrets).mapToInt(b -> b.length).max().orElse(1) - 1;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
        if (secrets.length == 0) {
            out.write(b, off, n);
            return;
        }
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        System.arraycopy(b, off, buf, len, n);
        len += n;
        drain(false);
    }

    private void drain(boolean all) throws IOException {
        int limit = all ? len : len - keep;
        int start = 0;
        int i = 0;
        while (i < limit) {
            byte[] hit = matchAt(i);
            if (hit != null) {
                out.write(buf, start, i - start);
                out.write(MASK);
                i += hit.length;
                start = i;
            } else {
                i++;
            }
        }
        out.write(buf, start, i - start);
        System.arraycopy(buf, i, buf, 0, len - i);
        len -= i;
    }

    private byte[] matchAt(int i) {
        outer:
        for (byte[] s : secrets) {
            if (i + s.length > len) continue;
            for (int j = 0; j < s.length; j++) {
                if (buf[i + j] != s[j]) continue outer;
            }
            return s;
        }
        return null;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        drain(true);
        out.close();
    }

    /** Masks a whole string, for texts that never stream (summary, outputs, messages). */
    public static String mask(String text, List<String> secrets) {
        if (text == null) return null;
        String t = text;
        for (String s : secrets.stream().filter(x -> !x.isEmpty()).sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            t = t.replace(s, "***");
        }
        return t;
    }
}
