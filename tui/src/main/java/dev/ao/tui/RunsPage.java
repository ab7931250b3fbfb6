package dev.ao.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.input.KeyStroke;
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
 * are hidden until {@code t} shows them ({@code └}). {@code /} filters by a text in the id, skill or state as it is typed,
 * {@code s} changes the order. A long history is paged through the run index ({@code .ao/index.db}), a short one
 * from its files, by the same rule as {@code ao runs list}.
 */
final class RunsPage implements Page {
    private static final RunState[] FILTERS = {null, RunState.RUNNING, RunState.WAITING_APPROVAL, RunState.SUCCEEDED,
            RunState.FAILED, RunState.TIMED_OUT, RunState.CANCELED, RunState.REJECTED, RunState.LOST, RunState.QUEUED};
    private static final RunIndex.Sort[] SORTS = RunIndex.Sort.values();

    private final TuiApp app;
    private final List<KeyBinding> bindings;
    /** How many rows match; the ids and records of {@code [offset, offset + window.size())}. */
    private int total;
    private int offset;
    private List<String> window = List.of();
    private Map<String, RunRecord> rows = Map.of();
    private boolean loaded;
    private String error;
    private int filter;
    private int sort;
    private String text = "";
    private StringBuilder typing;
    private String before = "";
    private TerminalPosition cursorAt;
    private boolean children;
    private int selected;
    private int top;
    private int height = 20;

    RunsPage(TuiApp app) {
        this.app = app;
        this.bindings = List.of(
                KeyBinding.bar(Key.of(KeyType.Enter), "open", this::open),
                KeyBinding.bar(Key.of('/'), "find", this::startText),
                KeyBinding.help(Key.of(KeyType.Backspace), "clear the text filter", () -> setText("")),
                KeyBinding.bar(Key.of('f'), "state", () -> setFilter(filter + 1)),
                KeyBinding.help(Key.of('F'), "state: previous", () -> setFilter(filter - 1)),
                KeyBinding.bar(Key.of('s'), "sort", () -> setSort(sort + 1)),
                KeyBinding.help(Key.of('S'), "sort: previous order", () -> setSort(sort - 1)),
                KeyBinding.bar(Key.of('R'), "rerun", () -> app.rerun(selectedRun())),
                KeyBinding.bar(Key.of('c'), "cancel", () -> app.askCancel(selectedRun())),
                KeyBinding.help(Key.of('y'), "copy the run id (OSC 52)", () -> app.copyRunId(selectedId())),
                KeyBinding.help(Key.of('a'), "approve (waiting_approval)", () -> app.askDecide(selectedRun(), true)),
                KeyBinding.help(Key.of('x'), "reject (waiting_approval)", () -> app.askDecide(selectedRun(), false)),
                KeyBinding.help(Key.of('t'), "show/hide the runs of workflow jobs", this::toggleChildren),
                KeyBinding.help(Key.of('r'), "refresh", () -> app.reload(this)),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "up", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "down", () -> move(1)),
                KeyBinding.help(Key.of('k'), "up", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "down", () -> move(1)),
                KeyBinding.help(Key.of(KeyType.PageUp), "page up", () -> move(-height)),
                KeyBinding.help(Key.of(KeyType.PageDown), "page down", () -> move(height)),
                KeyBinding.help(Key.of(KeyType.Home), "first row", () -> move(-total)),
                KeyBinding.help(Key.of(KeyType.End), "last row", () -> move(total)),
                KeyBinding.help(Key.of('g'), "first row", () -> move(-total)),
                KeyBinding.help(Key.of('G'), "last row", () -> move(total)));
    }

    @Override
    public String title() {
        String f = filterState() == null ? "all" : filterState().id();
        return "Runs · " + f + (text.isEmpty() ? "" : " · /" + Text.clean(text)) + (children ? " · with children" : "")
                + (sort == 0 ? "" : " · " + SORTS[sort].label) + " · " + (loaded ? (total == 0 ? "0" : (selected + 1) + "/" + total) : "…");
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    boolean loaded() {
        return loaded;
    }

    int total() {
        return total;
    }

    private RunState filterState() {
        return FILTERS[filter];
    }

    private void setFilter(int i) {
        filter = Math.floorMod(i, FILTERS.length);
        restart();
        app.info("state: " + (filterState() == null ? "all runs" : filterState().id()) + "  (f: next state)");
    }

    private void setSort(int i) {
        sort = Math.floorMod(i, SORTS.length);
        restart();
        app.info("sorted " + SORTS[sort].label + "  (s: next order)");
    }

    private void setText(String t) {
        if (t.equals(text)) return;
        text = t;
        restart();
    }

    private void restart() {
        selected = 0;
        top = 0;
        loaded = false;
        app.reload(this);
    }

    private void startText() {
        before = text;
        typing = new StringBuilder(text);
    }

    @Override
    public boolean capturing() {
        return typing != null;
    }

    /** The text filter applies as it is typed; Enter keeps it, Esc puts back the one before. */
    @Override
    public boolean input(KeyStroke k) {
        if (typing == null) return false;
        switch (k.getKeyType()) {
            case Escape -> {
                typing = null;
                setText(before);
                return true;
            }
            case Enter -> {
                typing = null;
                return true;
            }
            case Backspace -> {
                if (typing.length() > 0) typing.setLength(typing.length() - 1);
            }
            case Character -> {
                if (!k.isCtrlDown() && !k.isAltDown() && typing.length() < 200) typing.append(k.getCharacter());
            }
            default -> {
                return true;
            }
        }
        setText(typing.toString());
        return true;
    }

    @Override
    public TerminalPosition cursor() {
        return typing == null ? null : cursorAt;
    }

    private void toggleChildren() {
        children = !children;
        app.info(children ? "showing the runs of workflow jobs too (t: hide them)" : "workflows as one row each (t: show their jobs' runs)");
        app.reload(this);
    }

    private String idAt(int i) {
        int j = i - offset;
        return j >= 0 && j < window.size() ? window.get(j) : null;
    }

    private String selectedId() {
        return idAt(selected);
    }

    private RunRecord selectedRun() {
        String id = selectedId();
        return id == null ? null : rows.get(id);
    }

    private void open() {
        String id = selectedId();
        if (id == null) return;
        RunRecord r = rows.get(id);
        if (r != null) app.openRun(r);
        else app.openRun(id);
    }

    private void move(int delta) {
        if (total == 0) return;
        selected = Math.max(0, Math.min(total - 1, selected + delta));
        scrollToSelection();
        // rows outside what was read come with the next load, started now
        int end = Math.min(total, top + height);
        for (int i = top; i < end; i++) {
            String id = idAt(i);
            if (id == null || !rows.containsKey(id)) {
                app.reload(this);
                break;
            }
        }
    }

    private void scrollToSelection() {
        if (selected < top) top = selected;
        if (selected >= top + height) top = selected - height + 1;
        top = Math.max(0, Math.min(top, Math.max(0, total - height)));
    }

    private RunIndex.View view() {
        return new RunIndex.View(filterState(), children, text, SORTS[sort]);
    }

    @Override
    public Callable<Runnable> load() {
        RunIndex.View v = view();
        int from = Math.max(0, top - height);
        int count = height * 3;
        var first = loaded ? null : app.backend().takeFirstPage(v, from, count);
        return () -> {
            RunIndex.Page p = first != null ? first.get() : app.index().page(app.backend().store(), v, from, count);
            return () -> apply(p, v);
        };
    }

    private void apply(RunIndex.Page p, RunIndex.View asked) {
        // the view changed while this was read: the newer load is on its way
        if (!asked.equals(view())) return;
        String was = loaded ? selectedId() : null;
        total = p.total();
        offset = p.offset();
        window = p.window();
        rows = p.rows();
        error = null;
        if (was != null) {
            int i = window.indexOf(was);
            if (i >= 0) selected = offset + i;
        }
        selected = Math.max(0, Math.min(selected, total - 1));
        scrollToSelection();
        loaded = true;
        String problem = app.index().indexProblem();
        if (problem != null && !warned) {
            warned = true;
            app.error(this, problem);
        }
    }

    private boolean warned;

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
        boolean textLine = typing != null || !text.isEmpty();
        height = Math.max(1, h - 1 - (textLine ? 1 : 0));
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
        if (textLine) {
            String line = typing != null ? "/" + typing : "/" + text + "  (/ edit · bksp clears)";
            g.setForegroundColor(typing != null ? TextColor.ANSI.DEFAULT : TuiApp.DIM);
            g.putString(0, h - 1, Text.fit(line, w));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            if (typing != null) cursorAt = new TerminalPosition(Math.min(w - 1, Text.clean(line).length()), h - 1);
        }
        if (error != null && total == 0) {
            g.setForegroundColor(TextColor.ANSI.RED);
            int y = 2;
            for (String l : Text.wrap("cannot read runs: " + error, w - 2)) if (y < h - 1) g.putString(1, y++, l);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
            return;
        }
        if (loaded && total == 0) {
            String msg = filterState() == null && text.isEmpty()
                    ? "No runs yet. Start one: 2 (Skills), pick a skill, r to run it; or 'ao run' in a shell."
                    : "No runs" + (filterState() == null ? "" : " in state " + f) + (text.isEmpty() ? "" : " matching '" + text + "'")
                    + ".  f: next state" + (text.isEmpty() ? "" : " · bksp: clear the text");
            int y = 2;
            for (String l : Text.wrap(msg, w - 2)) if (y < h - 1) g.putString(1, y++, l);
            return;
        }
        for (int i = 0; i < height && top + i < total; i++) {
            int idx = top + i;
            String id = idAt(idx);
            RunRecord r = id == null ? null : rows.get(id);
            int y = i + 1;
            boolean sel = idx == selected;
            if (sel) g.enableModifiers(SGR.REVERSE);
            g.putString(0, y, Text.fit(id == null ? "…" : id, idW) + " ");
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
