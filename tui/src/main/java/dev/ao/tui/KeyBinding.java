package dev.ao.tui;

import java.util.List;

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

    /** The bottom bar text: {@code q quit  / filter  enter open ...}, trimmed to {@code width}. */
    public static String bar(List<KeyBinding> bindings, int width) {
        StringBuilder sb = new StringBuilder();
        for (KeyBinding b : bindings) {
            if (!b.shownInBar()) continue;
            String part = b.key().label() + " " + b.label();
            if (sb.length() + part.length() + (sb.length() == 0 ? 0 : 2) > width) break;
            if (sb.length() > 0) sb.append("  ");
            sb.append(part);
        }
        return sb.toString();
    }
}
