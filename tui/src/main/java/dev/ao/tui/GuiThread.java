package dev.ao.tui;

import com.googlecode.lanterna.gui2.AbstractTextGUIThread;
import com.googlecode.lanterna.gui2.AsynchronousTextGUIThread;
import com.googlecode.lanterna.gui2.TextGUI;

import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lanterna's {@code SeparateTextGUIThread}, with its start-up race closed. That class starts its thread and only
 * then marks itself started; the thread draws once and then loops while it is started. When the starting thread is
 * descheduled in between (a loaded 2-core machine), the loop sees "not started", ends after the first frame, and
 * the screen never changes again. Here the state is set before the thread starts.
 */
final class GuiThread extends AbstractTextGUIThread implements AsynchronousTextGUIThread {
    private volatile State state = State.CREATED;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);

    GuiThread(TextGUI gui) {
        super(gui);
        thread = new Thread(this::loop, "LanternaGUI");
        // the TUI decides when to quit; a leftover GUI thread must never keep a JVM alive
        thread.setDaemon(true);
    }

    @Override
    public void start() {
        state = State.STARTED;
        thread.start();
    }

    @Override
    public void stop() {
        if (state == State.STARTED) state = State.STOPPING;
    }

    @Override
    public void waitForStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void waitForStop(long time, TimeUnit unit) throws InterruptedException {
        stopped.await(time, unit);
    }

    @Override
    public State getState() {
        return state;
    }

    @Override
    public Thread getThread() {
        return thread;
    }

    @Override
    public void invokeLater(Runnable runnable) throws IllegalStateException {
        if (state != State.STARTED) throw new IllegalStateException("the GUI thread is not running");
        super.invokeLater(runnable);
    }

    private void loop() {
        try {
            try {
                textGUI.updateScreen();
            } catch (IOException e) {
                exceptionHandler.onIOException(e);
            } catch (RuntimeException e) {
                exceptionHandler.onRuntimeException(e);
            }
            while (state == State.STARTED) {
                try {
                    if (!processEventsAndUpdate()) Thread.sleep(1);
                } catch (EOFException e) {
                    // the terminal's input is gone
                    stop();
                } catch (IOException e) {
                    if (exceptionHandler.onIOException(e)) stop();
                } catch (RuntimeException e) {
                    if (exceptionHandler.onRuntimeException(e)) stop();
                } catch (InterruptedException e) {
                    stop();
                }
            }
        } finally {
            state = State.STOPPED;
            stopped.countDown();
        }
    }
}
