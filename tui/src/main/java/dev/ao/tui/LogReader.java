package dev.ao.tui;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Reads windows of a log file that may be far larger than memory: a position is a byte offset of a line start,
 * lines are found by scanning a few KiB forwards or backwards from it, and nothing but the visible lines is ever
 * held. A line longer than {@link #MAX_LINE} bytes is shown as several pieces of that size, so one giant line
 * cannot be loaded whole either.
 */
final class LogReader implements AutoCloseable {
    static final int MAX_LINE = 4096;
    /** How far back a line's start is looked for; a longer line is cut at this distance. */
    private static final int MAX_SCAN_BACK = 1 << 20;
    private static final int BLOCK = 64 * 1024;

    /** One line (or piece of a long line): {@code [start, next)} in the file, and its text. */
    record Line(long start, long next, String text) {}

    private final RandomAccessFile raf;
    private final long size;
    private final byte[] buf = new byte[BLOCK];
    private long bufStart = -1;
    private int bufLen;

    private LogReader(RandomAccessFile raf) throws IOException {
        this.raf = raf;
        this.size = raf == null ? 0 : raf.length();
    }

    /** Opens {@code file}; a missing file reads as empty. */
    static LogReader open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return new LogReader(null);
        return new LogReader(new RandomAccessFile(file.toFile(), "r"));
    }

    long size() {
        return size;
    }

    @Override
    public void close() throws IOException {
        if (raf != null) raf.close();
    }

    private int byteAt(long pos) throws IOException {
        if (pos < bufStart || pos >= bufStart + bufLen) fill(Math.max(0, pos - BLOCK / 2));
        return buf[(int) (pos - bufStart)] & 0xff;
    }

    private void fill(long from) throws IOException {
        raf.seek(from);
        int len = (int) Math.min(BLOCK, size - from);
        raf.readFully(buf, 0, len);
        bufStart = from;
        bufLen = len;
    }

    /** Up to {@code count} lines starting at the line start {@code top}. */
    List<Line> lines(long top, int count) throws IOException {
        List<Line> out = new ArrayList<>(Math.max(0, count));
        long pos = Math.max(0, top);
        while (out.size() < count && pos < size) {
            Line l = line(pos);
            out.add(l);
            pos = l.next();
        }
        return out;
    }

    /** The line (or piece) starting at {@code pos}. */
    Line line(long pos) throws IOException {
        if (pos < bufStart || pos >= bufStart + bufLen || pos + MAX_LINE + 1 > bufStart + bufLen && bufStart + bufLen < size) fill(pos);
        int i = (int) (pos - bufStart);
        int limit = (int) Math.min(bufLen, i + (long) MAX_LINE);
        for (int j = i; j < limit; j++) {
            if (buf[j] == '\n') {
                int end = j > i && buf[j - 1] == '\r' ? j - 1 : j;
                return new Line(pos, bufStart + j + 1, decode(i, end));
            }
        }
        // no newline within MAX_LINE bytes: the rest of the file, or a piece of a long line
        return new Line(pos, bufStart + limit, decode(i, limit));
    }

    private String decode(int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.UTF_8);
    }

    /** The start of the line (or piece) that ends just before the line start {@code pos}. */
    long previous(long pos) throws IOException {
        if (pos <= 0) return 0;
        long q = Math.min(pos, size) - 1; // last byte of the previous piece: its newline, or content of a long line
        long lineStart = 0;
        long limit = Math.max(0, q - MAX_SCAN_BACK);
        for (long p = q - 1; p >= limit; p--) {
            if (byteAt(p) == '\n') {
                lineStart = p + 1;
                break;
            }
            if (p == limit) lineStart = limit;
        }
        return lineStart + ((q - lineStart) / MAX_LINE) * MAX_LINE;
    }

    /** Moves {@code delta} lines from the line start {@code top} (negative: up), staying inside the file. */
    long move(long top, long delta) throws IOException {
        long pos = Math.min(top, size);
        if (delta < 0) {
            for (long d = 0; d > delta && pos > 0; d--) pos = previous(pos);
            return pos;
        }
        for (long d = 0; d < delta; d++) {
            if (pos >= size) break;
            long next = line(pos).next();
            if (next >= size) break; // keep the last line on screen
            pos = next;
        }
        return pos;
    }

    /** The start of the last {@code count} lines: what a view that follows the end shows. */
    long tail(int count) throws IOException {
        long pos = size;
        for (int i = 0; i < count && pos > 0; i++) pos = previous(pos);
        return pos;
    }

    /**
     * Finds {@code needle} (ASCII case-insensitive) at or after the line start {@code from} ({@code forward}),
     * or before it, reading 1 MiB at a time. Returns the start of the line holding it, or -1.
     */
    long search(long from, String needle, boolean forward, BooleanSupplier canceled) throws IOException {
        byte[] n = needle.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || raf == null) return -1;
        int chunk = 1 << 20;
        byte[] b = new byte[chunk + n.length];
        if (forward) {
            long pos = Math.max(0, from);
            while (pos < size) {
                if (canceled.getAsBoolean()) return -1;
                int len = (int) Math.min(b.length, size - pos);
                raf.seek(pos);
                raf.readFully(b, 0, len);
                for (int i = 0; i + n.length <= len; i++) {
                    if (matchAt(b, i, n)) return startOfPieceAt(pos + i);
                }
                if (pos + len >= size) break;
                pos += len - n.length + 1;
            }
        } else {
            long end = Math.min(from, size); // matches must start before `from`
            while (end > 0) {
                if (canceled.getAsBoolean()) return -1;
                long start = Math.max(0, end - chunk);
                int len = (int) Math.min(b.length, size - start);
                raf.seek(start);
                raf.readFully(b, 0, len);
                for (int i = (int) (end - start) - 1; i >= 0; i--) {
                    if (i + n.length <= len && matchAt(b, i, n)) return startOfPieceAt(start + i);
                }
                end = start;
            }
        }
        return -1;
    }

    private static boolean matchAt(byte[] b, int i, byte[] n) {
        for (int k = 0; k < n.length; k++) {
            byte c = b[i + k];
            if (c >= 'A' && c <= 'Z') c = (byte) (c + 32);
            if (c != n[k]) return false;
        }
        return true;
    }

    /** The start of the line piece that holds byte {@code pos}. */
    private long startOfPieceAt(long pos) throws IOException {
        return previous(pos + 1);
    }
}
