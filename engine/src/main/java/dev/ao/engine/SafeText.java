package dev.ao.engine;

/**
 * Text someone else wrote (a script's summary, outputs and logs, a reason quoting stderr, a skill from a git
 * source), made safe to print on a terminal: every escape sequence (CSI, OSC, DCS, APC, PM, SOS, two-character
 * ESC X, and their 8-bit C1 forms) is removed whole, as are the other C0 and C1 controls, DEL and the Unicode
 * bidi overrides that make text read differently from what it is. A script can then neither write the
 * clipboard (OSC 52), clear the screen, move the cursor over an approval prompt, nor disguise a command.
 *
 * <p>Front ends call it wherever such text reaches a terminal in text mode; JSON output needs no help
 * (Jackson escapes controls) and logs written to a pipe or file stay raw bytes.
 */
public final class SafeText {
    private static final char ESC = 0x1b;

    private SafeText() {}

    /** Keeps newlines and tabs; drops carriage returns and everything listed above. */
    public static String block(String s) {
        if (s == null) return "";
        if (plain(s, true)) return s;
        Filter f = new Filter(true);
        return f.feed(s);
    }

    /** One line for a table cell, a label or a reason: as {@link #block}, with newlines and tabs as spaces. */
    public static String line(String s) {
        if (s == null) return "";
        if (plain(s, false)) return s;
        return new Filter(false).feed(s);
    }

    /** Whether nothing needs removing: the common case costs one scan and no copy. */
    private static boolean plain(String s, boolean keepLines) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20) {
                if (!keepLines || (c != '\n' && c != '\t')) return false;
            } else if (c >= 0x7f && (c < 0xa0 || bidi(c))) {
                return false;
            }
        }
        return true;
    }

    /** U+202A..U+202E (embeddings and overrides) and U+2066..U+2069 (isolates). */
    static boolean bidi(char c) {
        return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }

    /**
     * The same cleaning over a stream that arrives in pieces ({@code ao runs logs -f}): a sequence split across
     * two pieces is still removed whole, because the state carries over from one {@link #feed} to the next.
     */
    public static final class Filter {
        private enum State { TEXT, ESCAPE, INTERMEDIATE, CSI, STRING, STRING_ESCAPE }

        private final boolean keepLines;
        private State state = State.TEXT;

        public Filter(boolean keepLines) {
            this.keepLines = keepLines;
        }

        /** The printable part of {@code chunk}; what belongs to an unfinished sequence is held back as state. */
        public String feed(CharSequence chunk) {
            StringBuilder out = new StringBuilder(chunk.length());
            for (int i = 0; i < chunk.length(); i++) {
                char c = chunk.charAt(i);
                if (!consumed(c)) text(c, out);
            }
            return out.toString();
        }

        /** Advances the escape-sequence state; false when {@code c} is ordinary text to be judged by {@link #text}. */
        private boolean consumed(char c) {
            switch (state) {
                case TEXT -> {
                    return false;
                }
                case ESCAPE -> {
                    if (c == '[') state = State.CSI;
                    else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') state = State.STRING;
                    else if (c >= 0x20 && c <= 0x2f) state = State.INTERMEDIATE;   // ESC ( B, ESC # 8, ...
                    else if (c == ESC) state = State.ESCAPE;
                    else if (c >= 0x30 && c <= 0x7e) state = State.TEXT;           // two-character ESC X
                    else return abort();
                    return true;
                }
                case INTERMEDIATE -> {
                    if (c >= 0x20 && c <= 0x2f) return true;
                    if (c >= 0x30 && c <= 0x7e) {
                        state = State.TEXT;
                        return true;
                    }
                    return abort();
                }
                case CSI -> {
                    if (c >= 0x20 && c <= 0x3f) return true;                       // parameters, intermediates
                    if (c >= 0x40 && c <= 0x7e) {
                        state = State.TEXT;
                        return true;
                    }
                    return abort();
                }
                case STRING -> {
                    // OSC, DCS, SOS, PM, APC: everything up to BEL or ST (ESC \ or 0x9c); CAN and SUB cancel
                    if (c == 0x07 || c == 0x9c || c == 0x18 || c == 0x1a) state = State.TEXT;
                    else if (c == ESC) state = State.STRING_ESCAPE;
                    return true;
                }
                case STRING_ESCAPE -> {
                    if (c == '\\') {
                        state = State.TEXT;
                        return true;
                    }
                    // a terminal ends the string at the ESC and reads a new sequence from it
                    state = State.ESCAPE;
                    return consumed(c);
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }

        /** A control in the middle of a sequence ends it (terminals act on it there); it is then judged as text. */
        private boolean abort() {
            state = State.TEXT;
            return false;
        }

        private void text(char c, StringBuilder out) {
            if (c == ESC) {
                state = State.ESCAPE;
            } else if (c == 0x9b) {
                state = State.CSI;
            } else if (c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f) {
                state = State.STRING;
            } else if (c == '\n' || c == '\t') {
                out.append(keepLines ? c : ' ');
            } else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || bidi(c)) {
                // dropped: other controls (CR, BEL, BS, ...), DEL, C1, bidi overrides
            } else {
                out.append(c);
            }
        }
    }
}
