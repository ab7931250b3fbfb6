package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.input.KeyType;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.WorkflowView;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A workflow run as a dashboard: its state and progress (items and jobs done of all), the job tree (Enter opens a
 * job's run, or the list of a for_each job's runs), and the last events as they come. Pause, resume, cancel,
 * approve and reject act on the whole workflow. Job ids, reasons, summaries and outputs were written by the
 * workflow and its scripts: all of it is drawn through {@link Text}, which strips escape sequences and controls.
 */
final class WorkflowPage implements Page {
    private static final int ID_MAX = 20;
    private static final int STATE_W = 16;

    private final TuiApp app;
    private final String id;
    private final List<KeyBinding> all;

    private RunRecord run;
    private List<JobRecord> jobs = List.of();
    private List<WorkflowModel.Event> events = List.of();
    private String summary = "";
    private String error;
    private int selected;
    private int jobTop;
    private int jobRows = 5;
    private int eventRows = 10;
    /** The job id under the cursor, so the selection stays on it when jobs change state. */
    private String selectedJob;

    WorkflowPage(TuiApp app, String id) {
        this.app = app;
        this.id = id;
        this.all = List.of(
                KeyBinding.bar(Key.of(KeyType.Enter), "open job", this::open),
                KeyBinding.bar(Key.of('p'), "pause", this::pause),
                KeyBinding.bar(Key.of('r'), "resume", this::resume),
                KeyBinding.bar(Key.of('a'), "approve", () -> decide(true)),
                KeyBinding.bar(Key.of('x'), "reject", () -> decide(false)),
                KeyBinding.bar(Key.of('c'), "cancel", () -> app.askCancel(run)),
                KeyBinding.bar(Key.of('s'), "summary", this::showSummary),
                KeyBinding.help(Key.of('l'), "the workflow run's own page (logs)", () -> app.push(new RunDetailPage(app, id, true))),
                KeyBinding.help(Key.of('w'), "the workflow this one is a job of", this::openParent),
                KeyBinding.help(Key.of(KeyType.ArrowUp), "previous job", () -> move(-1)),
                KeyBinding.help(Key.of(KeyType.ArrowDown), "next job", () -> move(1)),
                KeyBinding.help(Key.of('k'), "previous job", () -> move(-1)),
                KeyBinding.help(Key.of('j'), "next job", () -> move(1)),
                KeyBinding.help(Key.of(KeyType.Home), "first job", () -> move(-jobs.size())),
                KeyBinding.help(Key.of(KeyType.End), "last job", () -> move(jobs.size())),
                KeyBinding.help(Key.of('g'), "first job", () -> move(-jobs.size())),
                KeyBinding.help(Key.of('G'), "last job", () -> move(jobs.size())));
    }

    String id() {
        return id;
    }

    @Override
    public String title() {
        return "workflow " + id;
    }

    /** Every key always works; the bar shows those that fit the run's state (pause while running, resume while paused...). */
    @Override
    public List<KeyBinding> bindings() {
        RunState s = run == null ? null : run.state();
        List<KeyBinding> out = new ArrayList<>(all.size());
        for (KeyBinding b : all) {
            boolean show = b.shownInBar() && switch (b.key().label()) {
                case "p" -> s != null && !s.terminal() && s != RunState.PAUSED && s != RunState.WAITING_APPROVAL;
                case "r" -> s == RunState.PAUSED;
                case "a", "x" -> s == RunState.WAITING_APPROVAL;
                case "c" -> s != null && !s.terminal();
                case "s" -> s != null && s.terminal();
                default -> true;
            };
            out.add(show == b.shownInBar() ? b : KeyBinding.help(b.key(), b.label(), b.action()));
        }
        return out;
    }

    @Override
    public long refreshMillis() {
        return 1000;
    }

    // ---- controller ----

    private JobRecord selectedJobRecord() {
        return selected >= 0 && selected < jobs.size() ? jobs.get(selected) : null;
    }

    private void move(int delta) {
        if (jobs.isEmpty()) return;
        selected = Math.max(0, Math.min(jobs.size() - 1, selected + delta));
        selectedJob = jobs.get(selected).id();
    }

    private void open() {
        JobRecord j = selectedJobRecord();
        if (j == null) return;
        List<String> runs = WorkflowModel.runIds(j);
        if (j.items() != null && !runs.isEmpty()) {
            app.push(new JobRunsPage(app, id, j.id()));
        } else if (!runs.isEmpty()) {
            app.openRun(runs.get(runs.size() - 1));
        } else {
            app.info("job " + Text.clean(j.id()) + " has no run" + (j.state().terminal() ? "" : " yet") + ": it is " + j.state().id()
                    + (j.reason() != null ? " (" + Text.clean(j.reason()) + ")" : ""));
        }
    }

    private void pause() {
        if (!live("pause")) return;
        if (run.state() == RunState.PAUSED) {
            app.info("run " + id + " is paused already; r resumes it");
            return;
        }
        app.control(id, "pause", "asking run " + id + " to pause…",
                "pause requested: running jobs finish, no new job starts (r resumes)");
    }

    private void resume() {
        if (!live("resume")) return;
        if (run.state() != RunState.PAUSED) {
            app.info("run " + id + " is " + run.state().id() + ", not paused; r resumes a paused workflow");
            return;
        }
        app.control(id, "resume", "asking run " + id + " to resume…", "resume requested: jobs start again");
    }

    private boolean live(String verb) {
        if (run == null) return false;
        if (run.state().terminal()) {
            app.info("run " + id + " already ended: " + run.state().id() + " (nothing to " + verb + ")");
            return false;
        }
        return true;
    }

    /** Approve or reject: the question names the job that waits, which is what a person decides on. */
    private void decide(boolean approve) {
        if (run == null) return;
        if (run.state() != RunState.WAITING_APPROVAL) {
            app.info("run " + id + " is " + run.state().id() + ", not waiting_approval");
            return;
        }
        List<String> waiting = new ArrayList<>();
        for (JobRecord j : jobs) if (j.state() == RunState.WAITING_APPROVAL) waiting.add(j.id());
        String what = waiting.isEmpty() ? (run.reason() == null ? "" : " (" + run.reason() + ")")
                : " job" + (waiting.size() > 1 ? "s " : " ") + String.join(", ", waiting) + " of";
        app.confirm((approve ? "Approve" : "Reject") + what + " workflow run " + id + " (" + run.label() + ")?"
                + (approve ? " It starts at once." : " The workflow ends rejected."), () -> app.decide(id, approve));
    }

    private void openParent() {
        if (run == null) return;
        if (run.parent() == null) app.info("run " + id + " is not a job of another workflow");
        else app.openWorkflow(run.parent());
    }

    private void showSummary() {
        if (run == null) return;
        String s = summary == null || summary.isBlank() ? (run.state().terminal() ? "(no summary)" : "(no summary yet: the workflow is " + run.state().id() + ")") : summary;
        app.push(new TextPage("summary of " + id, s));
    }

    // ---- model ----

    private record Snapshot(RunRecord run, List<JobRecord> jobs, List<WorkflowModel.Event> events, String summary) {}

    @Override
    public Callable<Runnable> load() {
        int n = Math.max(10, eventRows);
        return () -> {
            RunStore store = app.backend().store();
            RunRecord r = app.index().read(store, id).orElseThrow(() -> new AoException(ExitCode.FAILED,
                    store.dir(id).resolve(RunStore.RUN_JSON) + ": missing or unreadable"));
            List<JobRecord> js = WorkflowView.jobs(store, id);
            List<WorkflowModel.Event> ev = WorkflowModel.tail(store.dir(id).resolve(RunStore.EVENTS), n);
            String sum = r.state().terminal() ? RunDetailPage.readSummary(store.dir(id), r) : "";
            Snapshot s = new Snapshot(r, js, ev, sum);
            return () -> apply(s);
        };
    }

    private void apply(Snapshot s) {
        run = s.run();
        jobs = s.jobs();
        events = s.events();
        summary = s.summary();
        error = null;
        int i = -1;
        for (int k = 0; k < jobs.size(); k++) if (jobs.get(k).id().equals(selectedJob)) i = k;
        selected = i >= 0 ? i : Math.max(0, Math.min(selected, jobs.size() - 1));
        if (!jobs.isEmpty()) selectedJob = jobs.get(selected).id();
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
        if (run == null) {
            g.putString(0, 0, Text.clip(error != null ? "workflow run " + id + ": " + error : "loading workflow run " + id + "…", w));
            return;
        }
        RunRecord r = run;
        int y = 0;
        // the run: id, state, why
        int x = put(g, 0, y, w, "workflow " + r.id() + "  ", null, true);
        x = put(g, x, y, w, r.state().id(), TuiApp.color(r.state()), true);
        if (r.reason() != null && r.state() != RunState.SUCCEEDED) put(g, x, y, w, "  (" + r.reason() + ")", null, false);
        y++;
        String when = r.label() + "   started " + Text.localTime(r.startedAt()) + "  took " + Text.duration(r.elapsedMs())
                + "  exit " + (r.exitCode() == null ? "-" : r.exitCode().toString());
        put(g, 0, y++, w, when, null, false);
        if (r.parent() != null && y < h) {
            put(g, 0, y++, w, "job " + r.job() + (r.item() != null ? "[" + r.item() + "]" : "") + " of workflow " + r.parent() + "  (w: open it)", TuiApp.DIM, false);
        }
        // progress over every job and item
        WorkflowModel.Progress p = WorkflowModel.Progress.of(jobs);
        String counts = " " + p.done() + "/" + p.total() + " done";
        int barW = Math.max(4, Math.min(40, w - 40));
        x = put(g, 0, y, w, "[", null, false);
        x = put(g, x, y, w, p.bar(barW), p.failed() > 0 ? TextColor.ANSI.RED : r.state() == RunState.SUCCEEDED ? TextColor.ANSI.GREEN : TextColor.ANSI.CYAN, false);
        x = put(g, x, y, w, "]" + counts + "  ", null, false);
        x = put(g, x, y, w, "✓" + p.succeeded(), TextColor.ANSI.GREEN, false);
        x = put(g, x, y, w, " ", null, false);
        x = put(g, x, y, w, "✗" + p.failed(), p.failed() > 0 ? TextColor.ANSI.RED : null, false);
        if (p.running() > 0) put(g, x, y, w, "  " + p.running() + " running", TextColor.ANSI.CYAN, false);
        y++;
        // what a person may do now, when it is not just watching
        String hint = switch (r.state()) {
            case WAITING_APPROVAL -> "waiting for approval: " + waitingJobs() + " · a approve · x reject";
            case PAUSED -> "paused: running jobs finish, no new job starts · r resume · c cancel";
            default -> null;
        };
        if (hint != null && y < h) put(g, 0, y++, w, hint, TextColor.ANSI.YELLOW, true);

        // jobs, then the selected job's details, then the summary of an ended run, then events in the rest
        List<String> sum = summaryLines(w);
        int fixed = y + 1 + 1 + (sum.isEmpty() ? 0 : 1 + sum.size()) + 1;
        int room = Math.max(1, h - fixed);
        // every job when they fit with three events under them; else the events keep three rows
        jobRows = Math.max(1, Math.min(jobs.size(), room - 3));
        if (y >= h) return;
        rule(g, y++, w, "jobs (" + jobs.size() + ")" + (jobs.size() > jobRows ? " · " + (selected + 1) + "/" + jobs.size() : ""));
        if (jobs.isEmpty() && y < h) put(g, 1, y++, w, "(no jobs recorded yet)", TuiApp.DIM, false);
        if (selected < jobTop) jobTop = selected;
        if (selected >= jobTop + jobRows) jobTop = selected - jobRows + 1;
        jobTop = Math.max(0, Math.min(jobTop, Math.max(0, jobs.size() - jobRows)));
        // columns as wide as what they hold, so that counts and reasons keep the room
        int idW = 4, stateW = 7;
        for (JobRecord j : jobs) {
            idW = Math.max(idW, Math.min(ID_MAX, TerminalTextUtils.getColumnWidth(Text.clean(j.id()))));
            stateW = Math.max(stateW, j.state().id().length());
        }
        for (int i = 0; i < jobRows && jobTop + i < jobs.size() && y < h; i++) {
            drawJob(g, y++, w, jobs.get(jobTop + i), idW, stateW, jobTop + i == selected);
        }
        JobRecord sel = selectedJobRecord();
        if (sel != null && y < h) put(g, 2, y++, w, detail(sel), TuiApp.DIM, false);
        if (!sum.isEmpty() && y < h) {
            rule(g, y++, w, "summary" + (sum.get(sum.size() - 1).equals("…") ? " (s: all)" : ""));
            for (String l : sum) if (y < h) put(g, 1, y++, w, l, null, false);
        }
        if (y >= h) return;
        rule(g, y++, w, "events" + (r.state().terminal() ? "" : " · live"));
        eventRows = Math.max(1, h - y);
        int from = Math.max(0, events.size() - (h - y));
        int jobW = 8, evStateW = 7;
        for (int i = from; i < events.size(); i++) {
            jobW = Math.max(jobW, Math.min(ID_MAX + 6, TerminalTextUtils.getColumnWidth(Text.clean(events.get(i).job()))));
            evStateW = Math.max(evStateW, Math.min(STATE_W, TerminalTextUtils.getColumnWidth(Text.clean(events.get(i).state()))));
        }
        for (int i = from; i < events.size() && y < h; i++) drawEvent(g, y++, w, events.get(i), jobW, evStateW);
        if (events.isEmpty() && y < h) put(g, 1, y, w, "(no events yet)", TuiApp.DIM, false);
    }

    private String waitingJobs() {
        List<String> ids = new ArrayList<>();
        for (JobRecord j : jobs) if (j.state() == RunState.WAITING_APPROVAL) ids.add("job " + j.id());
        if (!ids.isEmpty()) return String.join(", ", ids);
        return run.reason() == null ? "a job" : run.reason();
    }

    private List<String> summaryLines(int w) {
        if (summary == null || summary.isBlank()) return List.of();
        List<String> lines = Text.wrap(summary.strip(), w - 2);
        return lines.size() <= 3 ? lines : List.of(lines.get(0), lines.get(1), "…");
    }

    /** {@code ✓ build  succeeded  37/50 ✓35 ✗2  3 running  1m 02s  attempt 2  (reason)} */
    private void drawJob(TextGUIGraphics g, int y, int w, JobRecord j, int idW, int stateW, boolean sel) {
        if (sel) {
            g.enableModifiers(SGR.REVERSE);
            g.putString(0, y, " ".repeat(w));
        }
        TextColor c = TuiApp.color(j.state());
        int x = put(g, 0, y, w, mark(j.state()), c, true);
        x = put(g, x + 1, y, w, Text.fit(j.id(), idW), null, sel);
        x = put(g, x + 2, y, w, Text.fit(j.state().id(), stateW), c, false);
        if (j.items() != null) {
            x = put(g, x + 2, y, w, (j.succeeded() + j.failed()) + "/" + j.items() + " ", null, false);
            x = put(g, x, y, w, "✓" + j.succeeded(), TextColor.ANSI.GREEN, false);
            x = put(g, x, y, w, " ", null, false);
            x = put(g, x, y, w, "✗" + j.failed(), j.failed() > 0 ? TextColor.ANSI.RED : null, false);
            if (j.running() > 0) x = put(g, x, y, w, "  " + j.running() + " running", TextColor.ANSI.CYAN, false);
        }
        String dur = duration(j);
        if (dur != null) x = put(g, x + 2, y, w, dur, null, false);
        if (j.attempt() > 1) x = put(g, x + 2, y, w, "attempt " + j.attempt(), TextColor.ANSI.YELLOW, false);
        if (j.reason() != null && j.state() != RunState.SUCCEEDED) {
            put(g, x + 2, y, w, "(" + j.reason() + ")", null, false);
        } else if (j.items() == null && j.summary() != null && !j.summary().isBlank()) {
            put(g, x + 2, y, w, j.summary(), null, false);
        }
        if (sel) g.disableModifiers(SGR.REVERSE);
    }

    static String mark(RunState s) {
        return switch (s) {
            case SUCCEEDED -> "✓";
            case FAILED, TIMED_OUT, REJECTED, INTERRUPTED, LOST -> "✗";
            case SKIPPED, CANCELED -> "-";
            case RUNNING -> "»";
            default -> "•";
        };
    }

    /** What the selected job is: the skill it uses, its runs, its outputs. */
    private static String detail(JobRecord j) {
        List<String> parts = new ArrayList<>();
        parts.add(j.uses() != null ? "uses " + j.uses() : "inline run");
        int n = WorkflowModel.runIds(j).size();
        parts.add(n + (n == 1 ? " run" : " runs") + (n > 0 ? " (enter: " + (j.items() != null ? "list them" : "open the latest") + ")" : ""));
        JsonNode o = j.outputs();
        if (o != null && o.isObject() && o.size() > 0) {
            StringBuilder sb = new StringBuilder("outputs");
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(' ').append(e.getKey()).append('=').append(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            }
            parts.add(sb.toString());
        } else if (o != null && o.isArray() && o.size() > 0) {
            parts.add("outputs of " + o.size() + " items");
        }
        return String.join(" · ", parts);
    }

    private static String duration(JobRecord j) {
        if (j.startedAt() == null) return null;
        try {
            Instant end = j.endedAt() == null ? Instant.now() : Instant.parse(j.endedAt());
            return Text.duration(Math.max(0, Duration.between(Instant.parse(j.startedAt()), end).toMillis()));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** {@code 14:03:07  restart[3]  retrying  attempt 2 in 2.0 s after failed (exit code 1)} */
    private static void drawEvent(TextGUIGraphics g, int y, int w, WorkflowModel.Event e, int jobW, int stateW) {
        int x = put(g, 0, y, w, Text.fit(e.time(), 8), TuiApp.DIM, false);
        x = put(g, x + 2, y, w, Text.fit(e.job().isEmpty() ? "workflow" : e.job(), jobW), e.job().isEmpty() ? TuiApp.DIM : null, false);
        RunState s = e.runState();
        TextColor c = s != null ? TuiApp.color(s) : switch (e.state()) {
            case "approved" -> TextColor.ANSI.GREEN;
            case "rejected" -> TextColor.ANSI.RED;
            case "retrying" -> TextColor.ANSI.YELLOW;
            default -> null;
        };
        x = put(g, x + 2, y, w, Text.fit(e.state(), stateW), c, false);
        put(g, x + 2, y, w, e.detail(), null, false);
    }

    private static void rule(TextGUIGraphics g, int y, int w, String label) {
        String s = "── " + label + " ";
        g.setForegroundColor(TuiApp.DIM);
        g.putString(0, y, Text.clip(s + "─".repeat(Math.max(0, w - TerminalTextUtils.getColumnWidth(s))), w));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    /**
     * Draws {@code text} (cleaned: it may be a run's) at {@code x}, clipped to the width; returns the column after it.
     * A null colour keeps the default.
     */
    static int put(TextGUIGraphics g, int x, int y, int w, String text, TextColor color, boolean bold) {
        if (x >= w) return x;
        String s = Text.clip(text, w - x);
        if (color != null) g.setForegroundColor(color);
        if (bold) g.enableModifiers(SGR.BOLD);
        g.putString(x, y, s);
        if (bold) g.disableModifiers(SGR.BOLD);
        if (color != null) g.setForegroundColor(TextColor.ANSI.DEFAULT);
        return x + TerminalTextUtils.getColumnWidth(s);
    }
}
