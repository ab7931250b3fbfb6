package dev.ao.engine.ci;

/** Text from a run made safe for a CI log or file: no control characters but tab and newline. */
final class CiText {
    private CiText() {}

    /** Drops C0/C1 controls (escape sequences would reach the CI log viewer), keeps {@code \t} and {@code \n}. */
    static String clean(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\n' || (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0))) b.append(c);
        }
        return b.toString();
    }

    /** One line: controls dropped, line breaks become spaces. */
    static String line(String s) {
        return clean(s == null ? "" : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ')).strip();
    }

    /** At most {@code max} UTF-8 bytes, cut at a line end where there is one, with a marker. */
    static String bound(String s, int max, String marker) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length <= max) return s;
        int keep = max - marker.getBytes(java.nio.charset.StandardCharsets.UTF_8).length - 1;
        String head = new String(b, 0, Math.max(0, keep), java.nio.charset.StandardCharsets.UTF_8);
        // a cut inside a character decodes to U+FFFD at the end: drop it
        if (!head.isEmpty() && head.charAt(head.length() - 1) == '\uFFFD') head = head.substring(0, head.length() - 1);
        int nl = head.lastIndexOf('\n');
        if (nl > keep / 2) head = head.substring(0, nl);
        return head + "\n" + marker;
    }
}
