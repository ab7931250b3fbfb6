package dev.ao.engine.run;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reading a run's logs from their end, without reading what comes before: logs can be gigabytes. */
public final class RunLogs {
    private RunLogs() {}

    /** Offset of the start of the last {@code n} lines, reading backwards from the end in blocks. */
    public static long tailOffset(Path file, int n) throws IOException {
        if (!Files.exists(file)) return 0;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (n == 0) return len;
            long pos = len;
            int newlines = 0;
            byte[] buf = new byte[64 * 1024];
            // a final newline ends the last line; it does not start another
            if (len > 0) {
                raf.seek(len - 1);
                if (raf.read() == '\n') pos = len - 1;
            }
            while (pos > 0) {
                int chunk = (int) Math.min(buf.length, pos);
                raf.seek(pos - chunk);
                raf.readFully(buf, 0, chunk);
                for (int i = chunk - 1; i >= 0; i--) {
                    if (buf[i] == '\n' && ++newlines == n) return pos - chunk + i + 1;
                }
                pos -= chunk;
            }
            return 0;
        }
    }

    /** The last {@code n} non-empty lines of a log, read from its last 64 KiB only. */
    public static List<String> lastLines(Path log, int n) {
        try {
            if (!Files.isRegularFile(log)) return List.of();
            try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
                long len = raf.length();
                int size = (int) Math.min(len, 64 * 1024);
                byte[] b = new byte[size];
                raf.seek(len - size);
                raf.readFully(b);
                List<String> lines = new String(b, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
                return lines.subList(Math.max(0, lines.size() - n), lines.size());
            }
        } catch (IOException e) {
            return List.of();
        }
    }
}
