package dev.ao.tui;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyStroke;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * One screen of the TUI. Its controller is {@link #bindings()}, its view is {@link #draw}, its model is whatever
 * {@link #load()} reads off the UI thread and hands back as a snapshot to apply on it.
 */
public interface Page {
    /** Shown in the title bar. */
    String title();

    /** The keys this page answers, in the order the bar and the help show them. */
    List<KeyBinding> bindings();

    /** Draws the page into {@code g}, which is exactly the page's area. Runs on the UI thread. */
    void draw(TextGUIGraphics g);

    /**
     * Called on the UI thread: the slow part to run off it (reading the store, a log window), which returns what
     * to apply back on the UI thread. Null when there is nothing to load.
     */
    Callable<Runnable> load();

    /** How often a visible page reloads; 0 for never on its own. */
    default long refreshMillis() {
        return 2000;
    }

    /** While true (a filter or search being typed) every key goes to {@link #input} first. */
    default boolean capturing() {
        return false;
    }

    /** A key no binding took; true if the page used it. */
    default boolean input(KeyStroke key) {
        return false;
    }

    /** Where the cursor should blink inside the page (text entry), or null for none. */
    default TerminalPosition cursor() {
        return null;
    }

    /** A load failed; the message is one line for a person. The page keeps what it had. */
    default void failed(String message) {}

    /** The page is about to be shown again (after a pushed page was closed). */
    default void resumed() {}

    /** The page was closed for good: stop background work it started. */
    default void closed() {}
}
