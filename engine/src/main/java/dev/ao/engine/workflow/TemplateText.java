package dev.ao.engine.workflow;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a text into literal pieces and {@code ${{ }}} expressions. The end of an expression is the first {@code }}}
 * outside a CEL string literal and outside a map literal's braces, so {@code ${{ {'a': '}}'} }}} is one expression.
 */
final class TemplateText {

    static final String OPEN = "${{";

    /** A piece of the text: {@code expression} false is literal text, true is the inside of one {@code ${{ }}}. */
    record Piece(String text, boolean expression, int offset) {}

    private TemplateText() {}

    /** @throws IllegalArgumentException naming what is wrong, when a {@code ${{} is never closed */
    static List<Piece> split(String text) {
        List<Piece> pieces = new ArrayList<>();
        int from = 0;
        while (true) {
            int open = text.indexOf(OPEN, from);
            if (open < 0) {
                if (from < text.length()) pieces.add(new Piece(text.substring(from), false, from));
                return pieces;
            }
            if (open > from) pieces.add(new Piece(text.substring(from, open), false, from));
            int start = open + OPEN.length();
            int end = closeOf(text, start);
            // an unclosed quote inside: cut at the first }} and let CEL name the bad string literal
            if (end < 0) end = text.indexOf("}}", start);
            if (end < 0)
                throw new IllegalArgumentException("'${{' at column " + (open + 1) + " is never closed with '}}'");
            pieces.add(new Piece(text.substring(start, end), true, start));
            from = end + 2;
        }
    }

    /** Where the {@code }}} that ends the expression starting at {@code i} begins, or -1. */
    private static int closeOf(String s, int i) {
        int depth = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = afterString(s, i);
                if (i < 0) return -1;
                continue;
            }
            if (c == '{') depth++;
            else if (c == '}') {
                if (depth > 0) depth--;
                else if (i + 1 < n && s.charAt(i + 1) == '}') return i;
            }
            i++;
        }
        return -1;
    }

    /** How deeply brackets nest in an expression, strings skipped: CEL's parser recurses a dozen frames per level. */
    static int nesting(String expr) {
        int depth = 0, max = 0;
        for (int i = 0; i < expr.length(); ) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"') {
                int after = afterString(expr, i);
                if (after < 0) return max;
                i = after;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') max = Math.max(max, ++depth);
            else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
            i++;
        }
        return max;
    }

    /** The index after the CEL string literal whose quote is at {@code q}; -1 when it does not end. */
    private static int afterString(String s, int q) {
        char quote = s.charAt(q);
        boolean raw = isRawPrefix(s, q);
        boolean triple = s.startsWith(String.valueOf(quote).repeat(3), q);
        String close = triple ? String.valueOf(quote).repeat(3) : String.valueOf(quote);
        int i = q + close.length();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && !raw) {
                i += 2;
                continue;
            }
            if (!triple && c == '\n') return -1;
            if (s.startsWith(close, i)) return i + close.length();
            i++;
        }
        return -1;
    }

    /** r'..', R"..", br'..', rb'..': the letters right before the quote, not part of a longer name. */
    private static boolean isRawPrefix(String s, int q) {
        int i = q - 1;
        boolean raw = false;
        int letters = 0;
        while (i >= 0 && letters < 2 && "rRbB".indexOf(s.charAt(i)) >= 0) {
            if (s.charAt(i) == 'r' || s.charAt(i) == 'R') raw = true;
            i--;
            letters++;
        }
        if (i >= 0 && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) return false;
        return raw;
    }
}
