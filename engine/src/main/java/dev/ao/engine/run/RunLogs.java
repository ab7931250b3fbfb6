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

    /**
     * One page of a log: whole lines from byte {@code offset}, at most {@code limit} bytes of them (a single line longer
     * than that is cut, and the next page goes on from the cut). With {@code grep}, only the lines it finds count
     * towards the limit, and the page reads on past the others, so a filtered page is full, not mostly empty.
     *
     * @param next where the next page starts (the log's size when {@code eof})
     * @param eof  whether the page reached the end of what the log holds now
     */
    public record Page(String text, long offset, long next, boolean eof, long size, int lines) {}

    /** Bytes scanned for one filtered page at most, so a pattern that never matches returns instead of reading 1 GiB. */
    public static final long MAX_SCAN = 64L << 20;

    public static Page page(Path file, long offset, long limit, java.util.regex.Pattern grep) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("offset < 0");
        if (limit <= 0) throw new IllegalArgumentException("limit <= 0");
        if (!Files.isRegularFile(file)) return new Page("", offset, offset, true, 0, 0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            long pos = Math.min(offset, size);
            java.io.ByteArrayOutputStream page = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            long lineStart = pos;
            long read = pos;
            int lines = 0;
            long scanned = 0;
            long lineLen = 0;
            // a filtered page matches a very long line on its first MiB only; an unfiltered one never holds more than limit
            int cap = (int) Math.min(grep == null ? limit : Math.max(limit, 1 << 20), Integer.MAX_VALUE - 8);
            raf.seek(pos);
            while (read < size) {
                int n = raf.read(buf, 0, (int) Math.min(buf.length, size - read));
                if (n <= 0) break;
                for (int i = 0; i < n; i++) {
                    lineLen++;
                    if (line.size() < cap) line.write(buf[i]);
                    long here = read + i + 1;
                    if (grep == null && page.size() > 0 && page.size() + lineLen > limit) {
                        // this line does not fit: the next page starts with it
                        return new Page(page.toString(StandardCharsets.UTF_8), offset, lineStart, false, size, lines);
                    }
                    boolean full = buf[i] == '\n' || (grep == null && page.size() == 0 && lineLen >= limit);
                    if (!full) continue;
                    byte[] l = line.toByteArray();
                    line.reset();
                    lineLen = 0;
                    boolean keep = grep == null || grep.matcher(new String(l, StandardCharsets.UTF_8).stripTrailing()).find();
                    if (keep && page.size() > 0 && page.size() + l.length > limit) {
                        return new Page(page.toString(StandardCharsets.UTF_8), offset, lineStart, false, size, lines);
                    }
                    if (keep) {
                        // a kept line longer than the page: cut it (filtered pages keep whole lines)
                        int take = grep == null ? (int) Math.min(l.length, limit) : l.length;
                        page.write(l, 0, take);
                        lines++;
                    }
                    lineStart = here;
                    scanned = lineStart - pos;
                    if (page.size() >= limit || (grep != null && scanned >= MAX_SCAN)) {
                        return new Page(page.toString(StandardCharsets.UTF_8), offset, lineStart, lineStart >= size, size, lines);
                    }
                }
                read += n;
            }
            // the last line has no newline yet (or the log ended): it is the page's if it fits
            if (line.size() > 0) {
                byte[] l = line.toByteArray();
                boolean keep = grep == null || grep.matcher(new String(l, StandardCharsets.UTF_8)).find();
                if (keep && page.size() + l.length > limit && page.size() > 0) {
                    return new Page(page.toString(StandardCharsets.UTF_8), offset, lineStart, false, size, lines);
                }
                if (keep) {
                    page.write(l, 0, l.length);
                    lines++;
                }
            }
            return new Page(page.toString(StandardCharsets.UTF_8), offset, size, true, size, lines);
        }
    }

    /**
     * A piece of a log read by byte offset.
     *
     * @param offset     where the piece starts (a negative offset asked for counts from the end)
     * @param nextOffset where the next piece starts: {@code offset} plus the bytes this piece covers
     * @param eof        whether {@code nextOffset} is the end of what the log holds now (a live run's log grows)
     * @param size       the log's size when it was read
     */
    public record Chunk(String text, long offset, long nextOffset, boolean eof, long size) {}

    /**
     * Up to {@code maxBytes} of {@code file} from {@code offset} (negative: that many bytes before the end), cut at the
     * last line end when there is one in the second half, and never inside a UTF-8 character. Reads only that range.
     */
    public static Chunk read(Path file, long offset, int maxBytes) throws IOException {
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return new Chunk("", 0, 0, true, 0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            long start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
            int want = (int) Math.min(Math.max(0, maxBytes), size - start);
            byte[] b = new byte[want];
            raf.seek(start);
            raf.readFully(b);
            int from = 0;
            // a start counted from the end may fall inside a character: begin at the next one
            if (offset < 0) while (from < want && from < 3 && (b[from] & 0xC0) == 0x80) from++;
            int end = want;
            if (start + want < size) {
                int nl = lastIndexOf(b, (byte) '\n', from, want);
                if (nl >= from + (want - from) / 2) end = nl + 1;
                else end = utf8Boundary(b, from, want);
            }
            return new Chunk(new String(b, from, end - from, StandardCharsets.UTF_8), start + from, start + end,
                    start + end >= size, size);
        }
    }

    /**
     * The lines from {@code offset} on that match {@code pattern}, each as {@code <byte offset>: <line>} (a line cut to
     * 1 KiB), until {@code maxBytes} of matches or {@code maxScan} bytes scanned; the page's {@code nextOffset} is where to
     * go on searching.
     */
    public static Chunk grep(Path file, long offset, java.util.regex.Pattern pattern, int maxBytes, long maxScan) throws IOException {
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return new Chunk("", 0, 0, true, 0);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            long start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
            if (offset < 0 && start > 0) start = nextLineStart(raf, start, size);
            StringBuilder out = new StringBuilder();
            int outBytes = 0;
            long pos = start;
            byte[] buf = new byte[256 * 1024];
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long lineStart = pos;
            long scanEnd = maxScan >= size - start ? size : start + Math.max(1, maxScan);
            raf.seek(pos);
            boolean stop = false;
            while (pos < size && !stop) {
                int n = raf.read(buf, 0, (int) Math.min(buf.length, size - pos));
                if (n <= 0) break;
                for (int i = 0; i < n; i++) {
                    byte c = buf[i];
                    pos++;
                    if (c != '\n' && line.size() < MAX_LINE) {
                        line.write(c);
                        continue;
                    }
                    if (c != '\n') continue;
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (pattern.matcher(text).find()) {
                        String hit = lineStart + ": " + (text.length() > 1024 ? text.substring(0, 1024) + "…" : text) + "\n";
                        int bytes = hit.getBytes(StandardCharsets.UTF_8).length;
                        if (outBytes + bytes > maxBytes && outBytes > 0) {
                            return new Chunk(out.toString(), start, lineStart, false, size);
                        }
                        out.append(hit);
                        outBytes += bytes;
                    }
                    lineStart = pos;
                    if (pos >= scanEnd) { stop = true; break; }
                }
            }
            if (!stop && line.size() > 0) {
                // the last line, not yet ended (a live run is still writing it): searched, and read again next time
                String text = line.toString(StandardCharsets.UTF_8);
                if (pattern.matcher(text).find() && outBytes + text.length() < maxBytes) out.append(lineStart).append(": ").append(text).append('\n');
                lineStart = pos;
            }
            return new Chunk(out.toString(), start, lineStart, lineStart >= size, size);
        }
    }

    /** A grep reads at most this much of one line; the rest of a longer line is skipped. */
    private static final int MAX_LINE = 64 * 1024;

    private static long nextLineStart(RandomAccessFile raf, long from, long size) throws IOException {
        raf.seek(from - 1);
        long pos = from - 1;
        int c;
        while ((c = raf.read()) >= 0) {
            pos++;
            if (c == '\n') return pos;
        }
        return size;
    }

    private static int lastIndexOf(byte[] b, byte v, int from, int to) {
        for (int i = to - 1; i >= from; i--) if (b[i] == v) return i;
        return -1;
    }

    /** The end, at or before {@code end}, that does not cut a UTF-8 character in two. */
    private static int utf8Boundary(byte[] b, int from, int end) {
        int i = end;
        int back = 0;
        while (i > from && back < 4 && (b[i - 1] & 0xC0) == 0x80) { i--; back++; }
        if (i > from && (b[i - 1] & 0x80) != 0) {
            int lead = b[i - 1] & 0xFF;
            int len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (back + 1 < len) return i - 1;
        }
        return end;
    }
}
