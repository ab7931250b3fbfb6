package dev.ao.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

/**
 * A key as bindings name it: a character ({@code q}, {@code /}), a control character ({@code ^R}) or a special
 * key (Enter, Esc, arrows), with the short text the key bar and the help overlay show for it.
 */
public record Key(KeyType type, char character, boolean ctrl, String label) {

    public static Key of(char c) {
        return new Key(KeyType.Character, c, false, String.valueOf(c));
    }

    public static Key ctrl(char c) {
        return new Key(KeyType.Character, Character.toLowerCase(c), true, "^" + Character.toUpperCase(c));
    }

    public static Key of(KeyType type) {
        return new Key(type, '\0', false, switch (type) {
            case Enter -> "enter";
            case Escape -> "esc";
            case ArrowUp -> "↑";
            case ArrowDown -> "↓";
            case ArrowLeft -> "←";
            case ArrowRight -> "→";
            case PageUp -> "pgup";
            case PageDown -> "pgdn";
            case Home -> "home";
            case End -> "end";
            case Tab -> "tab";
            case ReverseTab -> "shift-tab";
            case Backspace -> "bksp";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        });
    }

    public boolean matches(KeyStroke k) {
        if (k == null || k.getKeyType() != type) return false;
        if (type != KeyType.Character) return true;
        Character c = k.getCharacter();
        if (c == null) return false;
        // terminals send Ctrl-R either as the control character or as 'r' with the ctrl flag
        if (ctrl) return (k.isCtrlDown() && Character.toLowerCase(c) == character) || c == (char) (character - 'a' + 1);
        return c == character && !k.isCtrlDown() && !k.isAltDown();
    }
}
