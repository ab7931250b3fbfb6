package dev.ao.cli.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;

import java.time.Duration;
import java.util.function.Predicate;

/** Lanterna's virtual terminal as a test sees it: type keys, read the screen as text, wait for it to show something. */
final class VirtualScreen {
    final DefaultVirtualTerminal terminal;

    VirtualScreen(int columns, int rows) {
        terminal = new DefaultVirtualTerminal(new TerminalSize(columns, rows));
    }

    String text() {
        TerminalSize size = terminal.getTerminalSize();
        StringBuilder sb = new StringBuilder();
        for (int row = 0; row < size.getRows(); row++) {
            StringBuilder line = new StringBuilder();
            for (int col = 0; col < size.getColumns(); col++) {
                var c = terminal.getCharacter(col, row);
                line.append(c == null ? " " : c.getCharacterString());
                if (c != null && c.isDoubleWidth()) col++;
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    VirtualScreen type(String chars) {
        for (char c : chars.toCharArray()) terminal.addInput(new KeyStroke(c, false, false));
        return this;
    }

    VirtualScreen key(KeyType type) {
        terminal.addInput(new KeyStroke(type));
        return this;
    }

    /** Waits until the screen satisfies {@code p}; fails with the screen as it was. */
    String await(String what, Predicate<String> p, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String s = text();
        while (System.nanoTime() < end) {
            s = text();
            if (p.test(s)) return s;
            Thread.sleep(50);
        }
        throw new AssertionError("screen never showed " + what + " in " + timeout.toSeconds() + " s; it shows:\n" + s);
    }

    String await(String shown) throws InterruptedException {
        return await("'" + shown + "'", s -> s.contains(shown), Duration.ofSeconds(20));
    }

    String awaitGone(String gone) throws InterruptedException {
        return await("no '" + gone + "'", s -> !s.contains(gone), Duration.ofSeconds(20));
    }
}
