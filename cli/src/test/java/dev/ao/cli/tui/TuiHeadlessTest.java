package dev.ao.cli.tui;

import com.googlecode.lanterna.input.KeyType;
import dev.ao.cli.command.RunCommand;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.DetachedRuns;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.source.SkillSources;
import dev.ao.engine.workflow.Control;
import dev.ao.engine.workflow.JobRecord;
import dev.ao.engine.workflow.WorkflowRunner;
import dev.ao.tui.Backend;
import dev.ao.tui.TuiApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TUI on Lanterna's virtual terminal at 80x24, driven by keys, checked by what the screen shows. Runs are
 * real: scripts run through the engine in the bwrap sandbox, and runs started from the TUI are detached
 * {@code ao run} supervisors (this module's classes on a fresh JVM).
 */
class TuiHeadlessTest {
    /** Run ids start with the UTC second they were made in. */
    private static final class RunStoreIds {
        static String now() {
            return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
                    .format(java.time.Instant.now());
        }
    }

    private TestProject project;
    private TuiApp app;
    private VirtualScreen screen;
    private Backend backend;

    private void open() throws Exception {
        open(Map.of(), null);
    }

    /** The TUI with more environment for ao, and {@code raw} as the terminal's byte stream (for OSC 52). */
    private void open(Map<String, String> extraEnv, java.io.OutputStream raw) throws Exception {
        screen = new VirtualScreen(80, 24);
        Map<String, String> env = new java.util.LinkedHashMap<>(project.env());
        env.putAll(extraEnv);
        backend = new Backend(project.root, env, RunCommand.launcherCommand());
        app = TuiApp.open(screen.terminal, backend, null, raw);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) app.close();
        if (project != null && Files.isDirectory(project.runs())) {
            RunStore store = new RunStore(project.runs());
            for (RunRecord r : store.list(r -> !r.state().terminal(), 0)) {
                try {
                    // a supervisor waiting for approval ends on a decision, not on a signal
                    if (r.state() == RunState.WAITING_APPROVAL) DetachedRuns.decide(store, r.id(), false, "test teardown");
                    else DetachedRuns.cancel(store, r.id(), Duration.ofSeconds(10));
                } catch (RuntimeException ignored) {
                    // ended meanwhile
                }
            }
        }
    }

    /** A finished run made the way {@code ao run} makes it. */
    private RunRecord runHello(String name) throws Exception {
        Map<String, String> env = project.env();
        AoConfig config = new ConfigLoader(project.root, env).load(Map.of());
        RunService service = new RunService(config, env, SkillSources.catalog(config));
        RunService.Prepared p = service.prepare(RunRequest.of("demo/hello", List.of("name=" + name), project.root));
        RunRecord r = service.start(p, Approver.NOBODY, RunListener.NONE).await();
        assertThat(r.state()).as("the test's own run: %s", r.reason()).isEqualTo(RunState.SUCCEEDED);
        return r;
    }

    private RunRecord awaitState(String id, RunState state) throws InterruptedException {
        RunStore store = new RunStore(project.runs());
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        RunRecord r = null;
        while (System.nanoTime() < end) {
            r = store.read(id).orElse(null);
            if (r != null && r.state() == state) return r;
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " never reached " + state + ": " + r);
    }

    @Test
    void skillsListShowsRunnableMarksAndTagsAndFiltersAsYouType() throws Exception {
        project = TestProject.create("skills");
        open();
        screen.type("2");
        String s = screen.await("4/4 skills");
        // full skill ids, what ao run takes
        assertThat(s).contains("  notes/kube").contains("▶ demo/guarded").contains("▶ demo/hello").contains("▶ demo/slow").contains("demo,risky").contains("k8s,notes")
                .contains("4/4 skills");
        // the know-how skill has no runnable mark
        assertThat(s).doesNotContain("▶ notes/kube");
        screen.type("j");
        s = screen.await("demo/hello · local · runnable");
        // the detail pane: SKILL.md as text (no markup) and the script's parameters
        assertThat(s).contains("Parameters").contains("name*  string").contains("color  string {red|blue}")
                .contains("HELLO").contains("Says hello to name").contains("• prints a few lines").doesNotContain("**");

        screen.type("/kube");
        s = screen.await("no hello", x -> !x.contains("▶ demo/hello"), Duration.ofSeconds(10));
        assertThat(s).contains("kubernetes-notes").contains("1/4 skills").contains("ROLLOUTS");
        screen.key(KeyType.Escape);
        screen.await("▶ demo/hello");
    }

    @Test
    void runsTableShowsRunsAndPicksUpNewOnesLive() throws Exception {
        project = TestProject.create("runs");
        RunRecord first = runHello("alice");
        open();
        String s = screen.await(first.id());
        assertThat(s).contains("ID").contains("SKILL/SCRIPT").contains("STATE").contains("EXIT")
                .contains("demo/hello").contains("succeeded");
        // a run made while the TUI is open shows up by itself, newest first (ids have a second's resolution)
        while (first.id().startsWith(RunStoreIds.now())) Thread.sleep(100);
        RunRecord second = runHello("bob");
        s = screen.await(second.id());
        assertThat(s.indexOf(second.id())).isLessThan(s.indexOf(first.id()));

        // filter by state: nothing failed
        screen.type("f");
        screen.await("Runs · running");
        screen.awaitGone(first.id());
        screen.type("ff");
        s = screen.await("Runs · succeeded");
        screen.await(first.id());
    }

    @Test
    void runDetailShowsHeaderParametersSummaryAndLog() throws Exception {
        project = TestProject.create("detail");
        RunRecord r = runHello("carol");
        open();
        screen.await(r.id());
        screen.key(KeyType.Enter);
        String s = screen.await("hello carol");
        assertThat(s).contains("run " + r.id()).contains("succeeded").contains("skill demo/hello").contains("source local")
                .contains("exit 0").contains("sandbox workspace-write, network off").contains("params name=carol")
                .contains("── summary").contains("── stdout.log").contains("starting for carol").contains("step 3")
                .contains("done");
        // search the log
        screen.type("/step 2").key(KeyType.Enter);
        screen.await("'step 2' found");
        // back to the table
        screen.type("q");
        screen.await("SKILL/SCRIPT");
    }

    @Test
    void runDialogRejectsAMissingRequiredParameterThenStartsADetachedRun() throws Exception {
        project = TestProject.create("dialog");
        open();
        screen.type("2");
        screen.await("▶ demo/hello");
        screen.type("j");
        screen.await("demo/hello · local · runnable");
        screen.type("r");
        String s = screen.await("Run demo/hello");
        assertThat(s).contains("name *").contains("loud (boolean)").contains("color");
        // the CLI's own message, before anything runs
        assertThat(s).contains("missing required parameter 'name'");
        screen.key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Enter); // Start, with no name
        Thread.sleep(500);
        s = screen.await("missing required parameter 'name'");
        assertThat(s).contains("Run demo/hello");
        assertThat(Files.exists(project.runs()) ? Files.list(project.runs()).count() : 0).as("nothing was started").isZero();

        screen.key(KeyType.Escape);
        screen.awaitGone("Run demo/hello");
        screen.type("r");
        screen.await("Run demo/hello");
        screen.type("dave");
        screen.awaitGone("missing required parameter");
        screen.key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Enter);
        // the new run's detail opens and fills in as the detached supervisor runs it (the summary file is written a
        // moment before run.json says succeeded: wait for the state, the last of the two)
        screen.await("hello dave");
        s = screen.await("succeeded");
        assertThat(s).contains("params name=dave").contains("hello dave").contains("starting for dave");
        RunRecord r = new RunStore(project.runs()).list(x -> true, 1).get(0);
        assertThat(r.params().get("name").asText()).isEqualTo("dave");
        assertThat(r.supervisor().pid()).as("a detached supervisor, not the TUI").isNotEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void cancelsALiveRunAfterConfirming() throws Exception {
        project = TestProject.create("cancel");
        open();
        String id = backend.start("demo/slow", List.of());
        awaitState(id, RunState.RUNNING);
        screen.await("running");
        screen.type("c");
        screen.await("Cancel run " + id);
        screen.type("n");
        screen.awaitGone("Cancel run");
        assertThat(new RunStore(project.runs()).read(id).orElseThrow().state()).isEqualTo(RunState.RUNNING);
        screen.type("c");
        screen.await("Cancel run " + id);
        screen.type("y");
        screen.await("canceled");
        assertThat(awaitState(id, RunState.CANCELED).exitCode()).isEqualTo(130);

        // and from a run's detail page
        String id2 = backend.start("demo/slow", List.of());
        awaitState(id2, RunState.RUNNING);
        screen.await(id2);
        screen.type("g").key(KeyType.Enter);
        screen.await("tick 2");
        screen.type("c");
        screen.await("Cancel run " + id2);
        screen.type("y");
        screen.await("run " + id2 + ": canceled");
        awaitState(id2, RunState.CANCELED);
    }

    @Test
    void approvalsListWhatWouldRunAndApproveOrReject() throws Exception {
        project = TestProject.create("approvals");
        open();
        String keep = backend.start("demo/guarded", List.of("target=staging"));
        awaitState(keep, RunState.WAITING_APPROVAL);
        String drop = backend.start("demo/guarded", List.of());
        awaitState(drop, RunState.WAITING_APPROVAL);
        screen.await("3 Approvals (2)");
        screen.type("3");
        String s = screen.await("── would run");
        // ids made in the same second sort by their random part: select `drop` wherever it is
        if (!s.lines().toList().get(2).contains(drop)) screen.type("j");
        s = screen.await("params  target=prod");
        assertThat(s).contains(keep).contains(drop).contains("risk: approval_required")
                .contains("# restarts everything in $AO_PARAM_TARGET");
        screen.type("x");
        screen.await("Reject run " + drop);
        screen.type("y");
        assertThat(awaitState(drop, RunState.REJECTED).approval().by()).isEqualTo("tester via ao tui");
        // gone from the list (the status line still says what happened to it)
        screen.await("the rejected run out of the list", x -> !x.replace("rejected run " + drop, "").contains(drop), Duration.ofSeconds(10));
        screen.type("a");
        screen.await("Approve run " + keep);
        screen.type("y");
        RunRecord r = awaitState(keep, RunState.SUCCEEDED);
        assertThat(r.summary()).isEqualTo("approved and ran against staging");
        screen.await("Nothing waiting for approval");
    }

    @Test
    void helpOverlayIsGeneratedFromTheBindingsAndQQuits() throws Exception {
        project = TestProject.create("help");
        open();
        screen.await("SKILL/SCRIPT");
        String bar = screen.text().lines().reduce((a, b) -> b).orElse("");
        assertThat(bar).contains("enter open").contains("/ find").contains("f state").contains("s sort").contains("R rerun")
                .contains("c cancel").contains("? help").contains("q back/quit");
        screen.type("?");
        String s = screen.await("Keys · Runs");
        assertThat(s).contains("everywhere").contains("state: previous").contains("copy the run id (OSC 52)").contains("clear the text filter")
                .contains("reject (waiting_approval)")
                .contains("reload config and skills").contains("↓ j").contains("Skills view");
        screen.key(KeyType.Escape);
        screen.awaitGone("Keys · Runs");
        assertThat(app.awaitQuit(Duration.ofMillis(200))).isFalse();
        screen.type("q");
        assertThat(app.awaitQuit(Duration.ofSeconds(5))).as("q on the top level quits").isTrue();
    }

    @Test
    void aBrokenConfigIsOneLineInTheStatusLineNotAStackTrace() throws Exception {
        project = TestProject.create("broken");
        TestProject.write(project.root.resolve("dotcodex/config.toml"), "[skills]\npaths = [\"skills\"]\nbogus_key = 3\n");
        open();
        String s = screen.await("config.toml");
        assertThat(s).contains("bogus_key").doesNotContain("Exception").doesNotContain("\tat ");
        screen.type("2");
        s = screen.await("cannot read skills");
        // fixing the file and reloading (^R) recovers
        TestProject.write(project.root.resolve("dotcodex/config.toml"), "[skills]\npaths = [\"skills\"]\n");
        screen.terminal.addInput(new com.googlecode.lanterna.input.KeyStroke('r', true, false));
        screen.await("▶ demo/hello");
    }

    @Test
    void drawsCleanlyAfterAResize() throws Exception {
        project = TestProject.create("resize");
        RunRecord r = runHello("erin");
        open();
        screen.await(r.id());
        screen.terminal.setTerminalSize(new com.googlecode.lanterna.TerminalSize(120, 40));
        String s = screen.await("a wider table", x -> x.lines().anyMatch(l -> l.length() > 100 && l.contains("q back/quit")), Duration.ofSeconds(10));
        assertThat(s).contains(r.id());
        screen.terminal.setTerminalSize(new com.googlecode.lanterna.TerminalSize(60, 15));
        s = screen.await("a narrow screen", x -> x.lines().count() == 15 && x.contains("q back/quit"), Duration.ofSeconds(10));
        assertThat(s.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(60));
    }

    // ---- workflows ----

    /** A run whose bytes a script could have chosen: a clear-screen and a clipboard write, which must never reach the screen. */
    private static final String HOSTILE = "\u001b[2J\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007";

    /** Ids as the store makes them, in the order given (the workflow first, its children after it). */
    private int nextId;

    private String runId() {
        return String.format("20250301-120000-%03d-a%03x", nextId, nextId++);
    }

    /** A run.json as the engine writes one; {@code kind}, {@code parent}... place it in a workflow tree. */
    private RunRecord record(String id, String label, RunState state, String reason, String summary, Integer exit,
                             RunRecord.Supervisor supervisor) {
        RunStore store = new RunStore(project.runs());
        Instant started = Instant.parse("2025-03-01T12:00:00Z");
        boolean ended = state.terminal();
        return new RunRecord(id, label, label, "script.sh", null, null, state, exit, reason, started.toString(), started.toString(),
                ended ? started.plusSeconds(3).toString() : null, ended ? 3000L : null, null,
                RunStore.JSON.createObjectNode(), null, supervisor, null, null, summary, null, null,
                store.dir(id).resolve(RunStore.STDOUT).toString(), store.dir(id).resolve(RunStore.STDERR).toString(), null,
                project.root.toString());
    }

    private void save(RunRecord r, String stdout) throws Exception {
        RunStore store = new RunStore(project.runs());
        Files.createDirectories(store.dir(r.id()));
        store.write(r);
        Files.writeString(store.dir(r.id()).resolve(RunStore.STDOUT), stdout);
        Files.writeString(store.dir(r.id()).resolve(RunStore.STDERR), "");
    }

    private RunRecord child(String wf, String job, Integer item, RunState state, String reason, String summary, String stdout) throws Exception {
        RunRecord r = record(runId(), "demo/fan · " + job + (item == null ? "" : "[" + item + "]"), state, reason, summary,
                state == RunState.SUCCEEDED ? 0 : 3, null).withTree(RunRecord.KIND_JOB, wf, job, item, 1);
        save(r, stdout);
        Files.writeString(new RunStore(project.runs()).dir(wf).resolve(WorkflowRunner.CHILDREN),
                "{\"id\":\"" + r.id() + "\",\"job\":\"" + job + "\"" + (item == null ? "" : ",\"item\":" + item) + ",\"attempt\":1}\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return r;
    }

    private static JobRecord job(String id, RunState state, String reason, Integer items, int ok, int failed, List<String> runs,
                                 String summary) {
        return new JobRecord(id, state, reason, items, ok, failed, 0, 1, RunStore.JSON.createObjectNode(), runs,
                state == RunState.QUEUED ? null : "2025-03-01T12:00:00Z", state.terminal() ? "2025-03-01T12:00:02Z" : null, summary, null);
    }

    private static void writeJobs(Path dir, List<JobRecord> jobs) throws Exception {
        var root = RunStore.JSON.createObjectNode();
        root.put("workflow", "fan");
        var arr = root.putArray("jobs");
        for (JobRecord j : jobs) arr.add(RunStore.JSON.valueToTree(j));
        Files.write(dir.resolve(WorkflowRunner.JOBS), RunStore.JSON.writeValueAsBytes(root));
    }

    private static void events(Path dir, String... lines) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l).append('\n');
        Files.writeString(dir.resolve(RunStore.EVENTS), sb.toString(), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * A failed workflow run as the engine leaves one: prepare succeeded, each (for_each over 3 items) failed on item 1,
     * verify skipped; run.json, jobs.json, events.jsonl, children.jsonl and a folder per child run.
     */
    private record Recorded(RunRecord workflow, RunRecord prepare, List<RunRecord> items) {}

    private Recorded recordFailedWorkflow() throws Exception {
        RunStore store = new RunStore(project.runs());
        RunRecord wf = record(runId(), "demo/fan", RunState.FAILED, "job each failed", "fanned out: 2 of 3" + HOSTILE, 1, null)
                .withTree(RunRecord.KIND_WORKFLOW, null, null, null, null);
        save(wf, "");
        Path dir = store.dir(wf.id());
        Files.writeString(dir.resolve(WorkflowRunner.CHILDREN), "");
        RunRecord prepare = child(wf.id(), "prepare", null, RunState.SUCCEEDED, null, "prepared three", "preparing\n");
        List<RunRecord> items = new ArrayList<>();
        items.add(child(wf.id(), "each", 0, RunState.SUCCEEDED, null, "did a", "item 0\n"));
        items.add(child(wf.id(), "each", 1, RunState.FAILED, "exit code 3" + HOSTILE, null, "item 1\nboom on b\n"));
        items.add(child(wf.id(), "each", 2, RunState.SUCCEEDED, null, "did c", "item 2\n"));
        writeJobs(dir, List.of(
                job("prepare", RunState.SUCCEEDED, null, null, 1, 0, List.of(prepare.id()), "prepared three"),
                job("each", RunState.FAILED, "1 of 3 items failed; item 1: exit code 3" + HOSTILE, 3, 2, 1,
                        items.stream().map(RunRecord::id).toList(), "3/3 ✓2 ✗1"),
                job("verify", RunState.SKIPPED, "needs each, which ended failed", null, 0, 0, List.of(), null)));
        events(dir,
                "{\"time\":\"2025-03-01T12:00:00.1Z\",\"state\":\"queued\",\"label\":\"demo/fan\",\"jobs\":3}",
                "{\"time\":\"2025-03-01T12:00:00.2Z\",\"state\":\"running\"}",
                "{\"time\":\"2025-03-01T12:00:00.3Z\",\"state\":\"running\",\"job\":\"prepare\",\"job_state\":\"running\"}",
                "{\"time\":\"2025-03-01T12:00:00.5Z\",\"state\":\"running\",\"job\":\"prepare\",\"job_state\":\"succeeded\"}",
                "{\"time\":\"2025-03-01T12:00:00.6Z\",\"state\":\"running\",\"job\":\"each\",\"job_state\":\"running\"}",
                "{\"time\":\"2025-03-01T12:00:01Z\",\"state\":\"running\",\"job\":\"each\",\"job_state\":\"retrying\",\"item\":1,\"attempt\":2,\"backoff_ms\":2000,\"after\":\"failed (exit code 3)\"}",
                "{\"time\":\"2025-03-01T12:00:02Z\",\"state\":\"running\",\"job\":\"each\",\"job_state\":\"failed\",\"reason\":\"1 of 3 items failed; item 1: exit code 3\"}",
                "{\"time\":\"2025-03-01T12:00:02.1Z\",\"state\":\"running\",\"job\":\"verify\",\"job_state\":\"skipped\",\"reason\":\"needs each, which ended failed\"}",
                "{\"time\":\"2025-03-01T12:00:02.2Z\",\"state\":\"failed\",\"exit_code\":1,\"reason\":\"job each failed\"}");
        Files.writeString(dir.resolve(RunStore.SUMMARY), "fanned out: 2 of 3" + HOSTILE);
        return new Recorded(wf, prepare, items);
    }

    private static void assertClean(String screen) {
        assertThat(screen).as("no escape sequence a run wrote reaches the screen").doesNotContain("\u001b").doesNotContain("[2J")
                .doesNotContain("52;c");
    }

    @Test
    void runsListShowsAWorkflowAsOneRowUntilTShowsTheRunsOfItsJobs() throws Exception {
        project = TestProject.create("wf-list");
        Recorded wf = recordFailedWorkflow();
        open();
        String s = screen.await("[wf] demo/fan");
        assertThat(s).contains(wf.workflow().id()).doesNotContain(wf.prepare().id()).doesNotContain("each[1]")
                .contains("Runs · all · 1/1");
        screen.type("t");
        s = screen.await(wf.items().get(1).id());
        // at 80 columns the label is clipped: the glyph and the workflow's name show
        assertThat(s).contains(wf.prepare().id()).contains("└ demo/fan · ").contains("[wf] demo/fan")
                .contains("with children · 5/5");
        screen.type("t");
        s = screen.awaitGone(wf.items().get(1).id());
        assertThat(s).contains("[wf] demo/fan").doesNotContain(wf.prepare().id());
    }

    @Test
    void workflowDashboardShowsProgressJobsAndEventsAndEnterOpensAJobsRun() throws Exception {
        project = TestProject.create("wf-dash");
        Recorded wf = recordFailedWorkflow();
        open();
        screen.await("[wf] demo/fan");
        screen.key(KeyType.Enter);
        String s = screen.await("the dashboard", x -> x.contains("job each failed · exit code 1") && x.contains("enter open job"),
                Duration.ofSeconds(20));
        assertClean(s);
        // header, progress over jobs and items (prepare 1 + each 3 + verify 1), one row per job
        assertThat(s).contains("workflow " + wf.workflow().id()).contains("failed  (job each failed)")
                .contains("5/5 done").contains("✓3 ✗1")
                .containsPattern("✓ prepare +succeeded +2\\.0 s +prepared three")
                .containsPattern("✗ each +failed +3/3 ✓2 ✗1 +2\\.0 s +\\(1 of 3 items failed; item 1")
                .containsPattern("- verify +skipped .*\\(needs each, which ended failed\\)");
        // the feed: time, job, state, detail; a retry says which attempt and why
        assertThat(s).containsPattern("each\\[1\\] +retrying +attempt 2 in 2\\.0 s after failed \\(exit code 3\\)")
                .containsPattern("workflow +failed +job each failed · exit code 1")
                .contains("fanned out: 2 of 3");
        String bar = s.lines().reduce((a, b) -> b).orElse("");
        assertThat(bar).contains("enter open job").contains("s summary").doesNotContain("p pause").doesNotContain("r resume");

        // enter on a plain job: its run's own page, which says where it belongs
        screen.key(KeyType.Enter);
        s = screen.await("preparing");
        assertThat(s).contains("run " + wf.prepare().id()).contains("workflow " + wf.workflow().id() + "  job prepare  attempt 1");
        screen.type("q");
        screen.await("── events");
        // enter on a for_each job: its runs by item, the failed item under the cursor; enter opens it
        screen.type("j").key(KeyType.Enter);
        s = screen.await("the runs of job each", x -> x.contains("job each · 3 runs · 1 item failed") && x.contains(wf.items().get(2).id()),
                Duration.ofSeconds(20));
        assertClean(s);
        String failedRow = s.lines().filter(l -> l.contains(wf.items().get(1).id())).findFirst().orElseThrow();
        assertThat(failedRow).contains("[1]").contains("failed").contains("exit code 3");
        screen.key(KeyType.Enter);
        s = screen.await("boom on b");
        assertThat(s).contains("run " + wf.items().get(1).id()).contains("job each  item 1");
        // w goes back up to the workflow, the job still under the cursor
        screen.type("w");
        s = screen.await("3 runs (enter: list them)");
        assertThat(s).contains("── events");
        screen.type("q");
        screen.await("[wf] demo/fan");
    }

    @Test
    void aLiveWorkflowIsPausedResumedAndApprovedFromItsDashboard() throws Exception {
        project = TestProject.create("wf-live");
        // the run's supervisor must be a live process, or the store reads the run as lost
        Process supervisor = new ProcessBuilder("sleep", "300").start();
        try {
            RunStore store = new RunStore(project.runs());
            RunRecord.Supervisor sup = RunRecord.Supervisor.of(supervisor.toHandle());
            RunRecord wf = record(runId(), "demo/dep", RunState.RUNNING, null, null, null, sup)
                    .withTree(RunRecord.KIND_WORKFLOW, null, null, null, null);
            save(wf, "");
            Path dir = store.dir(wf.id());
            RunRecord build = child(wf.id(), "build", null, RunState.SUCCEEDED, null, "built", "");
            List<RunRecord> items = new ArrayList<>();
            for (int i = 0; i < 2; i++) items.add(child(wf.id(), "restart", i, RunState.SUCCEEDED, null, "ok", ""));
            writeJobs(dir, List.of(
                    job("build", RunState.SUCCEEDED, null, null, 1, 0, List.of(build.id()), "built"),
                    new JobRecord("restart", RunState.RUNNING, null, 10, 2, 0, 3, 1, RunStore.JSON.createArrayNode(),
                            items.stream().map(RunRecord::id).toList(), "2025-03-01T12:00:01Z", null, null, "k8s/bulk-restart"),
                    job("deploy", RunState.QUEUED, null, null, 0, 0, List.of(), null)));
            events(dir, "{\"time\":\"2025-03-01T12:00:00Z\",\"state\":\"running\",\"job\":\"restart\",\"job_state\":\"running\"}");
            open();
            screen.await("[wf] demo/dep");
            screen.key(KeyType.Enter);
            String s = screen.await("the live dashboard", x -> x.contains("── events · live") && x.contains("p pause"), Duration.ofSeconds(20));
            assertThat(s).contains("running").contains("3/12 done").contains("3 running").containsPattern("restart +running +2/10 ✓2 ✗0  3 running");
            String bar = s.lines().reduce((a, b) -> b).orElse("");
            assertThat(bar).contains("p pause").contains("c cancel").doesNotContain("r resume").doesNotContain("a approve");

            // r on a running workflow says why not and writes nothing
            screen.type("r");
            screen.await("not paused");
            assertThat(dir.resolve(Control.FILE)).doesNotExist();
            // p: the request the supervisor polls
            screen.type("p");
            screen.await("pause requested");
            assertThat(RunStore.JSON.readTree(dir.resolve(Control.FILE).toFile()).path("action").asText()).isEqualTo("pause");
            assertThat(RunStore.JSON.readTree(dir.resolve(Control.FILE).toFile()).path("by").asText()).isEqualTo("tester via ao tui");

            // the supervisor takes it and pauses: the dashboard follows, and r resumes
            Files.delete(dir.resolve(Control.FILE));
            store.write(wf.withState(RunState.PAUSED, "paused: running jobs finish, no new job starts"));
            s = screen.await("paused: running jobs finish, no new job starts · r resume");
            assertThat(s.lines().reduce((a, b) -> b).orElse("")).contains("r resume").doesNotContain("p pause");
            screen.type("r");
            screen.await("resume requested");
            assertThat(RunStore.JSON.readTree(dir.resolve(Control.FILE).toFile()).path("action").asText()).isEqualTo("resume");

            // a job waits for approval: a approves that job, after asking
            Files.delete(dir.resolve(Control.FILE));
            store.write(wf.withState(RunState.WAITING_APPROVAL, "job deploy: job 'deploy' has approval: true"));
            writeJobs(dir, List.of(
                    job("build", RunState.SUCCEEDED, null, null, 1, 0, List.of(build.id()), "built"),
                    job("deploy", RunState.WAITING_APPROVAL, "job 'deploy' has approval: true", null, 0, 0, List.of(), null)));
            s = screen.await("waiting for approval: job deploy");
            assertThat(s.lines().reduce((a, b) -> b).orElse("")).contains("a approve").contains("x reject");
            screen.type("a");
            screen.await("Approve job deploy of workflow run " + wf.id());
            screen.type("y");
            screen.await("approved run " + wf.id());
            var decision = RunStore.JSON.readTree(dir.resolve(DetachedRuns.APPROVAL).toFile());
            assertThat(decision.path("decision").asText()).isEqualTo("approved");
            assertThat(decision.path("by").asText()).isEqualTo("tester via ao tui");

            // every key is in the help, whatever the bar shows now
            screen.type("?");
            s = screen.await("Keys · workflow");
            assertThat(s).contains("pause").contains("resume").contains("approve").contains("reject").contains("cancel")
                    .contains("open job");
            screen.key(KeyType.Escape);
            // ended, as the supervisor would leave it: nothing is left for the teardown to cancel
            store.write(wf.withEnd(RunState.CANCELED, 130, "canceled", Instant.now(), null, null, null, null));
        } finally {
            supervisor.destroy();
        }
    }

    // ---- find, sort, rerun, pager, copy, events, tables, the status line ----

    /** Four ended runs of three skills in three states, oldest first: ids ...-000-a000 to ...-003-a003. */
    private List<RunRecord> fourRuns() throws Exception {
        List<RunRecord> out = new ArrayList<>();
        Object[][] spec = {{"demo/hello", RunState.SUCCEEDED, 0}, {"ops/deploy", RunState.FAILED, 1},
                {"demo/hello", RunState.CANCELED, 130}, {"ops/backup", RunState.SUCCEEDED, 0}};
        for (Object[] x : spec) {
            RunRecord r = record(runId(), (String) x[0], (RunState) x[1], null, "summary of " + x[0], (Integer) x[2], null);
            save(r, "out of " + r.id() + "\n");
            out.add(r);
        }
        return out;
    }

    /** The rows of the runs table, top to bottom, as the ids they show. */
    private static List<String> order(String screen, List<RunRecord> runs) {
        return screen.lines().map(l -> runs.stream().map(RunRecord::id).filter(l::startsWith).findFirst().orElse(null))
                .filter(java.util.Objects::nonNull).toList();
    }

    private void findAndSort(boolean index) throws Exception {
        project = TestProject.create(index ? "find-index" : "find-files");
        List<RunRecord> r = fourRuns();
        String a = r.get(0).id(), b = r.get(1).id(), c = r.get(2).id(), d = r.get(3).id();
        open(index ? Map.of("AO_INDEX_FROM", "0") : Map.of(), null);
        String s = screen.await(a);
        assertThat(order(s, r)).containsExactly(d, c, b, a);
        // by skill, as it is typed
        screen.type("/ops");
        s = screen.await("only the ops runs", x -> order(x, r).equals(List.of(d, b)), Duration.ofSeconds(10));
        assertThat(s).contains("Runs · all · /ops · 1/2");
        screen.key(KeyType.Enter);
        screen.await("/ops  (/ edit");
        // by state, then by a part of an id
        screen.key(KeyType.Backspace);
        screen.await("all four again", x -> order(x, r).size() == 4, Duration.ofSeconds(10));
        screen.type("/FAIL").key(KeyType.Enter);
        screen.await("only the failed run", x -> order(x, r).equals(List.of(b)), Duration.ofSeconds(10));
        screen.type("/").key(KeyType.Backspace).key(KeyType.Backspace).key(KeyType.Backspace).key(KeyType.Backspace).type("-002-");
        screen.await("only the run with -002- in its id", x -> order(x, r).equals(List.of(c)), Duration.ofSeconds(10));
        // Esc puts back the text from before the edit
        screen.key(KeyType.Escape);
        screen.await("the failed run again", x -> order(x, r).equals(List.of(b)), Duration.ofSeconds(10));
        // a text that matches nothing says so; LIKE's own wildcards are plain characters
        screen.type("/").key(KeyType.Backspace).key(KeyType.Backspace).key(KeyType.Backspace).key(KeyType.Backspace).type("%_").key(KeyType.Enter);
        screen.await("No runs matching '%_'");
        screen.key(KeyType.Backspace);
        screen.await("all four again", x -> order(x, r).size() == 4, Duration.ofSeconds(10));

        screen.type("s");
        s = screen.await("oldest first", x -> order(x, r).equals(List.of(a, b, c, d)), Duration.ofSeconds(10));
        assertThat(s).contains("sorted oldest first").contains("· oldest first ·");
        screen.type("s");
        screen.await("by state", x -> order(x, r).equals(List.of(c, b, d, a)), Duration.ofSeconds(10));
        screen.type("s");
        s = screen.await("by skill", x -> order(x, r).equals(List.of(c, a, d, b)), Duration.ofSeconds(10));
        // the status line belongs to the page it was said on: gone on the next view, and on the way back
        assertThat(s).contains("sorted by skill");
        screen.type("2");
        s = screen.await("4/4 skills");
        assertThat(s).doesNotContain("sorted by skill");
        screen.type("1");
        screen.await("by skill still", x -> order(x, r).equals(List.of(c, a, d, b)), Duration.ofSeconds(10));
        assertThat(screen.text()).doesNotContain("sorted by skill");
        assertThat(Files.exists(project.root.resolve(".ao/index.db"))).as("index.db is what answered").isEqualTo(index);
    }

    @Test
    void runsAreFoundByIdSkillOrStateAsYouTypeAndSortedFromTheirFiles() throws Exception {
        findAndSort(false);
    }

    @Test
    void runsAreFoundByIdSkillOrStateAsYouTypeAndSortedFromTheRunIndex() throws Exception {
        findAndSort(true);
    }

    @Test
    void yCopiesTheRunIdThroughOsc52() throws Exception {
        project = TestProject.create("copy");
        List<RunRecord> r = fourRuns();
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        open(Map.of(), raw);
        screen.await(r.get(3).id());
        screen.type("y");
        screen.await("copied " + r.get(3).id());
        String osc = "\u001b]52;c;" + java.util.Base64.getEncoder().encodeToString(r.get(3).id().getBytes(StandardCharsets.UTF_8)) + "\u0007";
        assertThat(raw.toString(StandardCharsets.UTF_8)).isEqualTo(osc);
        // and from a run's page
        screen.type("j").key(KeyType.Enter);
        screen.await("run " + r.get(2).id());
        screen.type("y");
        screen.await("copied " + r.get(2).id());
        assertThat(raw.toString(StandardCharsets.UTF_8)).endsWith(
                "\u001b]52;c;" + java.util.Base64.getEncoder().encodeToString(r.get(2).id().getBytes(StandardCharsets.UTF_8)) + "\u0007");
    }

    @Test
    void oOpensTheShownLogInThePagerAndTakesTheScreenBack() throws Exception {
        project = TestProject.create("pager");
        List<RunRecord> r = fourRuns();
        Path record = project.home.resolve("pager-args");
        Path pager = project.home.resolve("pager.sh");
        Files.writeString(pager, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + record + "'\n");
        pager.toFile().setExecutable(true);
        open(Map.of("PAGER", pager + " -R"), null);
        screen.await(r.get(3).id());
        screen.key(KeyType.Enter);
        screen.await("out of " + r.get(3).id());
        screen.type("o");
        RunStore store = new RunStore(project.runs());
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(record) && System.nanoTime() < end) Thread.sleep(50);
        assertThat(Files.readString(record)).isEqualTo("-R\n" + store.dir(r.get(3).id()).resolve(RunStore.STDOUT) + "\n");
        // the screen is the TUI's again, drawn whole
        screen.await("out of " + r.get(3).id());
        assertThat(screen.text()).contains("── stdout.log").contains("q back/quit");
        // the other stream
        screen.type("e");
        screen.await("── stderr.log");
        screen.type("o");
        screen.await("the second call", x -> {
            try {
                return Files.readString(record).lines().count() == 4;
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20));
        assertThat(Files.readString(record)).endsWith(store.dir(r.get(3).id()).resolve(RunStore.STDERR) + "\n");
        // a pager that cannot be started is one line in the status line
        app.close();
        open(Map.of("PAGER", project.home.resolve("no-such-pager").toString()), null);
        screen.await(r.get(3).id());
        screen.key(KeyType.Enter).type("o");
        String s = screen.await("cannot start the pager");
        assertThat(s).contains("out of " + r.get(3).id());
    }

    @Test
    void theEventsViewShowsEventsJsonlAsATable() throws Exception {
        project = TestProject.create("events");
        RunRecord r = runHello("dora");
        open();
        screen.await(r.id());
        screen.key(KeyType.Enter);
        screen.await("hello dora");
        screen.type("v");
        String s = screen.await("exit_code=0");
        assertThat(s).contains("events of " + r.id()).contains("TIME").contains("STATE").contains("DETAIL")
                .contains("queued").contains("running").contains("succeeded").contains("label=demo/hello");
        // a line a hand or a crash damaged is shown cleaned, not dropped
        events(new RunStore(project.runs()).dir(r.id()), "not json " + HOSTILE);
        s = screen.await("not json");
        assertClean(s);
        screen.type("q");
        screen.await("hello dora");
    }

    @Test
    void aSummaryTableIsDrawnAsAlignedColumns() throws Exception {
        project = TestProject.create("table");
        RunRecord r = record(runId(), "logs/errors", RunState.SUCCEEDED, null, null, 0, null);
        save(r, "");
        Files.writeString(new RunStore(project.runs()).dir(r.id()).resolve(RunStore.SUMMARY), """
                # Errors
                | type | count | first |
                |---|---:|---|
                | Timeout | 12 | 10:01 |
                | NullPointerException | 3 | %s |
                | Other | 1 | %s |
                """.formatted(HOSTILE + "10:07", "x".repeat(300)));
        open();
        screen.await(r.id());
        screen.key(KeyType.Enter);
        String s = screen.await("type                 │ count │ first");
        assertThat(s).contains("ERRORS").contains("─────┼─").contains("(6 lines · s: all)");
        assertClean(s);
        screen.type("s");
        s = screen.await("summary of " + r.id());
        assertThat(s).contains("Timeout              │ 12    │ 10:01").contains("NullPointerException │ 3     │ 10:07")
                .contains("Other                │ 1     │ xxxxx").contains("x…");
        assertThat(s.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertClean(s);
    }

    @Test
    void rOpensTheRunDialogFilledInWithTheRunsParameters() throws Exception {
        project = TestProject.create("rerun");
        Map<String, String> env = project.env();
        AoConfig config = new ConfigLoader(project.root, env).load(Map.of());
        RunService service = new RunService(config, env, SkillSources.catalog(config));
        RunRecord first = service.start(service.prepare(RunRequest.of("demo/hello", List.of("name=carol", "color=blue", "loud=true"), project.root)),
                Approver.NOBODY, RunListener.NONE).await();
        open();
        screen.await(first.id());
        screen.type("R");
        String s = screen.await("the form filled in", x -> x.contains("Run demo/hello") && x.contains("carol") && x.contains("blue")
                && x.contains("[x]") && x.contains("<Start"), Duration.ofSeconds(20));
        assertThat(s).doesNotContain("missing required parameter");
        screen.key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Tab).key(KeyType.Enter);
        s = screen.await("started run");
        RunStore store = new RunStore(project.runs());
        String second = store.ids().stream().filter(x -> !x.equals(first.id())).findFirst().orElseThrow();
        RunRecord again = awaitState(second, RunState.SUCCEEDED);
        assertThat(again.params().get("name").asText()).isEqualTo("carol");
        assertThat(again.params().get("color").asText()).isEqualTo("blue");
        assertThat(again.params().get("loud").asBoolean()).isTrue();
        // from a run's page too
        screen.await("hello carol");
        screen.type("R");
        screen.await("Run demo/hello");
        screen.key(KeyType.Escape);
        screen.awaitGone("Run demo/hello");
    }

    @Test
    void aCancelQuestionClosesWhenTheRunEndsOnItsOwn() throws Exception {
        project = TestProject.create("cancel-ended");
        open();
        String id = backend.start("demo/slow", List.of("n=6"));
        awaitState(id, RunState.RUNNING);
        screen.await("running");
        screen.type("c");
        screen.await("Cancel run " + id);
        String s = screen.await("run " + id + " ended on its own (succeeded): nothing to cancel");
        assertThat(s).doesNotContain("Cancel run " + id);
        assertThat(new RunStore(project.runs()).read(id).orElseThrow().state()).isEqualTo(RunState.SUCCEEDED);
        // the keys go to the table again, not to a window left behind
        screen.type("2");
        screen.await("4/4 skills");
    }
}
