package dev.ao.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.WorkflowView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The runs of one for_each job, by item and attempt, to pick one to open. The cursor starts on the first item
 * whose last attempt failed: that is the run a person opens this list for.
 */
final class JobRunsPage implements Page {
    private final TuiApp app;
    private final String workflowId;
    private final String job;
    private final List<KeyBinding> bindings;
    /** Ended runs do not change: read once. */
    private final Map<String, RunRecord> ended = new HashMap<>();
    private List<RunRecord> runs = List.of();
    /** The runs that are their item's last attempt (an earlier attempt's failure is history). */
    private Set<String> latest = Set.of();
    private boolean loaded;
    private boolean placed;
    private String error;
    private int selected;
    private int top;
    private int height = 10;

    JobRunsPage(TuiApp app, String workflowId, String job) {
        this.app = app;
        this.workflowId = workflowId;
        this.job = job;
        this.bindings = List.of(
                KeyBinding.bar(Key.of(KeyType.Enter), "open", this::open),
                KeyBinding.bar(Key.of('n'), "next failed", () -> nextFailed(1)),
                KeyBinding.help(Key.of('N'), "previous failed", () -> nextFailed(-1)),
                KeyBinding.bar(Key.of('c'), "cancel", () -> app.askCancel(selectedRun())),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "up", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "down", () -> move(1)),
                KeyBinding.help(Key.of('k'), "up", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "down", () -> move(1)),
                KeyBinding.help(Key.of(KeyType.PageUp), "page up", () -> move(-height)),
                KeyBinding.help(Key.of(KeyType.PageDown), "page down", () -> move(height)),
                KeyBinding.help(Key.of('g'), "first", () -> move(-runs.size())),
                KeyBinding.help(Key.of('G'), "last", () -> move(runs.size())));
    }

    @Override
    public String title() {
        return "job " + Text.clean(job) + " of " + workflowId;
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    @Override
    public long refreshMillis() {
        return 1000;
    }

    private RunRecord selectedRun() {
        return selected >= 0 && selected < runs.size() ? runs.get(selected) : null;
    }

    private void open() {
        RunRecord r = selectedRun();
        if (r != null) app.openRun(r);
    }

    private void move(int d) {
        if (!runs.isEmpty()) selected = Math.max(0, Math.min(runs.size() - 1, selected + d));
    }

    private static boolean bad(RunState s) {
        return s == RunState.FAILED || s == RunState.TIMED_OUT || s == RunState.LOST || s == RunState.INTERRUPTED
                || s == RunState.REJECTED;
    }

    private boolean failedLast(RunRecord r) {
        return bad(r.state()) && latest.contains(r.id());
    }

    private void nextFailed(int dir) {
        for (int k = 1; k <= runs.size(); k++) {
            int i = Math.floorMod(selected + dir * k, runs.size());
            if (failedLast(runs.get(i))) {
                selected = i;
                return;
            }
        }
        app.info("no failed item in job " + Text.clean(job));
    }

    @Override
    public Callable<Runnable> load() {
        Map<String, RunRecord> known = new HashMap<>(ended);
        return () -> {
            RunStore store = app.backend().store();
            JobRecord j = WorkflowView.jobs(store, workflowId).stream().filter(x -> x.id().equals(job)).findFirst().orElse(null);
            List<RunRecord> rs = new ArrayList<>();
            if (j != null) {
                for (String id : WorkflowModel.runIds(j)) {
                    RunRecord r = known.get(id);
                    if (r == null) r = app.index().read(store, id).orElse(null);
                    if (r != null) rs.add(r);
                }
            }
            rs.sort(Comparator.comparing((RunRecord r) -> r.item() == null ? -1 : r.item())
                    .thenComparing(r -> r.attempt() == null ? 1 : r.attempt()));
            return () -> apply(rs, j == null);
        };
    }

    private void apply(List<RunRecord> rs, boolean missing) {
        String was = selectedRun() == null ? null : selectedRun().id();
        runs = rs;
        Map<Integer, RunRecord> last = new HashMap<>();
        for (RunRecord r : rs) last.put(r.item() == null ? -1 : r.item(), r);
        Set<String> l = new HashSet<>();
        for (RunRecord r : last.values()) l.add(r.id());
        latest = l;
        for (RunRecord r : rs) if (r.state().terminal()) ended.put(r.id(), r);
        loaded = true;
        error = missing ? "workflow run " + workflowId + " has no job " + job + " in its jobs.json" : null;
        selected = 0;
        if (!placed) {
            // first sight: the first item whose last attempt failed, else the first still going
            int running = -1;
            for (int i = runs.size() - 1; i >= 0; i--) {
                if (failedLast(runs.get(i))) selected = i;
                if (!runs.get(i).state().terminal()) running = i;
            }
            if (selected == 0 && !runs.isEmpty() && !failedLast(runs.get(0)) && running >= 0) selected = running;
            placed = !runs.isEmpty();
        } else {
            for (int i = 0; i < runs.size(); i++) if (runs.get(i).id().equals(was)) selected = i;
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
        if (!loaded) {
            g.putString(0, 0, Text.clip(error != null ? error : "loading…", w));
            return;
        }
        int failed = 0;
        for (RunRecord r : runs) if (failedLast(r)) failed++;
        WorkflowPage.put(g, 0, 0, w, "job " + job + " · " + runs.size() + (runs.size() == 1 ? " run" : " runs")
                + (failed > 0 ? " · " + failed + " item" + (failed == 1 ? "" : "s") + " failed (n: next)" : ""), null, true);
        int itemW = 6, attW = 4, stateW = 16, durW = 8, idW = 24;
        g.enableModifiers(SGR.BOLD);
        g.putString(0, 1, Text.fit(Text.fit("ITEM", itemW) + " " + Text.fit("TRY", attW) + " " + Text.fit("STATE", stateW) + " "
                + Text.fit("DURATION", durW) + " " + Text.fit("RUN", idW) + " SUMMARY / REASON", w));
        g.disableModifiers(SGR.BOLD);
        if (error != null) {
            g.setForegroundColor(TextColor.ANSI.RED).putString(0, 2, Text.clip(error, w)).setForegroundColor(TextColor.ANSI.DEFAULT);
            if (runs.isEmpty()) return;
        }
        if (runs.isEmpty()) {
            g.putString(1, 2, Text.clip("(no runs yet)", w - 1));
            return;
        }
        int first = error != null ? 3 : 2;
        height = Math.max(1, h - first);
        if (selected < top) top = selected;
        if (selected >= top + height) top = selected - height + 1;
        top = Math.max(0, Math.min(top, Math.max(0, runs.size() - height)));
        for (int i = 0; i < height && top + i < runs.size(); i++) {
            RunRecord r = runs.get(top + i);
            int y = first + i;
            boolean sel = top + i == selected;
            if (sel) {
                g.enableModifiers(SGR.REVERSE);
                g.putString(0, y, " ".repeat(w));
            }
            boolean superseded = !latest.contains(r.id());
            String item = r.item() == null ? "-" : "[" + r.item() + "]";
            int x = WorkflowPage.put(g, 0, y, w, Text.fit(item, itemW) + " " + Text.fit(r.attempt() == null ? "1" : r.attempt().toString(), attW) + " ",
                    superseded ? TuiApp.DIM : null, false);
            x = WorkflowPage.put(g, x, y, w, Text.fit(r.state().id(), stateW), TuiApp.color(r.state()), false);
            x = WorkflowPage.put(g, x, y, w, " " + Text.fit(Text.duration(r.elapsedMs()), durW) + " " + Text.fit(r.id(), idW) + " ", null, false);
            String why = bad(r.state()) || r.state() == RunState.CANCELED ? (r.reason() == null ? "" : r.reason())
                    : r.summary() == null ? "" : r.summary();
            WorkflowPage.put(g, x, y, w, why, superseded ? TuiApp.DIM : null, false);
            if (sel) g.disableModifiers(SGR.REVERSE);
        }
    }
}
