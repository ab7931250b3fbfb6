package dev.ao.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.gui2.AbstractInteractableComponent;
import com.googlecode.lanterna.gui2.AsynchronousTextGUIThread;
import com.googlecode.lanterna.gui2.BasicWindow;
import com.googlecode.lanterna.gui2.DefaultWindowManager;
import com.googlecode.lanterna.gui2.EmptySpace;
import com.googlecode.lanterna.gui2.InteractableRenderer;
import com.googlecode.lanterna.gui2.MultiWindowTextGUI;
import com.googlecode.lanterna.gui2.TextGUIGraphics;
import com.googlecode.lanterna.gui2.TextGUIThread;
import com.googlecode.lanterna.gui2.Window;
import com.googlecode.lanterna.gui2.WindowShadowRenderer;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.Terminal;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The TUI's controller: one full-screen window whose only component draws the title bar, the current page, the
 * status line and the key bar; a stack of pages ({@code q}/Esc pop, {@code q} on a top page quits); dialogs on
 * top. Pages reload on a schedule: the slow part runs on a loader thread and the snapshot is applied with
 * {@code gui.getGUIThread().invokeLater}, so the UI thread never touches the disk.
 */
public final class TuiApp {
    private final Screen screen;
    private final MultiWindowTextGUI gui;
    private final Backend backend;
    private final Path benchFile;
    private final Host host = new Host();
    private final BasicWindow root = new BasicWindow("ao");
    private final Deque<Page> stack = new ArrayDeque<>();
    private final List<Page> tabs = new ArrayList<>();
    private final List<String> tabNames = List.of("Runs", "Skills", "Approvals");
    private final RunIndex index;
    /** Where the OSC 52 copy sequence is written: the terminal's own output stream; null where there is none. */
    private final java.io.OutputStream raw;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("ao-tui-refresh"));
    private final ExecutorService loader = Executors.newSingleThreadExecutor(daemon("ao-tui-load"));
    private final ExecutorService actions = Executors.newCachedThreadPool(daemon("ao-tui-action"));
    /** Its own thread: the first count reads every run.json once, and must not hold up the page loads. */
    private final ExecutorService counter = Executors.newSingleThreadExecutor(daemon("ao-tui-count"));
    private final CountDownLatch quit = new CountDownLatch(1);
    /** Lanterna refuses invokeLater before its thread runs, and the first load may finish before that. */
    private final CountDownLatch guiStarted = new CountDownLatch(1);
    private final Map<Page, Long> lastLoad = new HashMap<>();
    private final Set<Page> inFlight = new HashSet<>();
    private final Set<Page> again = new HashSet<>();
    private final List<KeyBinding> global;
    private final long started = System.nanoTime();
    private String status = "";
    private boolean statusError;
    private Page statusSource;
    private int waiting = -1;
    private boolean benchWritten;
    private volatile boolean drewRuns;
    private boolean counting;

    private TuiApp(Screen screen, Backend backend, Path benchFile, java.io.OutputStream raw) {
        this.screen = screen;
        this.backend = backend;
        this.benchFile = benchFile;
        this.raw = raw;
        this.index = backend.index();
        if (backend.indexProblem() != null) error(null, backend.indexProblem());
        this.gui = new MultiWindowTextGUI(GuiThread::new, screen, new DefaultWindowManager(),
                new WindowShadowRenderer(), new EmptySpace(TextColor.ANSI.DEFAULT));
        this.global = List.of(
                KeyBinding.bar(Key.of('?'), "help", this::help),
                KeyBinding.bar(Key.of('q'), "back/quit", this::back),
                KeyBinding.help(Key.of(KeyType.Escape), "back", this::escape),
                KeyBinding.help(Key.of(KeyType.Tab), "next view", () -> switchTab(stackBottomTab() + 1)),
                KeyBinding.help(Key.of(KeyType.ReverseTab), "previous view", () -> switchTab(stackBottomTab() + tabs.size() - 1)),
                KeyBinding.help(Key.of('1'), "Runs view", () -> switchTab(0)),
                KeyBinding.help(Key.of('2'), "Skills view", () -> switchTab(1)),
                KeyBinding.help(Key.of('3'), "Approvals view", () -> switchTab(2)),
                KeyBinding.help(Key.ctrl('r'), "reload config and skills", this::reloadAll),
                KeyBinding.help(Key.ctrl('c'), "quit", this::quit));
    }

    /** Opens the TUI on {@code terminal} and returns at once; the GUI runs on its own thread until {@link #quit()}. */
    public static TuiApp open(Terminal terminal, Backend backend, Path benchFile) throws IOException {
        return open(terminal, backend, benchFile, null);
    }

    /**
     * As {@link #open(Terminal, Backend, Path)}; {@code raw} is the byte stream under {@code terminal} (stdout for a
     * real one), where {@code y} writes the OSC 52 sequence that puts a run id on the clipboard.
     */
    public static TuiApp open(Terminal terminal, Backend backend, Path benchFile, java.io.OutputStream raw) throws IOException {
        TerminalScreen screen = new TerminalScreen(terminal);
        screen.startScreen();
        screen.setCursorPosition(null);
        TuiApp app = new TuiApp(screen, backend, benchFile, raw);
        app.start();
        return app;
    }

    private void start() {
        tabs.add(new RunsPage(this));
        tabs.add(new SkillsPage(this));
        tabs.add(new ApprovalsPage(this));
        stack.push(tabs.get(0));
        root.setHints(List.of(Window.Hint.FULL_SCREEN, Window.Hint.NO_DECORATIONS, Window.Hint.NO_POST_RENDERING));
        root.setComponent(host);
        gui.addWindow(root);
        gui.getGUIThread().setExceptionHandler(new TextGUIThread.ExceptionHandler() {
            @Override
            public boolean onIOException(IOException e) {
                quit();
                return true;
            }

            @Override
            public boolean onRuntimeException(RuntimeException e) {
                // a bug must not leave a broken screen: say it in the status line and keep going
                error(null, "internal error: " + Text.error(e));
                return false;
            }
        });
        lastLoad.put(null, System.nanoTime()); // the approvals count waits for the first screen
        // the first load starts before the GUI thread does: reading the store overlaps with Lanterna's own start
        reload(current());
        ((AsynchronousTextGUIThread) gui.getGUIThread()).start();
        guiStarted.countDown();
        ticker.scheduleWithFixedDelay(() -> ui(this::tick), 250, 250, TimeUnit.MILLISECONDS);
    }

    // ---- what pages use ----

    public Backend backend() { return backend; }

    RunIndex index() { return index; }

    MultiWindowTextGUI gui() { return gui; }

    /** Runs {@code r} on the UI thread, later. Called off the UI thread; waits for that thread to have started. */
    void ui(Runnable r) {
        try {
            guiStarted.await();
            gui.getGUIThread().invokeLater(r);
        } catch (IllegalStateException e) {
            // the GUI is stopping (GuiThread is marked started before its thread runs, so not "not yet started")
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a slow action (start, cancel, approve) off the UI thread; its error goes to the status line. */
    void act(String doing, Callable<Runnable> work) {
        info(doing);
        actions.submit(() -> {
            Runnable done;
            try {
                done = work.call();
            } catch (Throwable e) {
                String m = Text.error(e);
                done = () -> error(null, m);
            }
            Runnable d = done;
            ui(() -> {
                if (d != null) d.run();
                redraw();
            });
        });
    }

    void info(String message) {
        status = message;
        statusError = false;
        statusSource = null;
        redraw();
    }

    void error(Page source, String message) {
        status = message;
        statusError = true;
        statusSource = source;
        redraw();
    }

    void redraw() {
        host.invalidate();
    }

    /** A message about one page (a filter, a search, a result) does not apply on the next: the status line is cleared. */
    private void pageChanged() {
        status = "";
        statusError = false;
        statusSource = null;
    }

    Page current() {
        return stack.peek();
    }

    void push(Page p) {
        pageChanged();
        stack.push(p);
        reload(p);
        redraw();
    }

    /** A run's page; one whose kind is not known yet becomes the workflow dashboard once its run.json says so. */
    void openRun(String id) {
        push(new RunDetailPage(this, id));
    }

    /** A run's page: the dashboard for a workflow run, the header, summary and log viewer for any other. */
    void openRun(RunRecord r) {
        if (r == null) return;
        push(RunRecord.KIND_WORKFLOW.equals(r.kind()) ? new WorkflowPage(this, r.id()) : new RunDetailPage(this, r.id()));
    }

    /** A workflow's dashboard: back to it when it is open under this page (the way here), else opened on top. */
    void openWorkflow(String id) {
        boolean open = stack.stream().anyMatch(p -> p instanceof WorkflowPage w && w.id().equals(id));
        if (!open) {
            push(new WorkflowPage(this, id));
            return;
        }
        while (!(current() instanceof WorkflowPage w && w.id().equals(id))) back();
    }

    /** Puts {@code next} where {@code old} is, when {@code old} is the page on top (it learnt what it shows). */
    void replace(Page old, Page next) {
        if (stack.peek() != old) return;
        stack.pop();
        old.closed();
        lastLoad.remove(old);
        push(next);
    }

    void back() {
        if (stack.size() > 1) {
            pageChanged();
            Page p = stack.pop();
            p.closed();
            lastLoad.remove(p);
            current().resumed();
            reload(current());
            redraw();
        } else {
            quit();
        }
    }

    private void escape() {
        if (stack.size() > 1) back();
    }

    public void quit() {
        quit.countDown();
    }

    /** Loads {@code p} now (if a load is already under way, once more when it is done). */
    void reload(Page p) {
        if (p == null) return;
        if (inFlight.contains(p)) {
            again.add(p);
            return;
        }
        Callable<Runnable> work;
        try {
            work = p.load();
        } catch (RuntimeException e) {
            error(p, Text.error(e));
            return;
        }
        if (work == null) return;
        inFlight.add(p);
        lastLoad.put(p, System.nanoTime());
        loader.submit(() -> {
            Runnable apply;
            try {
                apply = work.call();
            } catch (Throwable e) {
                String m = Text.error(e);
                apply = () -> {
                    p.failed(m);
                    error(p, m);
                };
            }
            Runnable a = apply;
            ui(() -> {
                inFlight.remove(p);
                if (a != null) {
                    if (statusError && statusSource == p) {
                        status = "";
                        statusError = false;
                    }
                    a.run();
                }
                redraw();
                if (again.remove(p) && stack.contains(p)) reload(p);
            });
        });
    }

    private void tick() {
        Page p = current();
        long every = p.refreshMillis();
        Long last = lastLoad.get(p);
        if (every > 0 && (last == null || System.nanoTime() - last >= every * 1_000_000L)) reload(p);
        // the approvals count in the title bar, every 2 s
        Long lastCount = lastLoad.get(null);
        if (!counting && (lastCount == null || System.nanoTime() - lastCount >= 2_000_000_000L)) {
            lastLoad.put(null, System.nanoTime());
            counting = true;
            counter.submit(() -> {
                try {
                    int n = index.count(backend.store(), RunState.WAITING_APPROVAL);
                    ui(() -> {
                        if (n >= 0 && n != waiting) {
                            waiting = n;
                            redraw();
                        }
                    });
                } catch (RuntimeException e) {
                    // the page that reads the store reports it
                } finally {
                    ui(() -> counting = false);
                }
            });
        }
        // times shown as "5s ago" move on their own
        redraw();
    }

    private int stackBottomTab() {
        return tabs.indexOf(stack.peekLast());
    }

    private void switchTab(int i) {
        int t = Math.floorMod(i, tabs.size());
        pageChanged();
        while (stack.size() > 1) stack.pop().closed();
        if (stack.peek() != tabs.get(t)) {
            stack.clear();
            stack.push(tabs.get(t));
            tabs.get(t).resumed();
        }
        reload(current());
        redraw();
    }

    private void reloadAll() {
        act("reloading config and skills…", () -> {
            backend.reload();
            backend.config();
            return () -> {
                info("reloaded config and skills");
                tabs.forEach(this::reload);
            };
        });
    }

    List<KeyBinding> globalBindings() {
        return global;
    }

    private void help() {
        HelpOverlay.show(this, current().title(), current().bindings(), global);
    }

    /** Asks yes or no in a small window; {@code yes} runs on the UI thread. */
    Window confirm(String question, Runnable yes) {
        return Confirm.show(this, question, yes);
    }

    /**
     * A question about a live run (cancel it?) no longer applies once the run has ended on its own: the window is
     * closed and the status line says how it ended. Watched off the UI thread while the window is open.
     */
    private void closeWhenEnded(String id, Window question) {
        actions.submit(() -> {
            try {
                while (question.getTextGUI() != null) {
                    RunRecord r = backend.store().read(id).orElse(null);
                    if (r != null && r.state().terminal()) {
                        ui(() -> {
                            if (question.getTextGUI() == null) return;
                            question.close();
                            info("run " + r.id() + " ended on its own (" + r.state().id() + "): nothing to cancel");
                        });
                        return;
                    }
                    Thread.sleep(300);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the run cannot be read: the question stays, and answering it reports why
            }
        });
    }

    // ---- y, o, R ----

    /** {@code y}: the run id to the terminal's clipboard through OSC 52 ({@code ESC ] 52 ; c ; base64 BEL}). */
    void copyRunId(String id) {
        if (id == null) return;
        if (raw == null) {
            error(null, "cannot copy: this terminal has no output ao can write the clipboard sequence to");
            return;
        }
        String seq = "\u001b]52;c;" + java.util.Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.UTF_8)) + "\u0007";
        try {
            if (screen instanceof TerminalScreen ts) ts.getTerminal().flush();
            raw.write(seq.getBytes(StandardCharsets.US_ASCII));
            raw.flush();
            info("copied " + id + " (OSC 52: the terminal, or tmux with set-clipboard on, puts it on the clipboard)");
        } catch (IOException e) {
            error(null, "cannot copy " + id + ": " + e.getMessage());
        }
    }

    /**
     * {@code o}: the log in {@code $PAGER} ({@code less} when unset). The screen is given back to the terminal while
     * the pager runs on it, on the UI thread (nothing else may read the keys meanwhile), and taken again after.
     */
    void openInPager(Path log) {
        if (Files.isSymbolicLink(log)) {
            error(null, log + ": is a symbolic link; not opened");
            return;
        }
        if (!Files.isRegularFile(log)) {
            info(log.getFileName() + " does not exist yet");
            return;
        }
        String pager = backend.env().getOrDefault("PAGER", "").strip();
        // "less -R" as a shell would split it; no shell runs it
        List<String> cmd = new ArrayList<>(List.of((pager.isEmpty() ? "less" : pager).split("\\s+")));
        cmd.add(log.toString());
        String problem = null;
        int exit = 0;
        try {
            screen.stopScreen();
            try {
                exit = dev.ao.engine.exec.ProcessSupervisor.foreground(cmd, backend.cwd(), backend.env());
            } finally {
                screen.startScreen();
                screen.setCursorPosition(null);
            }
        } catch (IOException e) {
            problem = "cannot start the pager '" + cmd.get(0) + "' ($PAGER): " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (problem != null) error(null, problem);
        else if (exit != 0) info("the pager '" + cmd.get(0) + "' exited with " + exit);
        else info("");
        redraw();
    }

    /** {@code R}: the run dialog of the run's skill or script, filled in with its parameters (secrets are asked again). */
    void rerun(RunRecord r) {
        if (r == null) return;
        String target = r.skill() != null ? r.skill() : r.script();
        if (target == null) {
            info("run " + r.id() + " has no recorded target to run again");
            return;
        }
        act("reading " + target + "…", () -> {
            dev.ao.engine.script.ScriptSpec spec = backend.specFor(target);
            return () -> {
                info("rerun of " + r.id() + ": its parameters are filled in; secrets are never stored, type them again");
                RunDialog.open(this, spec, r.params());
            };
        });
    }

    /** Cancels a live run (after the person confirmed). */
    void cancelRun(String id) {
        act("canceling run " + id + "…", () -> {
            RunRecord r = backend.cancel(id);
            return () -> {
                info("run " + r.id() + ": " + r.state().id());
                reload(current());
            };
        });
    }

    /** Asks a workflow's supervisor to pause or resume; what it does shows on the next refresh. */
    void control(String id, String action, String doing, String done) {
        act(doing, () -> {
            backend.control(id, action);
            return () -> {
                info(done);
                reload(current());
            };
        });
    }

    void decide(String id, boolean approve) {
        act((approve ? "approving" : "rejecting") + " run " + id + "…", () -> {
            backend.decide(id, approve);
            return () -> {
                info((approve ? "approved" : "rejected") + " run " + id);
                reload(current());
            };
        });
    }

    /** The approve/reject/cancel questions the Runs, Approvals and detail pages ask alike. */
    void askDecide(RunRecord r, boolean approve) {
        if (r == null) return;
        if (r.state() != RunState.WAITING_APPROVAL) {
            info("run " + r.id() + " is " + r.state().id() + ", not waiting_approval");
            return;
        }
        confirm((approve ? "Approve" : "Reject") + " run " + r.id() + " (" + r.label() + ")?"
                + (approve ? " It starts at once." : ""), () -> decide(r.id(), approve));
    }

    void askCancel(RunRecord r) {
        if (r == null) return;
        if (r.state().terminal()) {
            info("run " + r.id() + " already ended: " + r.state().id());
            return;
        }
        boolean workflow = RunRecord.KIND_WORKFLOW.equals(r.kind());
        if (r.state() == RunState.WAITING_APPROVAL && !workflow) {
            // its supervisor waits for a decision and does not stop on a signal meanwhile: rejecting is how it ends
            confirm("Run " + r.id() + " (" + r.label() + ") is waiting for approval. Cancel it by rejecting it?",
                    () -> decide(r.id(), false));
            return;
        }
        if (r.parent() != null) {
            closeWhenEnded(r.id(), confirm("Cancel run " + r.id() + " (" + r.label() + ")? Only this child of workflow run " + r.parent()
                    + " is stopped; the workflow goes on with its result.", () -> cancelRun(r.id())));
            return;
        }
        if (workflow) {
            closeWhenEnded(r.id(), confirm("Cancel workflow run " + r.id() + " (" + r.label() + ")? Its running jobs are stopped and no new job starts.",
                    () -> cancelRun(r.id())));
            return;
        }
        closeWhenEnded(r.id(), confirm("Cancel run " + r.id() + " (" + r.label() + ")? Its whole process tree is stopped.", () -> cancelRun(r.id())));
    }

    // ---- lifetime ----

    /** Whether the runs table has been drawn with what the store holds (the first screen is complete). */
    public boolean drewRuns() {
        return drewRuns;
    }

    /** Blocks until the person quits. */
    public void awaitQuit() throws InterruptedException {
        quit.await();
    }

    public boolean awaitQuit(Duration d) throws InterruptedException {
        return quit.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the GUI and its threads and gives the terminal back as it was. */
    public void close() {
        quit.countDown();
        ticker.shutdownNow();
        loader.shutdownNow();
        actions.shutdownNow();
        counter.shutdownNow();
        AsynchronousTextGUIThread t = (AsynchronousTextGUIThread) gui.getGUIThread();
        t.stop();
        try {
            if (Thread.currentThread() != t.getThread()) t.waitForStop(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            screen.stopScreen();
        } catch (IOException ignored) {
            // the terminal is gone already
        }
    }

    // ---- drawing ----

    static final TextColor DIM = TextColor.ANSI.BLACK_BRIGHT;

    static TextColor color(RunState s) {
        return switch (s) {
            case SUCCEEDED -> TextColor.ANSI.GREEN;
            case FAILED, TIMED_OUT, LOST, REJECTED, INTERRUPTED -> TextColor.ANSI.RED;
            case RUNNING -> TextColor.ANSI.CYAN;
            case WAITING_APPROVAL, QUEUED, BLOCKED, PAUSED -> TextColor.ANSI.YELLOW;
            case CANCELED -> TextColor.ANSI.MAGENTA;
            case SKIPPED -> DIM;
        };
    }

    private void drawScreen(TextGUIGraphics g) {
        try {
            drawAll(g);
        } catch (RuntimeException e) {
            // a drawing bug must not take the terminal with it
            g.setForegroundColor(TextColor.ANSI.RED).putString(0, Math.max(0, g.getSize().getRows() - 2),
                    Text.fit("internal error while drawing: " + Text.error(e), g.getSize().getColumns()));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }
    }

    private void drawAll(TextGUIGraphics g) {
        TerminalSize size = g.getSize();
        int w = size.getColumns();
        int h = size.getRows();
        g.setBackgroundColor(TextColor.ANSI.DEFAULT).setForegroundColor(TextColor.ANSI.DEFAULT).clearModifiers();
        g.fill(' ');
        if (h < 4 || w < 20) {
            g.putString(0, 0, Text.clip("ao: window too small", w));
            return;
        }
        drawTitle(g, w);
        Page p = current();
        TextGUIGraphics area = g.newTextGraphics(new TerminalPosition(0, 1), new TerminalSize(w, h - 3));
        area.setBackgroundColor(TextColor.ANSI.DEFAULT).setForegroundColor(TextColor.ANSI.DEFAULT).clearModifiers();
        p.draw(area);
        g.setBackgroundColor(TextColor.ANSI.DEFAULT).clearModifiers();
        g.setForegroundColor(statusError ? TextColor.ANSI.RED : TextColor.ANSI.DEFAULT);
        if (statusError) g.enableModifiers(SGR.BOLD);
        g.putString(0, h - 2, Text.fit(status, w));
        g.clearModifiers();
        drawBar(g, w, h - 1, p);
        if (p instanceof RunsPage rp && rp.loaded()) {
            drewRuns = true;
            if (benchFile != null && !benchWritten) writeBench(rp);
        }
    }

    private void drawTitle(TextGUIGraphics g, int w) {
        g.setBackgroundColor(TextColor.ANSI.BLUE).setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
        g.putString(0, 0, " ".repeat(w));
        int x = 0;
        g.enableModifiers(SGR.BOLD);
        g.putString(x, 0, " ao ");
        x += 4;
        g.disableModifiers(SGR.BOLD);
        int active = stackBottomTab();
        for (int i = 0; i < tabs.size(); i++) {
            String name = (i + 1) + " " + tabNames.get(i) + (i == 2 && waiting > 0 ? " (" + waiting + ")" : "");
            String cell = " " + name + " ";
            if (x + cell.length() > w) break;
            if (i == active) {
                g.setBackgroundColor(TextColor.ANSI.WHITE_BRIGHT).setForegroundColor(TextColor.ANSI.BLUE).enableModifiers(SGR.BOLD);
            } else if (i == 2 && waiting > 0) {
                g.setBackgroundColor(TextColor.ANSI.BLUE).setForegroundColor(TextColor.ANSI.YELLOW_BRIGHT);
            }
            g.putString(x, 0, cell);
            g.setBackgroundColor(TextColor.ANSI.BLUE).setForegroundColor(TextColor.ANSI.WHITE_BRIGHT).disableModifiers(SGR.BOLD);
            x += cell.length() + 1;
        }
        String crumb = stack.size() > 1 ? "› " + current().title() : current().title();
        String where = backend.cwd().getFileName() == null ? backend.cwd().toString() : backend.cwd().getFileName().toString();
        int room = w - x - 1;
        if (room > 4) {
            String right = crumb + "  · " + where;
            if (right.length() > room) right = crumb;
            g.putString(x, 0, Text.clip(right, room));
        }
        g.setBackgroundColor(TextColor.ANSI.DEFAULT).setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    private void drawBar(TextGUIGraphics g, int w, int row, Page p) {
        int x = 0;
        if (p.capturing()) {
            g.setForegroundColor(TextColor.ANSI.CYAN).enableModifiers(SGR.BOLD).putString(0, row, "enter");
            g.setForegroundColor(TextColor.ANSI.DEFAULT).disableModifiers(SGR.BOLD).putString(6, row, "apply  ");
            g.setForegroundColor(TextColor.ANSI.CYAN).enableModifiers(SGR.BOLD).putString(13, row, "esc");
            g.setForegroundColor(TextColor.ANSI.DEFAULT).disableModifiers(SGR.BOLD).putString(17, row, "cancel");
            return;
        }
        // the global keys (help, back) always show, at the right; the page's fill what is left
        String right = "";
        for (KeyBinding b : global) if (b.shownInBar()) right += (right.isEmpty() ? "" : "  ") + b.key().label() + " " + b.label();
        int rightX = Math.max(0, w - right.length());
        for (KeyBinding b : p.bindings()) {
            if (!b.shownInBar()) continue;
            String k = b.key().label();
            String l = b.label();
            if (x + k.length() + 1 + l.length() > rightX - 2) break;
            g.setForegroundColor(TextColor.ANSI.CYAN).enableModifiers(SGR.BOLD).putString(x, row, k);
            g.setForegroundColor(TextColor.ANSI.DEFAULT).disableModifiers(SGR.BOLD).putString(x + k.length() + 1, row, l);
            x += k.length() + 1 + l.length() + 2;
        }
        x = rightX;
        for (KeyBinding b : global) {
            if (!b.shownInBar()) continue;
            String k = b.key().label();
            g.setForegroundColor(TextColor.ANSI.CYAN).enableModifiers(SGR.BOLD).putString(x, row, k);
            g.setForegroundColor(TextColor.ANSI.DEFAULT).disableModifiers(SGR.BOLD).putString(x + k.length() + 1, row, b.label());
            x += k.length() + 1 + b.label().length() + 2;
        }
    }

    private void writeBench(RunsPage rp) {
        benchWritten = true;
        long sinceOpen = (System.nanoTime() - started) / 1_000_000;
        long sinceProcess = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        String text = "first_runs_table_ms_since_jvm_start=" + sinceProcess + "\n"
                + "first_runs_table_ms_since_tui_open=" + sinceOpen + "\n"
                + "runs_listed=" + rp.total() + "\n";
        try {
            Files.writeString(benchFile, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            error(null, benchFile + ": cannot write the benchmark timing: " + e.getMessage());
        }
    }

    private void onKey(KeyStroke k) {
        if (k.getKeyType() == KeyType.EOF) {
            quit();
            return;
        }
        Page p = current();
        try {
            if (p.capturing() && p.input(k)) return;
            for (KeyBinding b : p.bindings()) {
                if (b.key().matches(k)) {
                    b.action().run();
                    return;
                }
            }
            for (KeyBinding b : global) {
                if (b.key().matches(k)) {
                    b.action().run();
                    return;
                }
            }
            p.input(k);
        } finally {
            redraw();
        }
    }

    /** The one component of the root window: it draws everything and takes every key. */
    private final class Host extends AbstractInteractableComponent<Host> {
        @Override
        protected InteractableRenderer<Host> createDefaultRenderer() {
            return new InteractableRenderer<>() {
                @Override
                public TerminalPosition getCursorLocation(Host component) {
                    TerminalPosition c = current().cursor();
                    return c == null ? null : c.withRelativeRow(1);
                }

                @Override
                public TerminalSize getPreferredSize(Host component) {
                    return new TerminalSize(80, 24);
                }

                @Override
                public void drawComponent(TextGUIGraphics graphics, Host component) {
                    drawScreen(graphics);
                }
            };
        }

        @Override
        protected Result handleKeyStroke(KeyStroke keyStroke) {
            onKey(keyStroke);
            return Result.HANDLED;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
