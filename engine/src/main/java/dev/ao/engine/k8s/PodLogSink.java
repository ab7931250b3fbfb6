package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.exec.MaskingOutputStream;
import dev.ao.engine.run.RunStore;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a pod's log ({@code timestamps=true}) into the run's files: plain lines to stdout.log, lines with the run's
 * marker to stderr.log, the summary or the outputs file ({@code entry.sh} tags them). After every chunk it records a
 * cursor (the last line's timestamp, how many lines carried exactly that timestamp, and each file's length), so that
 * a stream that drops, or an ao that dies, goes on from there: the files are cut back to the cursor's lengths and the
 * log is asked again {@code sinceTime} the cursor's second, skipping what the cursor says was written. No line is lost
 * or written twice. Every byte here comes from the script: secrets are masked, lines are bounded.
 */
public final class PodLogSink implements AutoCloseable {
    public static final String CURSOR = "k8s-cursor.json";
    static final int MAX_LINE = 1024 * 1024;
    private static final long CAP_SIDE = 1024 * 1024;

    private final Path cursorFile;
    private final byte[] marker;
    private final List<String> mask;
    private final Sink out;
    private final Sink err;
    private final Sink summary;
    private final Sink outputs;
    private Instant lastTs;
    private int atLastTs;
    private long lines;

    private static final class Sink {
        final Path file;
        final FileOutputStream stream;
        long length;

        Sink(Path file, long cutTo) throws IOException {
            this.file = file;
            if (!Files.exists(file)) Files.createFile(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                if (cutTo >= 0 && ch.size() > cutTo) ch.truncate(cutTo);
                length = ch.size();
            }
            stream = new FileOutputStream(file.toFile(), true);
        }

        void write(byte[] b, long cap) throws IOException {
            if (cap > 0 && length >= cap) return;
            stream.write(b);
            length += b.length;
        }
    }

    /** Opens the files, cut back to the cursor in {@code dir} when there is one (a resumed follow). */
    public PodLogSink(Path dir, Path stdout, Path stderr, Path summaryFile, Path outputsFile, String marker, List<String> mask)
            throws IOException {
        this.cursorFile = dir.resolve(CURSOR);
        this.marker = (marker + " ").getBytes(StandardCharsets.UTF_8);
        this.mask = mask;
        JsonNode c = readCursor(cursorFile);
        this.out = new Sink(stdout, c == null ? 0 : c.path("stdout").asLong(0));
        this.err = new Sink(stderr, c == null ? 0 : c.path("stderr").asLong(0));
        this.summary = new Sink(summaryFile, c == null ? 0 : c.path("summary").asLong(0));
        this.outputs = new Sink(outputsFile, c == null ? 0 : c.path("outputs").asLong(0));
        if (c != null && c.hasNonNull("ts")) {
            lastTs = Instant.parse(c.get("ts").asText());
            atLastTs = c.path("n").asInt(0);
            lines = c.path("lines").asLong(0);
        }
    }

    private static JsonNode readCursor(Path f) {
        try {
            return Files.exists(f) ? RunStore.JSON.readTree(f.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The time to ask the log from ({@code sinceTime}), or null for the whole log. */
    public String since() {
        return lastTs == null ? null : lastTs.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    public long lines() {
        return lines;
    }

    /** Reads the stream to its end (the container ended, or the connection dropped), writing as it goes. */
    public void consume(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean overlong = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') continue;
                if (!overlong) line.write(buf, start, i - start);
                accept(line.toByteArray());
                line.reset();
                overlong = false;
                start = i + 1;
            }
            if (start < n && !overlong) {
                line.write(buf, start, n - start);
                if (line.size() > MAX_LINE) overlong = true;   // the rest of the line is dropped, the line kept
            }
            if (in.available() == 0) checkpoint();
        }
        // a last line without its newline may be part of a line still coming: the next follow asks for it again,
        // unless the container has ended (flushPartial)
        pending = overlong ? Arrays.copyOf(line.toByteArray(), MAX_LINE) : line.toByteArray();
        checkpoint();
    }

    private void accept(byte[] raw) throws IOException {
        int sp = indexOf(raw, (byte) ' ');
        Instant ts = null;
        if (sp > 0) {
            try {
                ts = Instant.parse(new String(raw, 0, sp, StandardCharsets.US_ASCII));
            } catch (DateTimeParseException e) {
                ts = null;
            }
        }
        byte[] text = ts == null ? raw : Arrays.copyOfRange(raw, sp + 1, raw.length);
        if (ts != null && lastTs != null) {
            int cmp = ts.compareTo(lastTs);
            if (cmp < 0) return;                        // seen before the cursor
            if (cmp == 0) {
                if (skipAtTs > 0) {
                    skipAtTs--;
                    return;
                }
                atLastTs++;
            } else {
                lastTs = ts;
                atLastTs = 1;
                skipAtTs = 0;
            }
        } else if (ts != null) {
            lastTs = ts;
            atLastTs = 1;
        }
        lines++;
        route(text);
    }

    private int skipAtTs;

    /** Before a new follow: lines at the cursor's exact time were written already; skip that many. */
    public void resume() {
        skipAtTs = atLastTs;
        pending = new byte[0];
    }

    private void route(byte[] text) throws IOException {
        int at = find(text, marker);
        if (at >= 0 && text.length >= at + marker.length + 2 && text[at + marker.length + 1] == ' ') {
            // a tagged line; what comes before it is the end of a stdout line written without its newline
            if (at > 0) out.write(masked(Arrays.copyOf(text, at), false), 0);
            byte kind = text[at + marker.length];
            byte[] rest = Arrays.copyOfRange(text, at + marker.length + 2, text.length);
            switch (kind) {
                case 'E' -> { err.write(masked(rest, true), 0); return; }
                case 'S' -> { summary.write(masked(rest, true), CAP_SIDE); return; }
                case 'O' -> { outputs.write(masked(rest, true), CAP_SIDE); return; }
                case 'X' -> { ended = true; return; }
                default -> { }
            }
        }
        out.write(masked(text, true), 0);
    }

    private boolean ended;
    private byte[] pending = new byte[0];

    /** Whether entry.sh's end mark came: everything the script and its summary wrote is in. */
    public boolean ended() {
        return ended;
    }

    /** The container ended and the log was read to its end: a last line without a newline is written as it is. */
    public void flushPartial() throws IOException {
        if (pending.length > 0) accept(pending);
        pending = new byte[0];
        checkpoint();
    }

    private static int find(byte[] b, byte[] m) {
        outer:
        for (int i = 0; i + m.length <= b.length; i++) {
            for (int j = 0; j < m.length; j++) if (b[i + j] != m[j]) continue outer;
            return i;
        }
        return -1;
    }

    private byte[] masked(byte[] text, boolean newline) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(text.length + 1);
        if (mask.isEmpty()) {
            b.write(text);
        } else {
            try (OutputStream m = new MaskingOutputStream(b, mask)) {
                m.write(text);
            }
        }
        if (newline) b.write('\n');
        return b.toByteArray();
    }

    /** Flushes and records where the files end and which line came last. */
    public void checkpoint() throws IOException {
        for (Sink s : List.of(out, err, summary, outputs)) s.stream.flush();
        ObjectNode c = RunStore.JSON.createObjectNode();
        if (lastTs != null) c.put("ts", lastTs.toString()).put("n", atLastTs);
        c.put("lines", lines).put("stdout", out.length).put("stderr", err.length).put("summary", summary.length)
                .put("outputs", outputs.length);
        RunStore.writeAtomically(cursorFile, RunStore.toJson(c));
    }

    public long bytes() {
        return out.length + err.length;
    }

    @Override
    public void close() throws IOException {
        checkpoint();
        for (Sink s : List.of(out, err, summary, outputs)) s.stream.close();
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < Math.min(b.length, 64); i++) if (b[i] == x) return i;
        return -1;
    }

}
