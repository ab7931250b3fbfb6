package dev.ao.cli;

import java.util.Map;

/**
 * Whether a person is watching: a TTY with colour and a live status line, or plain output that never prompts
 * (no TTY, {@code NO_COLOR}, {@code CI=true}).
 */
public record Terminal(boolean interactive, boolean color) {
    public static Terminal detect(Map<String, String> env) {
        boolean ci = "true".equalsIgnoreCase(env.getOrDefault("CI", "")) || "1".equals(env.get("CI"));
        boolean tty = System.console() != null && !ci && !"dumb".equals(env.get("TERM"));
        boolean color = tty && env.get("NO_COLOR") == null;
        return new Terminal(tty, color);
    }

    /**
     * Whether ao's output is a terminal, CI or not: then a script's logs are cleaned before they are shown;
     * to a pipe or a file they stay the bytes the script wrote.
     */
    public static boolean outputIsTerminal() {
        if (System.console() != null) return true;
        // System.console() also wants stdin to be a terminal: 'ao runs logs ID < /dev/null' still prints to one
        try {
            String out = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/1")).toString();
            return out.startsWith("/dev/pts/") || out.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public static final Terminal PLAIN = new Terminal(false, false);

    public Terminal withoutColor() {
        return new Terminal(interactive, false);
    }

    public String green(String s) { return paint("32", s); }

    public String red(String s) { return paint("31", s); }

    public String yellow(String s) { return paint("33", s); }

    public String dim(String s) { return paint("2", s); }

    public String bold(String s) { return paint("1", s); }

    private String paint(String code, String s) {
        return color ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}
