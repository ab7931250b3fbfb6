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
import dev.ao.tui.Backend;
import dev.ao.tui.TuiApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
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
        screen = new VirtualScreen(80, 24);
        backend = new Backend(project.root, project.env(), RunCommand.launcherCommand());
        app = TuiApp.open(screen.terminal, backend, null);
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
        String s = screen.await("kubernetes-notes");
        assertThat(s).contains("▶ guarded").contains("▶ hello").contains("▶ slow").contains("demo,risky").contains("k8s,notes")
                .contains("4/4 skills");
        // the know-how skill has no runnable mark
        assertThat(s).doesNotContain("▶ kubernetes-notes");
        screen.type("j");
        s = screen.await("demo/hello · local · runnable");
        // the detail pane: SKILL.md as text (no markup) and the script's parameters
        assertThat(s).contains("Parameters").contains("name*  string").contains("color  string {red|blue}")
                .contains("HELLO").contains("Says hello to name").contains("• prints a few lines").doesNotContain("**");

        screen.type("/kube");
        s = screen.await("no hello", x -> !x.contains("▶ hello"), Duration.ofSeconds(10));
        assertThat(s).contains("kubernetes-notes").contains("1/4 skills").contains("ROLLOUTS");
        screen.key(KeyType.Escape);
        screen.await("▶ hello");
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
        screen.await("▶ hello");
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
        // the new run's detail opens and fills in as the detached supervisor runs it
        s = screen.await("hello dave");
        assertThat(s).contains("params name=dave").contains("succeeded").contains("starting for dave");
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
        assertThat(bar).contains("enter open").contains("f filter").contains("c cancel").contains("? help").contains("q back/quit");
        screen.type("?");
        String s = screen.await("Keys · Runs");
        assertThat(s).contains("everywhere").contains("filter: previous state").contains("reject (waiting_approval)")
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
        screen.await("▶ hello");
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
}
