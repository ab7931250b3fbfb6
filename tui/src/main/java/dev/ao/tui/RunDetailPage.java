package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run: its header, parameters, summary, and a viewer over stdout.log / stderr.log that scrolls, follows a live
 * run, jumps to either end and searches. The viewer holds only the lines on screen: positions are byte offsets,
 * and {@link LogReader} finds lines around them.
 */
final class RunDetailPage implements Page {
    /** The summary shown here; summary.md is bounded by the engine, this bounds it again for a foreign file. */
    private static final int MAX_SUMMARY = 64 * 1024;

    private final TuiApp app;
    private final String id;
    private final List<KeyBinding> bindings;
    private final AtomicInteger searchGeneration = new AtomicInteger();

    private RunRecord run;
    private String summary = "";
    private String error;
    private boolean stderr;
    private boolean follow = true;
    private long top;
    private long pendingMove;
    private List<LogReader.Line> lines = List.of();
    private long size;
    private int logHeight = 10;
    private int hscroll;
    /** Bumped by every jump (start, end, search hit, other stream): a load begun before it must not move the view. */
    private int position;
    private String search;
    private StringBuilder typing;

    /** Whether this page stays itself for a workflow run (the dashboard's {@code l}), not the dashboard. */
    private final boolean plain;

    RunDetailPage(TuiApp app, String id) {
        this(app, id, false);
    }

    RunDetailPage(TuiApp app, String id, boolean plain) {
        this.app = app;
        this.id = id;
        this.plain = plain;
        this.bindings = List.of(
                KeyBinding.bar(Key.of('/'), "search", this::startSearch),
                KeyBinding.bar(Key.of('n'), "next", () -> findNext(true)),
                KeyBinding.help(Key.of('N'), "previous match", () -> findNext(false)),
                KeyBinding.bar(Key.of('G'), "end+follow", this::toEnd),
                KeyBinding.help(Key.of(KeyType.End), "end and follow", this::toEnd),
                KeyBinding.help(Key.of('g'), "start of log", this::toStart),
                KeyBinding.help(Key.of(KeyType.Home), "start of log", this::toStart),
                KeyBinding.bar(Key.of('f'), "follow", this::toggleFollow),
                KeyBinding.bar(Key.of('e'), "stdout/err", this::toggleStream),
                KeyBinding.bar(Key.of('s'), "summary", this::showSummary),
                KeyBinding.bar(Key.of('v'), "events", () -> app.push(new EventsPage(app, id))),
                KeyBinding.bar(Key.of('o'), "pager", () -> app.openInPager(app.backend().store().dir(id).resolve(stream()))),
                KeyBinding.bar(Key.of('R'), "rerun", () -> app.rerun(run)),
                KeyBinding.help(Key.of('y'), "copy the run id (OSC 52)", () -> app.copyRunId(id)),
                KeyBinding.bar(Key.of('c'), "cancel", () -> app.askCancel(run)),
                KeyBinding.help(Key.of('a'), "approve (waiting_approval)", () -> app.askDecide(run, true)),
                KeyBinding.help(Key.of('x'), "reject (waiting_approval)", () -> app.askDecide(run, false)),
                KeyBinding.help(Key.of('w'), "its workflow (a job's run)", this::openWorkflow),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "scroll down", () -> scroll(1)),
                KeyBinding.help(Key.of('k'), "scroll up", () -> scroll(-1)),
                KeyBinding.help(Key.of('j'), "scroll down", () -> scroll(1)),
                KeyBinding.help(Key.of(KeyType.PageUp), "page up", () -> scroll(-Math.max(1, logHeight - 1))),
                KeyBinding.help(Key.of(KeyType.PageDown), "page down", () -> scroll(Math.max(1, logHeight - 1))),
                KeyBinding.help(Key.of(' '), "page down", () -> scroll(Math.max(1, logHeight - 1))),
                KeyBinding.help(Key.of(KeyType.ArrowLeft), "scroll left", () -> hscroll = Math.max(0, hscroll - 8)),
                KeyBinding.help(Key.of(KeyType.ArrowRight), "scroll right", () -> hscroll += 8));
    }

    String id() {
        return id;
    }

    @Override
    public String title() {
        return "run " + id;
    }

    @Override
    public List<KeyBinding> bindings() {
        return bindings;
    }

    @Override
    public long refreshMillis() {
        return 1000;
    }

    private String stream() {
        return stderr ? RunStore.STDERR : RunStore.STDOUT;
    }

    // ---- controller ----

    private void scroll(long delta) {
        follow = false;
        pendingMove += delta;
        app.reload(this);
    }

    private void toEnd() {
        position++;
        follow = true;
        pendingMove = 0;
        app.reload(this);
    }

    private void toStart() {
        position++;
        follow = false;
        pendingMove = 0;
        top = 0;
        app.reload(this);
    }

    private void toggleFollow() {
        if (follow) {
            follow = false;
            app.info("stopped following; G follows again");
        } else {
            toEnd();
        }
    }

    private void toggleStream() {
        position++;
        stderr = !stderr;
        top = 0;
        pendingMove = 0;
        follow = true;
        hscroll = 0;
        lines = List.of();
        app.reload(this);
    }

    private void openWorkflow() {
        if (run == null) return;
        if (run.parent() == null) {
            app.info("run " + id + " is not part of a workflow");
            return;
        }
        app.openWorkflow(run.parent());
    }

    private void showSummary() {
        String s = summary == null || summary.isBlank() ? "(no summary)" : summary;
        app.push(TextPage.markdown("summary of " + id, s));
    }

    private void startSearch() {
        typing = new StringBuilder();
    }

    @Override
    public boolean capturing() {
        return typing != null;
    }

    @Override
    public boolean input(KeyStroke k) {
        if (typing == null) return false;
        switch (k.getKeyType()) {
            case Escape -> typing = null;
            case Enter -> {
                String q = typing.toString();
                typing = null;
                if (!q.isEmpty()) {
                    search = q;
                    find(top, true);
                }
            }
            case Backspace -> {
                if (typing.length() > 0) typing.setLength(typing.length() - 1);
            }
            case Character -> {
                if (!k.isCtrlDown() && !k.isAltDown()) typing.append(k.getCharacter());
            }
            default -> {
                // other keys do nothing while typing
            }
        }
        return true;
    }

    @Override
    public TerminalPosition cursor() {
        return typing == null ? null : cursorAt;
    }

    private TerminalPosition cursorAt;

    private void findNext(boolean forward) {
        if (search == null) {
            app.info("nothing to find yet: / to search");
            return;
        }
        long from = forward ? (lines.size() > 1 ? lines.get(1).start() : lines.isEmpty() ? top : lines.get(0).next()) : top;
        find(from, forward);
    }

    /** Searches off the UI thread; a newer search makes an older one stop. */
    private void find(long from, boolean forward) {
        String q = search;
        Path file = app.backend().store().dir(id).resolve(stream());
        int gen = searchGeneration.incrementAndGet();
        app.act("searching " + (forward ? "forward" : "backward") + " for '" + q + "'…", () -> {
            long at;
            try (LogReader r = LogReader.open(file)) {
                at = r.search(from, q, forward, () -> searchGeneration.get() != gen);
            }
            if (searchGeneration.get() != gen) return null;
            return () -> {
                if (at < 0) {
                    app.info("'" + q + "' not found " + (forward ? "below" : "above") + " (n/N search again from here)");
                    return;
                }
                position++;
                follow = false;
                pendingMove = 0;
                top = at;
                app.info("'" + q + "' found · n next · N previous");
                app.reload(this);
            };
        });
    }

    @Override
    public void closed() {
        searchGeneration.incrementAndGet();
    }

    // ---- model ----

    private record Snapshot(RunRecord run, String summary, long top, List<LogReader.Line> lines, long size, long moved,
                            int position) {}

    @Override
    public Callable<Runnable> load() {
        boolean f = follow;
        long t = top;
        long move = pendingMove;
        int height = logHeight;
        boolean err = stderr;
        int pos = position;
        return () -> {
            var store = app.backend().store();
            RunRecord r = app.index().read(store, id).orElseThrow(() -> new dev.ao.engine.AoException(dev.ao.engine.ExitCode.FAILED,
                    store.dir(id).resolve(RunStore.RUN_JSON) + ": missing or unreadable"));
            String sum = readSummary(store.dir(id), r);
            Path file = store.dir(id).resolve(err ? RunStore.STDERR : RunStore.STDOUT);
            try (LogReader reader = LogReader.open(file)) {
                long newTop = f ? reader.tail(height) : reader.move(t, move);
                List<LogReader.Line> ls = reader.lines(newTop, height);
                Snapshot s = new Snapshot(r, sum, newTop, ls, reader.size(), f ? 0 : move, pos);
                return () -> apply(s);
            }
        };
    }

    static String readSummary(Path dir, RunRecord r) throws IOException {
        Path f = dir.resolve(RunStore.SUMMARY);
        if (Files.isRegularFile(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                return new String(in.readNBytes(MAX_SUMMARY), StandardCharsets.UTF_8);
            }
        }
        return r.summary() == null ? "" : r.summary();
    }

    private void apply(Snapshot s) {
        if (!plain && RunRecord.KIND_WORKFLOW.equals(s.run().kind())) {
            // opened by id before its kind was known: a workflow run gets the dashboard
            app.replace(this, new WorkflowPage(app, id));
            return;
        }
        run = s.run();
        summary = s.summary();
        error = null;
        if (s.position() != position) return; // the view jumped meanwhile: the next load brings the new place
        size = s.size();
        lines = s.lines();
        top = s.top();
        pendingMove -= s.moved();
    }

    @Override
    public void failed(String message) {
        error = message;
    }

    // ---- view ----

    @Override
    public void draw(TextGUIGraphics g) {
        int w = g.getSize().getColumns();
        int h = g.getSize().getRows();
        int y = 0;
        if (run == null) {
            g.putString(0, 0, Text.clip(error != null ? "run " + id + ": " + error : "loading run " + id + "…", w));
            logHeight = Math.max(1, h - 8);
            return;
        }
        RunRecord r = run;
        g.enableModifiers(SGR.BOLD).putString(0, y, "run " + Text.clean(r.id()) + "  ").disableModifiers(SGR.BOLD);
        int x = r.id().length() + 6;
        g.setForegroundColor(TuiApp.color(r.state())).enableModifiers(SGR.BOLD).putString(x, y, r.state().id());
        g.setForegroundColor(TextColor.ANSI.DEFAULT).disableModifiers(SGR.BOLD);
        x += r.state().id().length();
        if (r.reason() != null && r.state() != RunState.SUCCEEDED) g.putString(x, y, Text.clip("  (" + r.reason() + ")", Math.max(0, w - x)));
        y++;
        List<String> head = new ArrayList<>();
        head.add(field("skill", r.label()) + "   " + field("source", source(r)));
        head.add(field("started", Text.localTime(r.startedAt())) + "  " + field("ended", Text.localTime(r.endedAt()))
                + "  " + field("took", Text.duration(r.elapsedMs())) + "  " + field("exit", r.exitCode() == null ? "-" : r.exitCode().toString()));
        head.add(field("sandbox", sandbox(r)) + (r.timeoutSeconds() != null ? "  " + field("timeout", r.timeoutSeconds() + " s") : ""));
        head.add(field("params", params(r.params())));
        if (r.parent() != null) {
            head.add(field("workflow", r.parent() + "  job " + r.job() + (r.item() != null ? "  item " + r.item() : "")
                    + (r.attempt() != null ? "  attempt " + r.attempt() : "") + "  (w: open it)"));
        }
        if (r.approval() != null) {
            head.add(field("approval", r.approval().decision() + " by " + r.approval().by() + " at " + Text.localTime(r.approval().at())));
        } else if (r.state() == RunState.WAITING_APPROVAL) {
            head.add(field("approval", "waiting: " + (r.reason() == null ? "" : r.reason()) + " · a approve · x reject"));
        }
        for (String l : head) {
            if (y >= h) return;
            g.putString(0, y++, Text.clip(l, w));
        }
        // summary: at most a third of what is left, the log gets the rest
        List<String> sum = summary == null || summary.isBlank() ? List.of("(none yet)")
                : Markdown.render(summary, w - 2, true).stream().map(Markdown.Line::text).toList();
        int left = h - y - 2;
        int room = Math.max(1, Math.min(sum.size(), Math.max(2, left / 3)));
        rule(g, y++, w, "summary" + (sum.size() > room ? " (" + sum.size() + " lines · s: all)" : ""));
        for (int i = 0; i < room && y < h; i++) {
            String l = i == room - 1 && sum.size() > room ? "…" : sum.get(i);
            g.putString(1, y++, Text.clip(l, w - 1));
        }
        if (y >= h) return;
        String where = size == 0 ? "empty" : Text.bytes(size) + " · " + percent() + "%";
        String mode = follow ? "following" : "G: end+follow";
        rule(g, y++, w, stream() + " · " + where + " · " + mode + (search != null ? " · /" + search : ""));
        logHeight = Math.max(1, h - y - (typing != null ? 1 : 0));
        for (LogReader.Line l : lines) {
            if (y >= h - (typing != null ? 1 : 0)) break;
            drawLogLine(g, y++, w, l.text());
        }
        if (lines.isEmpty() && y < h) {
            g.setForegroundColor(TuiApp.DIM).putString(1, y, size == 0 ? "(" + stream() + " is empty)" : "").setForegroundColor(TextColor.ANSI.DEFAULT);
        }
        if (typing != null) {
            String prompt = "/" + typing;
            g.putString(0, h - 1, Text.fit(prompt, w));
            cursorAt = new TerminalPosition(Math.min(w - 1, prompt.length()), h - 1);
        }
    }

    private void drawLogLine(TextGUIGraphics g, int y, int w, String raw) {
        String text = Text.clean(raw);
        if (hscroll > 0) text = hscroll >= text.length() ? "" : text.substring(hscroll);
        String shown = TerminalTextUtils.fitString(text, w);
        g.putString(0, y, shown);
        if (search == null || search.isEmpty()) return;
        String lower = shown.toLowerCase(Locale.ROOT);
        String q = search.toLowerCase(Locale.ROOT);
        g.setBackgroundColor(TextColor.ANSI.YELLOW).setForegroundColor(TextColor.ANSI.BLACK);
        for (int i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length())) {
            g.putString(TerminalTextUtils.getColumnWidth(shown.substring(0, i)), y, shown.substring(i, Math.min(shown.length(), i + q.length())));
        }
        g.setBackgroundColor(TextColor.ANSI.DEFAULT).setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    private long percent() {
        if (size == 0) return 100;
        long end = lines.isEmpty() ? top : lines.get(lines.size() - 1).next();
        return Math.min(100, end * 100 / size);
    }

    private static void rule(TextGUIGraphics g, int y, int w, String label) {
        String s = "── " + label + " ";
        g.setForegroundColor(TuiApp.DIM);
        g.putString(0, y, Text.clip(s + "─".repeat(Math.max(0, w - s.length())), w));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    private static String field(String name, String value) {
        return name + " " + value;
    }

    private static String source(RunRecord r) {
        if (r.source() == null) return "local";
        String c = r.source().commit() == null ? "?" : r.source().commit().substring(0, Math.min(12, r.source().commit().length()));
        return r.source().url() + " @ " + c;
    }

    private static String sandbox(RunRecord r) {
        JsonNode s = r.sandbox();
        if (s == null || s.isNull()) return r.state().terminal() ? "never started" : "not started yet";
        return s.path("mode").asText("?") + ", network " + (s.path("network").asBoolean() ? "on" : "off")
                + (s.path("mechanism").asText("").isEmpty() ? "" : ", " + s.path("mechanism").asText());
    }

    static String params(JsonNode p) {
        if (p == null || p.isEmpty()) return "none";
        StringBuilder sb = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> it = p.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (sb.length() > 0) sb.append("  ");
            sb.append(e.getKey()).append('=').append(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
        }
        return sb.toString();
    }
}
