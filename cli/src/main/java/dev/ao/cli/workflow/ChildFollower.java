package dev.ao.cli.workflow;

import dev.ao.engine.SafeText;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunStore;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code ao run WORKFLOW -f}: every child's stdout and stderr as they grow, a whole line at a time, each line
 * prefixed with its job (and item): {@code [restart#3] deployment.apps/web restarted}. What scripts printed is
 * stripped of escape sequences at a terminal.
 */
final class ChildFollower {
    private static final int MAX_LINE = 64 * 1024;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean sanitize;
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private Thread thread;
    private volatile boolean stop;

    ChildFollower(PrintWriter out, PrintWriter err, boolean sanitize) {
        this.out = out;
        this.err = err;
        this.sanitize = sanitize;
    }

    void add(RunRecord child, Path dir) {
        String prefix = "[" + SafeText.line(String.valueOf(child.job())) + (child.item() != null ? "#" + child.item() : "")
                + (child.attempt() != null && child.attempt() > 1 ? " attempt " + child.attempt() : "") + "] ";
        streams.add(new Stream(dir.resolve(RunStore.STDOUT), prefix, out));
        streams.add(new Stream(dir.resolve(RunStore.STDERR), prefix, err));
    }

    void start() {
        thread = new Thread(() -> {
            while (!stop) {
                boolean any = pumpAll(false);
                if (!any) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "ao-follow-children");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(1000);
        }
        pumpAll(true);
    }

    private boolean pumpAll(boolean last) {
        boolean any = false;
        for (Stream s : streams) any |= s.pump(last);
        return any;
    }

    private final class Stream {
        final Path file;
        final String prefix;
        final PrintWriter to;
        long pos;
        final StringBuilder partial = new StringBuilder();

        Stream(Path file, String prefix, PrintWriter to) {
            this.file = file;
            this.prefix = prefix;
            this.to = to;
        }

        synchronized boolean pump(boolean last) {
            dev.ao.cli.render.LogFollower.Chunk c = dev.ao.cli.render.LogFollower.read(file, pos);
            if (c == null) {
                if (last) flushPartial();
                return false;
            }
            String text = c.text();
            pos = c.next();
            partial.append(text);
            int nl;
            StringBuilder b = new StringBuilder();
            while ((nl = partial.indexOf("\n")) >= 0) {
                b.append(prefix).append(clean(partial.substring(0, nl))).append('\n');
                partial.delete(0, nl + 1);
            }
            if (partial.length() > MAX_LINE) {
                b.append(prefix).append(clean(partial.toString())).append('\n');
                partial.setLength(0);
            }
            if (last) flushPartial();
            if (b.length() > 0) {
                synchronized (to) {
                    to.print(b);
                    to.flush();
                }
            }
            return true;
        }

        private void flushPartial() {
            if (partial.length() == 0) return;
            synchronized (to) {
                to.println(prefix + clean(partial.toString()));
                to.flush();
            }
            partial.setLength(0);
        }

        private String clean(String line) {
            return sanitize ? SafeText.line(line) : line;
        }
    }
}
