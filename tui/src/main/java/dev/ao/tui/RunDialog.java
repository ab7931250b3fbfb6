package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.BasicWindow;
import com.googlecode.lanterna.gui2.Button;
import com.googlecode.lanterna.gui2.CheckBox;
import com.googlecode.lanterna.gui2.ComboBox;
import com.googlecode.lanterna.gui2.Component;
import com.googlecode.lanterna.gui2.Direction;
import com.googlecode.lanterna.gui2.GridLayout;
import com.googlecode.lanterna.gui2.Label;
import com.googlecode.lanterna.gui2.LinearLayout;
import com.googlecode.lanterna.gui2.Panel;
import com.googlecode.lanterna.gui2.TextBox;
import com.googlecode.lanterna.gui2.Window;
import com.googlecode.lanterna.gui2.WindowListenerAdapter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.AoException;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.script.ScriptSpec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The form to start a run, generated from the script's {@code parameters_schema}: a text field per parameter,
 * a checkbox for booleans, a choice for enums, a masked field for secrets, defaults filled in, required ones
 * marked. It validates as you type with {@link ParameterBinder} (the messages {@code ao run} prints), and Start
 * launches a detached run and opens it.
 */
final class RunDialog {
    /** One parameter's input. */
    private record Field(String name, String type, JsonNode schema, Component input, String initial) {
        /** The {@code key=value} the CLI would get, or null when left at its default or empty. */
        String pair() {
            String v;
            if (input instanceof CheckBox c) {
                v = String.valueOf(c.isChecked());
            } else if (input instanceof ComboBox<?> c) {
                Object o = c.getSelectedItem();
                v = o == null ? "" : o.toString();
            } else {
                v = ((TextBox) input).getText();
            }
            if (v.isEmpty() || v.equals(initial)) return null;
            return name + "=" + v;
        }
    }

    private final TuiApp app;
    private final ScriptSpec spec;
    private final BasicWindow window;
    private final List<Field> fields = new ArrayList<>();
    private final Label problem = new Label("");
    private final Button start;
    private boolean starting;

    private RunDialog(TuiApp app, ScriptSpec spec, JsonNode given) {
        this.app = app;
        this.spec = spec;
        this.window = new BasicWindow("Run " + spec.label());
        window.setHints(List.of(Window.Hint.CENTERED, Window.Hint.MODAL));
        TerminalSize screen = app.gui().getScreen().getTerminalSize();
        int inputW = Math.max(16, Math.min(40, screen.getColumns() - 30));
        Panel form = new Panel(new GridLayout(2));
        JsonNode schema = spec.parametersSchema();
        JsonNode props = schema.path("properties");
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(n -> required.add(n.asText()));
        int count = props.size();
        // descriptions only when they fit: the form must stay on an 80x24 screen
        boolean describe = count * 2 + 8 <= screen.getRows() - 2;
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode p = e.getValue();
            String type = p.path("type").isTextual() ? p.path("type").asText() : "string";
            String initial = initial(p);
            // a rerun: the value the run had, except a secret's, which is never stored ("***")
            String value = initial;
            JsonNode had = given == null ? null : given.get(name);
            if (had != null && !had.isNull() && !p.path("secret").asBoolean(false) && !(had.isTextual() && "***".equals(had.asText()))) {
                value = text(had);
            }
            Component input;
            if (type.equals("boolean")) {
                CheckBox c = new CheckBox();
                c.setChecked("true".equals(value));
                c.addListener(checked -> validate());
                input = c;
                if (initial.isEmpty()) initial = "false";
            } else if (p.has("enum")) {
                List<String> choices = new ArrayList<>();
                if (!required.contains(name) && !p.has("default")) choices.add("");
                p.get("enum").forEach(x -> choices.add(x.asText()));
                ComboBox<String> c = new ComboBox<>(choices);
                c.setReadOnly(true);
                c.setPreferredSize(new TerminalSize(inputW, 1));
                if (choices.contains(value)) c.setSelectedItem(value);
                c.addListener((sel, prev, byUser) -> validate());
                input = c;
            } else {
                TextBox t = new TextBox(new TerminalSize(inputW, 1), value);
                if (p.path("secret").asBoolean(false)) t.setMask('*');
                t.setTextChangeListener((text, byUser) -> validate());
                input = t;
            }
            String label = name + (required.contains(name) ? " *" : "") + (type.equals("string") || p.has("enum") ? "" : " (" + type + ")");
            form.addComponent(new Label(label));
            form.addComponent(input);
            if (describe && !p.path("description").asText("").isBlank()) {
                form.addComponent(new Label(""));
                form.addComponent(new Label(Text.clip(p.path("description").asText(), inputW)).setForegroundColor(TextColor.ANSI.BLACK_BRIGHT));
            }
            fields.add(new Field(name, type, p, input, initial));
        }
        Panel root = new Panel(new LinearLayout(Direction.VERTICAL));
        if (!spec.description().isBlank()) root.addComponent(new Label(Text.clip(spec.description(), inputW + 20)));
        if (fields.isEmpty()) root.addComponent(new Label("This script takes no parameters."));
        root.addComponent(form);
        problem.setForegroundColor(TextColor.ANSI.RED);
        // a fixed size, so the window does not jump as messages come and go
        problem.setPreferredSize(new TerminalSize(messageWidth(), 3));
        root.addComponent(problem);
        Panel buttons = new Panel(new LinearLayout(Direction.HORIZONTAL));
        start = new Button("Start", this::submit);
        buttons.addComponent(start);
        buttons.addComponent(new Button("Cancel", window::close));
        root.addComponent(buttons);
        root.addComponent(new Label("tab/↓ next field · enter on Start runs · esc closes").setForegroundColor(TextColor.ANSI.BLACK_BRIGHT));
        window.setComponent(root);
        window.addWindowListener(new WindowListenerAdapter() {
            @Override
            public void onInput(Window w, KeyStroke k, AtomicBoolean deliverEvent) {
                if (k.getKeyType() == KeyType.Escape) {
                    deliverEvent.set(false);
                    window.close();
                }
            }
        });
    }

    static void open(TuiApp app, ScriptSpec spec) {
        open(app, spec, null);
    }

    /** The form filled in with {@code params} (a run's recorded parameters), for a rerun. */
    static void open(TuiApp app, ScriptSpec spec, JsonNode params) {
        RunDialog d = new RunDialog(app, spec, params);
        d.validate();
        app.gui().addWindow(d.window);
    }

    private static String initial(JsonNode p) {
        JsonNode d = p.get("default");
        if (d == null || d.isNull()) return "";
        return text(d);
    }

    /** A value as the form shows it: a list as {@code a,b}. */
    private static String text(JsonNode d) {
        if (d.isArray()) {
            List<String> items = new ArrayList<>();
            d.forEach(x -> items.add(x.isValueNode() ? x.asText() : x.toString()));
            return String.join(",", items);
        }
        return d.isValueNode() ? d.asText() : d.toString();
    }

    private List<String> pairs() {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            String p = f.pair();
            if (p != null) out.add(p);
        }
        return out;
    }

    /** The CLI's own check; returns its message, or null when the parameters are good. */
    private String check() {
        try {
            ParameterBinder.bind(spec, pairs());
            return null;
        } catch (AoException e) {
            return e.getMessage();
        } catch (RuntimeException e) {
            return "cannot check the parameters: " + Text.error(e);
        }
    }

    private void validate() {
        String m = check();
        show(m == null ? "" : m);
    }

    private int messageWidth() {
        return Math.max(30, Math.min(70, app.gui().getScreen().getTerminalSize().getColumns() - 8));
    }

    private void show(String message) {
        List<String> lines = message.isEmpty() ? List.of() : Text.wrap(message, messageWidth());
        if (lines.size() > 3) lines = List.of(lines.get(0), lines.get(1), Text.clip(lines.get(2) + " …", messageWidth()));
        problem.setText(String.join("\n", lines));
    }

    private void submit() {
        if (starting) return;
        String m = check();
        if (m != null) {
            show(m);
            return;
        }
        starting = true;
        start.setLabel("Starting…");
        List<String> pairs = pairs();
        String target = spec.skill() != null ? spec.skill() : spec.scriptFile().toString();
        app.act("starting " + spec.label() + "…", () -> {
            try {
                String id = app.backend().start(target, pairs);
                return () -> {
                    window.close();
                    app.openRun(id);
                    app.info("started run " + id + " (detached: it goes on if you quit)");
                };
            } catch (AoException e) {
                return () -> {
                    starting = false;
                    start.setLabel("Start");
                    show(e.getMessage());
                    app.error(null, "not started: " + e.getMessage());
                };
            }
        });
    }
}
