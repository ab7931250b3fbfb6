package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The skills ao can see: a list (name, tags, a mark for the runnable ones) that filters as you type after
 * {@code /}, and a pane with the skill's SKILL.md as readable text and its script's parameters.
 */
final class SkillsPage implements Page {
    static final String RUNNABLE = "▶";

    private final TuiApp app;
    private final List<KeyBinding> bindings;
    private List<Skill> all = List.of();
    private Map<String, Object> specs = Map.of(); // skill id -> ScriptSpec, or the error reading it (String)
    private List<String> problems = List.of();
    private List<Skill> shown = List.of();
    private boolean loaded;
    private String error;
    private String filter = "";
    private StringBuilder typing;
    private int selected;
    private int top;
    private int listHeight = 20;
    private int detailTop;
    private int detailHeight = 20;
    private TerminalPosition cursorAt;

    SkillsPage(TuiApp app) {
        this.app = app;
        this.bindings = List.of(
                KeyBinding.bar(Key.of('/'), "filter", this::startFilter),
                KeyBinding.bar(Key.of('r'), "run", this::run),
                KeyBinding.help(Key.of(KeyType.Enter), "run the selected skill", this::run),
                KeyBinding.help(Key.of(KeyType.Backspace), "clear the filter", () -> setFilter("")),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "up", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "down", () -> move(1)),
                KeyBinding.help(Key.of('k'), "up", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "down", () -> move(1)),
                KeyBinding.bar(Key.of(KeyType.PageDown), "scroll detail", () -> detailTop += Math.max(1, detailHeight - 2)),
                KeyBinding.help(Key.of(KeyType.PageUp), "scroll detail up", () -> detailTop = Math.max(0, detailTop - Math.max(1, detailHeight - 2))),
                KeyBinding.help(Key.of('J'), "scroll detail down a line", () -> detailTop++),
                KeyBinding.help(Key.of('K'), "scroll detail up a line", () -> detailTop = Math.max(0, detailTop - 1)));
    }

    @Override
    public String title() {
        return "Skills";
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    @Override
    public long refreshMillis() {
        return 0; // skills change when a person edits them: ^R reloads
    }

    @Override
    public Callable<Runnable> load() {
        return () -> {
            SkillCatalog c = app.backend().catalog();
            List<Skill> skills = c.all();
            Map<String, Object> sp = new HashMap<>();
            for (Skill s : skills) {
                if (!s.runnable()) continue;
                try {
                    sp.put(s.id(), app.backend().spec(s));
                } catch (RuntimeException e) {
                    sp.put(s.id(), Text.error(e));
                }
            }
            List<String> probs = new ArrayList<>(c.problems());
            c.conflicts().forEach(x -> probs.add("skill " + x.id() + " is defined twice; using " + x.kept() + ", ignoring " + x.ignored()));
            return () -> {
                all = skills;
                specs = sp;
                problems = probs;
                loaded = true;
                error = null;
                applyFilter();
                if (!probs.isEmpty()) app.error(this, probs.get(0) + (probs.size() > 1 ? " (+" + (probs.size() - 1) + " more)" : ""));
            };
        };
    }

    @Override
    public void failed(String message) {
        error = message;
    }

    private void startFilter() {
        typing = new StringBuilder(filter);
    }

    private void setFilter(String f) {
        filter = f;
        applyFilter();
    }

    private void applyFilter() {
        String sel = selected < shown.size() ? shown.get(selected).id() : null;
        List<String> words = List.of(filter.toLowerCase(Locale.ROOT).trim().split("\\s+"));
        List<Skill> out = new ArrayList<>();
        for (Skill s : all) {
            String hay = (s.id() + " " + s.name() + " " + String.join(" ", s.tags()) + " " + s.description()).toLowerCase(Locale.ROOT);
            if (words.stream().allMatch(hay::contains)) out.add(s);
        }
        shown = out;
        selected = 0;
        for (int i = 0; i < shown.size(); i++) if (shown.get(i).id().equals(sel)) selected = i;
        detailTop = 0;
    }

    @Override
    public boolean capturing() {
        return typing != null;
    }

    @Override
    public boolean input(KeyStroke k) {
        if (typing == null) return false;
        switch (k.getKeyType()) {
            case Escape -> {
                typing = null;
                setFilter("");
            }
            case Enter -> typing = null;
            case Backspace -> {
                if (typing.length() > 0) typing.setLength(typing.length() - 1);
                setFilter(typing.toString());
            }
            case ArrowUp -> move(-1);
            case ArrowDown -> move(1);
            case Character -> {
                if (!k.isCtrlDown() && !k.isAltDown()) {
                    typing.append(k.getCharacter());
                    setFilter(typing.toString());
                }
            }
            default -> {
                // nothing else while typing
            }
        }
        return true;
    }

    @Override
    public TerminalPosition cursor() {
        return typing == null ? null : cursorAt;
    }

    private void move(int d) {
        if (shown.isEmpty()) return;
        selected = Math.max(0, Math.min(shown.size() - 1, selected + d));
        detailTop = 0;
    }

    private Skill selectedSkill() {
        return selected < shown.size() ? shown.get(selected) : null;
    }

    private void run() {
        Skill s = selectedSkill();
        if (s == null) return;
        if (!s.runnable()) {
            app.info(s.id() + " is know-how only: it has no script.json to run");
            return;
        }
        Object spec = specs.get(s.id());
        if (spec instanceof ScriptSpec ss) {
            RunDialog.open(app, ss);
        } else {
            app.error(null, String.valueOf(spec));
        }
    }

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        int listW = Math.max(20, Math.min(48, w / 2));
        // filter line
        String f = typing != null ? "/" + typing : filter.isEmpty() ? "/ to filter" : "filter: " + filter + "  (bksp clears)";
        String count = loaded ? shown.size() + "/" + all.size() + " skills" : "loading…";
        g.setForegroundColor(typing != null ? TextColor.ANSI.DEFAULT : TuiApp.DIM);
        g.putString(0, 0, Text.fit(f, listW - 1));
        g.setForegroundColor(TuiApp.DIM).putString(Math.max(0, listW - 1 - count.length()), 0, count).setForegroundColor(TextColor.ANSI.DEFAULT);
        if (typing != null) cursorAt = new TerminalPosition(Math.min(listW - 2, f.length()), 0);
        listHeight = Math.max(1, h - 1);
        if (error != null && all.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.RED);
            int y = 2;
            for (String l : Text.wrap("cannot read skills: " + error, w - 2)) if (y < h) g.putString(1, y++, l);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        if (selected < top) top = selected;
        if (selected >= top + listHeight) top = selected - listHeight + 1;
        int longest = 4;
        for (Skill s : shown) longest = Math.max(longest, s.id().length());
        int nameCol = Math.min(longest, listW - 4);
        for (int i = 0; i < listHeight && top + i < shown.size(); i++) {
            Skill s = shown.get(top + i);
            boolean sel = top + i == selected;
            String mark = s.runnable() ? RUNNABLE + " " : "  ";
            // the full id: two sources may both have a "deploy", and the id is what ao run takes
            String name = s.id();
            String tags = s.tags().isEmpty() ? "" : String.join(",", s.tags());
            int nameW = Math.min(nameCol, listW - 4);
            if (sel) g.enableModifiers(SGR.REVERSE);
            g.putString(0, i + 1, Text.fit("", listW - 1));
            g.setForegroundColor(TextColor.ANSI.GREEN).putString(0, i + 1, mark).setForegroundColor(TextColor.ANSI.DEFAULT);
            g.putString(2, i + 1, Text.fit(name, nameW));
            int tx = 2 + nameW + 1;
            if (tx < listW - 2 && !tags.isEmpty()) {
                g.setForegroundColor(sel ? TextColor.ANSI.DEFAULT : TextColor.ANSI.CYAN);
                g.putString(tx, i + 1, Text.clip(tags, listW - 1 - tx));
                g.setForegroundColor(TextColor.ANSI.DEFAULT);
            }
            if (sel) g.disableModifiers(SGR.REVERSE);
        }
        if (loaded && shown.isEmpty()) {
            g.putString(1, 2, Text.clip(all.isEmpty() ? "No skills found in [skills] paths." : "No skill matches.", listW - 2));
        }
        g.setForegroundColor(TuiApp.DIM);
        for (int y = 0; y < h; y++) g.putString(listW - 1, y, "│");
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        drawDetail(g.newTextGraphics(new TerminalPosition(listW + 1, 0),
                new com.googlecode.lanterna.TerminalSize(Math.max(1, w - listW - 1), h)));
    }

    private void drawDetail(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        detailHeight = h;
        Skill s = selectedSkill();
        if (s == null) return;
        List<Markdown.Line> lines = new ArrayList<>();
        lines.add(new Markdown.Line(s.name(), Markdown.Kind.HEADING));
        lines.add(new Markdown.Line(s.id() + " · " + s.origin() + (s.runnable() ? " · runnable (r)" : " · know-how only"), Markdown.Kind.CODE));
        if (!s.tags().isEmpty()) lines.add(new Markdown.Line("tags: " + String.join(", ", s.tags()), Markdown.Kind.CODE));
        for (String l : Text.wrap(s.description(), w)) lines.add(new Markdown.Line(l, Markdown.Kind.TEXT));
        Object spec = specs.get(s.id());
        if (spec instanceof ScriptSpec ss) {
            lines.add(new Markdown.Line("", Markdown.Kind.TEXT));
            lines.add(new Markdown.Line("Parameters", Markdown.Kind.HEADING));
            lines.addAll(parameters(ss, w));
        } else if (spec != null) {
            lines.add(new Markdown.Line("", Markdown.Kind.TEXT));
            for (String l : Text.wrap("script.json: " + spec, w)) lines.add(new Markdown.Line(l, Markdown.Kind.RULE));
        }
        lines.add(new Markdown.Line("", Markdown.Kind.TEXT));
        lines.addAll(Markdown.render(s.body(), w));
        detailTop = Math.max(0, Math.min(detailTop, Math.max(0, lines.size() - h)));
        for (int i = 0; i < h && detailTop + i < lines.size(); i++) {
            Markdown.Line l = lines.get(detailTop + i);
            switch (l.kind()) {
                case HEADING -> g.enableModifiers(SGR.BOLD).setForegroundColor(TextColor.ANSI.YELLOW);
                case CODE -> g.setForegroundColor(TextColor.ANSI.CYAN);
                case RULE -> g.setForegroundColor(TextColor.ANSI.RED);
                default -> { }
            }
            g.putString(0, i, Text.clip(l.text(), w));
            g.disableModifiers(SGR.BOLD).setForegroundColor(TextColor.ANSI.DEFAULT);
        }
    }

    /** One line per parameter: name (* if required), type, default, choices, description. */
    static List<Markdown.Line> parameters(ScriptSpec spec, int w) {
        List<Markdown.Line> out = new ArrayList<>();
        JsonNode schema = spec.parametersSchema();
        JsonNode props = schema.path("properties");
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(n -> required.add(n.asText()));
        if (!props.isObject() || props.isEmpty()) {
            out.add(new Markdown.Line("(none)", Markdown.Kind.TEXT));
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode p = e.getValue();
            StringBuilder sb = new StringBuilder();
            sb.append(e.getKey()).append(required.contains(e.getKey()) ? "*" : "").append("  ").append(p.path("type").asText("string"));
            if (p.has("enum")) {
                List<String> ch = new ArrayList<>();
                p.get("enum").forEach(x -> ch.add(x.asText()));
                sb.append(" {").append(String.join("|", ch)).append('}');
            }
            if (p.has("default")) sb.append("  default ").append(p.get("default").isValueNode() ? p.get("default").asText() : p.get("default").toString());
            if (p.path("secret").asBoolean(false)) sb.append("  secret");
            out.add(new Markdown.Line(sb.toString(), Markdown.Kind.CODE));
            String d = p.path("description").asText("");
            if (!d.isBlank()) for (String l : Text.wrapLine("  " + d, w, "  ")) out.add(new Markdown.Line(l, Markdown.Kind.TEXT));
        }
        if (!required.isEmpty()) out.add(new Markdown.Line("* required", Markdown.Kind.TEXT));
        return out;
    }
}
