package dev.ao.cli.render;

import dev.ao.cli.Terminal;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunService;

import java.io.PrintWriter;

/** One live line on stderr while a run goes: spinner, state, elapsed time, bytes of output so far. */
public final class StatusLine {
    private static final String[] SPIN = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    private final PrintWriter err;
    private final Terminal term;
    private final RunService.Active run;
    private Thread thread;
    private volatile boolean stop;

    public StatusLine(PrintWriter err, Terminal term, RunService.Active run) {
        this.err = err;
        this.term = term;
        this.run = run;
    }

    public void start() {
        thread = new Thread(() -> {
            int i = 0;
            while (!stop && !Thread.currentThread().isInterrupted()) {
                RunRecord r = run.record();
                if (r.state() != dev.ao.engine.run.RunState.RUNNING) {
                    // nothing to show yet; above all, never draw over an approval prompt
                    sleepQuietly();
                    continue;
                }
                String line = SPIN[i++ % SPIN.length] + " " + r.label() + " · " + r.state().id() + " · "
                        + Durations.human(r.elapsedMs() == null ? 0 : r.elapsedMs()) + " · " + Durations.bytes(run.bytesWritten()) + " output";
                synchronized (err) {
                    err.print("\r\u001b[2K" + term.dim(line));
                    err.flush();
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "ao-status");
        thread.setDaemon(true);
        thread.start();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(500);
        }
        synchronized (err) {
            err.print("\r\u001b[2K");
            err.flush();
        }
    }
}
