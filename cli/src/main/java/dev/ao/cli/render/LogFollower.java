package dev.ao.cli.render;

import dev.ao.engine.SafeText;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Streams a run's stdout.log and stderr.log as they grow ({@code --follow}, {@code ao runs logs -f}). */
public final class LogFollower {
    private final Path runDir;
    private final PrintWriter out;
    private final PrintWriter err;
    private Thread thread;
    private volatile boolean stop;
    private long outPos;
    private long errPos;
    private SafeText.Filter outFilter;
    private SafeText.Filter errFilter;

    public LogFollower(Path runDir, PrintWriter out, PrintWriter err) {
        this.runDir = runDir;
        this.out = out;
        this.err = err;
    }

    public LogFollower from(long stdoutOffset, long stderrOffset) {
        outPos = stdoutOffset;
        errPos = stderrOffset;
        return this;
    }

    /** At a terminal, the logs are what a script printed: strip its escape sequences (a pipe or file gets the bytes). */
    public LogFollower sanitized(boolean toTerminal) {
        outFilter = toTerminal ? new SafeText.Filter(true) : null;
        errFilter = toTerminal ? new SafeText.Filter(true) : null;
        return this;
    }

    public void start() {
        thread = new Thread(() -> {
            while (!stop) {
                boolean any = pump();
                if (!any) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "ao-follow");
        thread.setDaemon(true);
        thread.start();
    }

    /** Copies what is new; returns whether there was anything. */
    public synchronized boolean pump() {
        long o = copy(runDir.resolve(RunStore.STDOUT), outPos, out, outFilter);
        long e = copy(runDir.resolve(RunStore.STDERR), errPos, err, errFilter);
        boolean any = o != outPos || e != errPos;
        outPos = o;
        errPos = e;
        return any;
    }

    private static long copy(Path f, long pos, PrintWriter w, SafeText.Filter filter) {
        Chunk c = read(f, pos);
        if (c == null) return pos;
        w.write(filter == null ? c.text() : filter.feed(c.text()));
        w.flush();
        return c.next();
    }

    /** What a log has beyond {@code pos}, cut at a whole UTF-8 character, and where the next read starts. */
    public record Chunk(String text, long next) {}

    /** Up to 256 KiB of {@code f} from {@code pos}; null when there is nothing new (or it cannot be read). */
    public static Chunk read(Path f, long pos) {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            long len = raf.length();
            if (len <= pos) return null;
            raf.seek(pos);
            byte[] buf = new byte[(int) Math.min(len - pos, 256 * 1024)];
            raf.readFully(buf);
            // stop at the last complete UTF-8 boundary: never split a character across two reads
            int n = buf.length;
            while (n > 0 && n > buf.length - 4 && (buf[n - 1] & 0xC0) == 0x80) n--;
            if (n > 0 && (buf[n - 1] & 0x80) != 0 && (buf[n - 1] & 0xC0) == 0xC0) n--;
            if (n <= 0) n = buf.length;
            return new Chunk(new String(buf, 0, n, StandardCharsets.UTF_8), pos + n);
        } catch (IOException e) {
            return null;
        }
    }

    public void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(1000);
        }
        while (pump()) {
            // drain what arrived since the last pass
        }
    }
}
