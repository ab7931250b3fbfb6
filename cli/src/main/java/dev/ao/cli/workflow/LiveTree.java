package dev.ao.cli.workflow;

import dev.ao.cli.Terminal;
import dev.ao.engine.workflow.WorkflowRunner;

import java.io.PrintWriter;
import java.util.List;

/** The job tree redrawn in place on stderr while a workflow runs at a terminal; gone when it ends. */
final class LiveTree {
    private final PrintWriter err;
    private final Terminal term;
    private final WorkflowRunner run;
    private Thread thread;
    private volatile boolean stop;
    private int drawn;

    LiveTree(PrintWriter err, Terminal term, WorkflowRunner run) {
        this.err = err;
        this.term = term;
        this.run = run;
    }

    void start() {
        thread = new Thread(() -> {
            int tick = 0;
            while (!stop) {
                draw(tick++);
                try {
                    Thread.sleep(120);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "ao-tree");
        thread.setDaemon(true);
        thread.start();
    }

    private void draw(int tick) {
        if (run.record() == null) return;
        if (run.record().state() == dev.ao.engine.run.RunState.WAITING_APPROVAL) {
            // never draw over an approval prompt
            return;
        }
        List<String> lines = JobTree.lines(run.jobs(), term, tick);
        synchronized (err) {
            clear();
            err.println(term.dim(run.record().label() + " · " + run.record().state().id() + " · run " + run.record().id()));
            for (String l : lines) err.println(l);
            drawn = lines.size() + 1;
            err.flush();
        }
    }

    /** Before a prompt or another message: take the tree off the screen. */
    void clear() {
        synchronized (err) {
            if (drawn > 0) {
                err.print("\u001b[" + drawn + "F\u001b[J");
                drawn = 0;
                err.flush();
            }
        }
    }

    void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(500);
        }
        clear();
    }
}
