package dev.ao.tui;

import com.googlecode.lanterna.gui2.BasicWindow;
import com.googlecode.lanterna.gui2.Button;
import com.googlecode.lanterna.gui2.Direction;
import com.googlecode.lanterna.gui2.Label;
import com.googlecode.lanterna.gui2.LinearLayout;
import com.googlecode.lanterna.gui2.Panel;
import com.googlecode.lanterna.gui2.Window;
import com.googlecode.lanterna.gui2.WindowListenerAdapter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** A yes/no question in a small window: {@code y} or Yes does it, {@code n}, Esc, {@code q} or No does not. */
final class Confirm {
    private Confirm() {}

    static Window show(TuiApp app, String question, Runnable yes) {
        BasicWindow w = new BasicWindow("Confirm");
        w.setHints(List.of(Window.Hint.CENTERED, Window.Hint.MODAL));
        Panel p = new Panel(new LinearLayout(Direction.VERTICAL));
        int width = Math.max(30, Math.min(70, app.gui().getScreen().getTerminalSize().getColumns() - 8));
        p.addComponent(new Label(String.join("\n", Text.wrap(question, width))));
        p.addComponent(new Label(""));
        Panel buttons = new Panel(new LinearLayout(Direction.HORIZONTAL));
        Runnable doIt = () -> {
            w.close();
            yes.run();
            app.redraw();
        };
        buttons.addComponent(new Button("Yes (y)", doIt));
        Button no = new Button("No (n)", w::close);
        buttons.addComponent(no);
        p.addComponent(buttons);
        w.setComponent(p);
        w.addWindowListener(new WindowListenerAdapter() {
            @Override
            public void onInput(Window basePane, KeyStroke k, AtomicBoolean deliverEvent) {
                if (k.getKeyType() == KeyType.Character && !k.isCtrlDown()) {
                    char c = Character.toLowerCase(k.getCharacter());
                    if (c == 'y') {
                        deliverEvent.set(false);
                        doIt.run();
                    } else if (c == 'n' || c == 'q') {
                        deliverEvent.set(false);
                        w.close();
                    }
                } else if (k.getKeyType() == KeyType.Escape) {
                    deliverEvent.set(false);
                    w.close();
                }
            }
        });
        app.gui().addWindow(w);
        no.takeFocus();
        return w;
    }
}
