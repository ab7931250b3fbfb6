package dev.ao.cli.shell;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one shell command so that Ctrl-C stops the command, not the shell. The command runs on its own thread;
 * SIGINT interrupts that thread. A command that handles Ctrl-C itself ({@code ao run} cancels its run and
 * returns 130) installs its own handler while it works, so the interrupt never reaches it. A second Ctrl-C
 * while the command still has not stopped leaves it behind and gives the prompt back.
 *
 * <p>The INT and TERM handlers in place before the command are put back afterwards, whatever the command did
 * to them.
 */
final class Foreground {
    static final int CANCELED = 130;
    private static final Signal INT = new Signal("INT");
    private static final Signal TERM = new Signal("TERM");

    private final AtomicInteger presses = new AtomicInteger();
    private volatile boolean abandoned;

    /** Whether Ctrl-C was pressed during the last command. */
    boolean interrupted() {
        return presses.get() > 0;
    }

    /** Whether the last command was left running after a second Ctrl-C. */
    boolean abandoned() {
        return abandoned;
    }

    int run(Callable<Integer> command) {
        presses.set(0);
        abandoned = false;
        FutureTask<Integer> task = new FutureTask<>(command);
        Thread worker = new Thread(task, "ao-shell-command");
        worker.setDaemon(true);
        SignalHandler term = current(TERM);
        SignalHandler previous = install(INT, s -> {
            if (presses.incrementAndGet() == 1) worker.interrupt();
        });
        try {
            worker.start();
            while (true) {
                try {
                    return task.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (presses.get() >= 2) {
                        abandoned = true;
                        return CANCELED;
                    }
                } catch (ExecutionException e) {
                    // picocli turns a command's exceptions into exit codes; only an Error gets here
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    // the shell's own thread is never interrupted on purpose: keep waiting for the command
                }
            }
        } finally {
            if (previous != null) install(INT, previous);
            if (term != null) install(TERM, term);
        }
    }

    /** An exception that is what an interrupt looks like from inside a command. */
    static boolean isInterruption(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InterruptedException || c instanceof ClosedByInterruptException || c instanceof InterruptedIOException) return true;
        }
        return false;
    }

    private static SignalHandler install(Signal s, SignalHandler h) {
        try {
            return Signal.handle(s, h);
        } catch (IllegalArgumentException e) {
            return null; // the JVM reserves it (-Xrs): the default behaviour stays
        }
    }

    private static SignalHandler current(Signal s) {
        SignalHandler h = install(s, SignalHandler.SIG_DFL);
        if (h != null) install(s, h);
        return h;
    }
}
