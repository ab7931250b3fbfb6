package dev.ao.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Runs waiting for a person: what each would run (skill, parameters, the script's first lines), approve or reject. */
final class ApprovalsPage implements Page {
    private static final int MAX_LISTED = 200;
    private static final int HEAD_LINES = 15;

    private final TuiApp app;
    private final List<KeyBinding> bindings;
    private List<RunRecord> runs = List.of();
    private Map<String, List<String>> heads = Map.of();
    private boolean loaded;
    private String error;
    private int selected;

    ApprovalsPage(TuiApp app) {
        this.app = app;
        this.bindings = List.of(
                KeyBinding.bar(Key.of('a'), "approve", () -> app.askDecide(selectedRun(), true)),
                KeyBinding.bar(Key.of('x'), "reject", () -> app.askDecide(selectedRun(), false)),
                KeyBinding.bar(Key.of(KeyType.Enter), "open", () -> {
                    RunRecord r = selectedRun();
                    if (r != null) app.openRun(r.id());
                }),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "up", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "down", () -> move(1)),
                KeyBinding.help(Key.of('k'), "up", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "down", () -> move(1)));
    }

    @Override
    public String title() {
        return "Approvals";
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    private RunRecord selectedRun() {
        return selected < runs.size() ? runs.get(selected) : null;
    }

    private void move(int d) {
        if (!runs.isEmpty()) selected = Math.max(0, Math.min(runs.size() - 1, selected + d));
    }

    @Override
    public Callable<Runnable> load() {
        return () -> {
            RunStore store = app.backend().store();
            // through the run index on a long history, as the runs page: never every run.json of it
            RunIndex.Page s = app.index().page(store, new RunIndex.View(RunState.WAITING_APPROVAL, true, "", RunIndex.Sort.NEWEST), 0, MAX_LISTED);
            List<RunRecord> rs = new ArrayList<>(s.rows().values());
            Map<String, List<String>> hs = new HashMap<>();
            for (RunRecord r : rs) hs.put(r.id(), head(store.dir(r.id()), r));
            return () -> {
                String was = selectedRun() == null ? null : selectedRun().id();
                runs = rs;
                heads = hs;
                loaded = true;
                error = null;
                selected = 0;
                for (int i = 0; i < runs.size(); i++) if (runs.get(i).id().equals(was)) selected = i;
            };
        };
    }

    /** The first lines of the copy of the script that would run. */
    private static List<String> head(Path dir, RunRecord r) {
        if (r.scriptCopy() == null) return List.of();
        try (Stream<String> lines = Files.lines(dir.resolve(r.scriptCopy()), StandardCharsets.UTF_8)) {
            return lines.limit(HEAD_LINES).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(cannot read " + r.scriptCopy() + ")");
        }
    }

    @Override
    public void failed(String message) {
        error = message;
    }

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        if (error != null && runs.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.RED).putString(1, 1, Text.clip("cannot read runs: " + error, w - 2));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        if (!loaded) {
            g.putString(1, 1, "loading…");
            return;
        }
        if (runs.isEmpty()) {
            g.putString(1, 1, Text.clip("Nothing waiting for approval.", w - 2));
            g.setForegroundColor(TuiApp.DIM);
            int y = 3;
            for (String l : Text.wrap("Runs of scripts with risk: approval_required (or danger-full-access) wait here "
                    + "until someone approves (a) or rejects (x) them.", w - 2)) if (y < h) g.putString(1, y++, l);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        int listH = Math.min(runs.size(), Math.max(2, h / 3));
        int first = Math.max(0, Math.min(selected - listH + 1, runs.size() - listH));
        g.enableModifiers(SGR.BOLD).putString(0, 0, Text.fit(Text.fit("ID", 24) + " " + Text.fit("SKILL/SCRIPT", 20) + " WAITING  WHY", w));
        g.disableModifiers(SGR.BOLD);
        for (int i = 0; i < listH && first + i < runs.size(); i++) {
            RunRecord r = runs.get(first + i);
            if (first + i == selected) g.enableModifiers(SGR.REVERSE);
            g.putString(0, i + 1, Text.fit(Text.fit(r.id(), 24) + " " + Text.fit(r.label(), 20) + " "
                    + Text.fit(Text.ago(r.createdAt()), 8) + " " + (r.reason() == null ? "" : r.reason()), w));
            if (first + i == selected) g.disableModifiers(SGR.REVERSE);
        }
        RunRecord r = selectedRun();
        int y = listH + 2;
        if (r == null || y >= h) return;
        g.setForegroundColor(TuiApp.DIM).putString(0, y - 1, Text.clip("── would run " + "─".repeat(w), w)).setForegroundColor(TextColor.ANSI.DEFAULT);
        List<String> what = new ArrayList<>();
        what.add("skill   " + r.label() + (r.script() != null ? "  (" + r.script() + ")" : ""));
        what.add("params  " + RunDetailPage.params(r.params()));
        what.add("why     " + (r.reason() == null ? "-" : r.reason()));
        for (String l : what) if (y < h) g.putString(0, y++, Text.clip(l, w));
        g.setForegroundColor(TextColor.ANSI.CYAN);
        for (String l : heads.getOrDefault(r.id(), List.of())) if (y < h) g.putString(2, y++, Text.clip(l, w - 2));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }
}
