package dev.ao.tui;

import com.googlecode.lanterna.gui2.BasicWindow;
import com.googlecode.lanterna.gui2.Direction;
import com.googlecode.lanterna.gui2.Label;
import com.googlecode.lanterna.gui2.LinearLayout;
import com.googlecode.lanterna.gui2.Panel;
import com.googlecode.lanterna.gui2.Window;
import com.googlecode.lanterna.gui2.WindowListenerAdapter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@code ?} overlay: every key of the current page and the global ones, generated from the bindings. */
final class HelpOverlay {
    private HelpOverlay() {}

    static void show(TuiApp app, String title, List<KeyBinding> page, List<KeyBinding> global) {
        BasicWindow w = new BasicWindow("Keys · " + title + "  (? or esc closes)");
        w.setHints(List.of(Window.Hint.CENTERED, Window.Hint.MODAL));
        int rows = app.gui().getScreen().getTerminalSize().getRows() - 4;
        List<String> left = lines(title, page);
        List<String> right = lines("everywhere", global);
        Panel p = new Panel(new LinearLayout(left.size() + right.size() + 1 <= rows ? Direction.VERTICAL : Direction.HORIZONTAL));
        p.addComponent(new Label(String.join("\n", left)));
        if (left.size() + right.size() + 1 <= rows) p.addComponent(new Label(""));
        p.addComponent(new Label(String.join("\n", right)));
        w.setComponent(p);
        w.addWindowListener(new WindowListenerAdapter() {
            @Override
            public void onInput(Window basePane, KeyStroke k, AtomicBoolean deliverEvent) {
                deliverEvent.set(false);
                boolean close = k.getKeyType() == KeyType.Escape || k.getKeyType() == KeyType.Enter
                        || (k.getKeyType() == KeyType.Character && (k.getCharacter() == '?' || k.getCharacter() == 'q'));
                if (close) w.close();
            }
        });
        app.gui().addWindow(w);
    }

    /** Keys that do the same thing share a line: {@code ↑ k  up}. */
    static List<String> lines(String heading, List<KeyBinding> bindings) {
        Map<String, String> byLabel = new LinkedHashMap<>();
        for (KeyBinding b : bindings) byLabel.merge(b.label(), b.key().label(), (a, c) -> a + " " + c);
        List<String> out = new ArrayList<>();
        out.add(heading);
        int kw = byLabel.values().stream().mapToInt(String::length).max().orElse(4);
        byLabel.forEach((label, keys) -> out.add("  " + keys + " ".repeat(kw - keys.length() + 2) + label));
        return out;
    }
}
