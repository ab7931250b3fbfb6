package dev.ao.tui;

/**
 * One key of one screen, as data: the bottom bar and the {@code ?} overlay are generated from these lists, and
 * the controller dispatches keys through them, so what is shown is what works.
 *
 * @param shownInBar whether the bottom bar lists it (the help overlay lists every binding)
 */
public record KeyBinding(Key key, String label, Runnable action, boolean shownInBar) {

    public static KeyBinding bar(Key key, String label, Runnable action) {
        return new KeyBinding(key, label, action, true);
    }

    public static KeyBinding help(Key key, String label, Runnable action) {
        return new KeyBinding(key, label, action, false);
    }
}
