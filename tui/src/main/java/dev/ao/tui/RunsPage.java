package dev.ao.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Every run, newest first, refreshed every 2 s. Only the rows on screen (and a page around them) are read from
 * disk; the rest of the history is just its id list. A workflow is one row ({@code [wf]}); the runs of its jobs
 * are hidden until {@code t} shows them ({@code └}).
 */
final class RunsPage implements Page {
    private static final RunState[] FILTERS = {null, RunState.RUNNING, RunState.WAITING_APPROVAL, RunState.SUCCEEDED,
            RunState.FAILED, RunState.TIMED_OUT, RunState.CANCELED, RunState.REJECTED, RunState.LOST, RunState.QUEUED};

    private final TuiApp app;
    private final List<KeyBinding> bindings;
    private List<String> ids = List.of();
    private Map<String, RunRecord> rows = Map.of();
    private boolean loaded;
    private String error;
    private int filter;
    private boolean children;
    private int selected;
    private int top;
    private int height = 20;

    RunsPage(TuiApp app) {
        this.app = app;
        this.bindings = List.of(
                KeyBinding.bar(Key.of(KeyType.Enter), "open", this::open),
                KeyBinding.bar(Key.of('f'), "filter", () -> setFilter(filter + 1)),
                KeyBinding.help(Key.of('F'), "filter: previous state", () -> setFilter(filter - 1)),
                KeyBinding.bar(Key.of('c'), "cancel", () -> app.askCancel(selectedRun())),
                KeyBinding.help(Key.of('a'), "approve (waiting_approval)", () -> app.askDecide(selectedRun(), true)),
                KeyBinding.help(Key.of('x'), "reject (waiting_approval)", () -> app.askDecide(selectedRun(), false)),
                KeyBinding.bar(Key.of('t'), "children", this::toggleChildren),
                KeyBinding.bar(Key.of('r'), "refresh", () -> app.reload(this)),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "up", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "down", () -> move(1)),
                KeyBinding.help(Key.of('k'), "up", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "down", () -> move(1)),
                KeyBinding.help(Key.of(KeyType.PageUp), "page up", () -> move(-height)),
                KeyBinding.help(Key.of(KeyType.PageDown), "page down", () -> move(height)),
                KeyBinding.help(Key.of(KeyType.Home), "newest", () -> move(-ids.size())),
                KeyBinding.help(Key.of(KeyType.End), "oldest", () -> move(ids.size())),
                KeyBinding.help(Key.of('g'), "newest", () -> move(-ids.size())),
                KeyBinding.help(Key.of('G'), "oldest", () -> move(ids.size())));
    }

    @Override
    public String title() {
        String f = filterState() == null ? "all" : filterState().id();
        return "Runs · " + f + (children ? " · with children" : "") + " · " + (loaded ? (ids.isEmpty() ? "0" : (selected + 1) + "/" + ids.size()) : "…");
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    boolean loaded() {
        return loaded;
    }

    int total() {
        return ids.size();
    }

    private RunState filterState() {
        return FILTERS[filter];
    }

    private void setFilter(int i) {
        filter = Math.floorMod(i, FILTERS.length);
        selected = 0;
        top = 0;
        loaded = false;
        app.info("filter: " + (filterState() == null ? "all runs" : filterState().id()) + "  (f: next state)");
        app.reload(this);
    }

    private void toggleChildren() {
        children = !children;
        app.info(children ? "showing the runs of workflow jobs too (t: hide them)" : "workflows as one row each (t: show their jobs' runs)");
        app.reload(this);
    }

    private RunRecord selectedRun() {
        if (selected < 0 || selected >= ids.size()) return null;
        return rows.get(ids.get(selected));
    }

    private void open() {
        if (selected < 0 || selected >= ids.size()) return;
        RunRecord r = rows.get(ids.get(selected));
        if (r != null) app.openRun(r);
        else app.openRun(ids.get(selected));
    }

    private void move(int delta) {
        if (ids.isEmpty()) return;
        selected = Math.max(0, Math.min(ids.size() - 1, selected + delta));
        scrollToSelection();
        // rows outside what was read come with the next load, started now
        int end = Math.min(ids.size(), top + height);
        for (int i = top; i < end; i++) {
            if (!rows.containsKey(ids.get(i))) {
                app.reload(this);
                break;
            }
        }
    }

    private void scrollToSelection() {
        if (selected < top) top = selected;
        if (selected >= top + height) top = selected - height + 1;
        top = Math.max(0, Math.min(top, Math.max(0, ids.size() - height)));
    }

    @Override
    public Callable<Runnable> load() {
        RunState f = filterState();
        int from = Math.max(0, top - height);
        int count = height * 3;
        int asked = filter;
        boolean withChildren = children;
        return () -> {
            RunIndex.Slice s = app.index().slice(app.backend().store(), f, withChildren, from, count);
            return () -> apply(s, asked, withChildren);
        };
    }

    private void apply(RunIndex.Slice s, int asked, boolean withChildren) {
        // the filter changed while this was read: the newer load is on its way
        if (asked != filter || withChildren != children) return;
        String was = selected < ids.size() ? ids.get(selected) : null;
        ids = s.ids();
        rows = s.rows();
        error = null;
        if (was != null && !loaded) was = null;
        if (was != null) {
            int i = ids.indexOf(was);
            if (i >= 0) selected = i;
        }
        selected = Math.max(0, Math.min(selected, ids.size() - 1));
        scrollToSelection();
        loaded = true;
    }

    /** {@code [wf] deploy} for a workflow, {@code └ deploy · build[3]} for the run of one of its jobs. */
    private static String label(RunRecord r) {
        if (r.parent() != null) return "└ " + r.label();
        if (RunRecord.KIND_WORKFLOW.equals(r.kind())) return "[wf] " + r.label();
        return r.label();
    }

    @Override
    public void failed(String message) {
        error = message;
    }

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        height = Math.max(1, h - 1);
        scrollToSelection();
        String f = filterState() == null ? "all" : filterState().id();
        // run ids are yyyyMMdd-HHmmss-SSS-xxxx: 24 characters
        int idW = 24, stateW = 16, startW = 8, durW = 8, exitW = 4;
        int labelW = Math.max(6, w - (idW + stateW + startW + durW + exitW + 5));
        g.enableModifiers(SGR.BOLD);
        String header = Text.fit("ID", idW) + " " + Text.fit("SKILL/SCRIPT", labelW) + " " + Text.fit("STATE", stateW) + " "
                + Text.fit("STARTED", startW) + " " + Text.fit("DURATION", durW) + " " + Text.fit("EXIT", exitW);
        g.putString(0, 0, Text.fit(header, w));
        g.disableModifiers(SGR.BOLD);
        if (error != null && ids.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.RED);
            int y = 2;
            for (String l : Text.wrap("cannot read runs: " + error, w - 2)) if (y < h) g.putString(1, y++, l);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        if (loaded && ids.isEmpty()) {
            String msg = filterState() == null
                    ? "No runs yet. Start one: 2 (Skills), pick a skill, r to run it; or 'ao run' in a shell."
                    : "No runs in state " + f + ".  f: next filter";
            int y = 2;
            for (String l : Text.wrap(msg, w - 2)) if (y < h) g.putString(1, y++, l);
            return;
        }
        for (int i = 0; i < height && top + i < ids.size(); i++) {
            int idx = top + i;
            String id = ids.get(idx);
            RunRecord r = rows.get(id);
            int y = i + 1;
            boolean sel = idx == selected;
            if (sel) g.enableModifiers(SGR.REVERSE);
            g.putString(0, y, Text.fit(id, idW) + " ");
            if (r == null) {
                g.putString(idW + 1, y, Text.fit("…", w - idW - 1));
            } else {
                Long d = r.elapsedMs();
                g.putString(idW + 1, y, Text.fit(label(r), labelW) + " ");
                g.setForegroundColor(TuiApp.color(r.state()));
                g.putString(idW + labelW + 2, y, Text.fit(r.state().id(), stateW));
                g.setForegroundColor(TextColor.ANSI.DEFAULT);
                String rest = " " + Text.fit(Text.ago(r.startedAt() != null ? r.startedAt() : r.createdAt()), startW) + " "
                        + Text.fit(Text.duration(d), durW) + " " + Text.fit(r.exitCode() == null ? "-" : r.exitCode().toString(), exitW);
                int x = idW + labelW + 2 + stateW;
                g.putString(x, y, Text.fit(rest, Math.max(0, w - x)));
            }
            if (sel) g.disableModifiers(SGR.REVERSE);
        }
    }
}
