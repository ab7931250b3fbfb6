package dev.ao.cli.tui;

import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code ao tui} (the packaged jar) in a real terminal: tmux at 100x30, keys through send-keys, the
 * screen through capture-pane. The runs it shows were made by the real {@code ao run}.
 */
class TuiTmuxIT {
    private final String session = "ao-tui-it-" + ProcessHandle.current().pid();
    private boolean started;

    @AfterEach
    void killSession() {
        if (started) tmux("kill-session", "-t", session);
    }

    private static Processes.Result tmux(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("tmux");
        cmd.addAll(List.of(args));
        return Processes.run(cmd, null, null, Duration.ofSeconds(10));
    }

    private String capture() {
        return tmux("capture-pane", "-p", "-t", session).stdout();
    }

    private String await(String what, Predicate<String> p) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String s = "";
        while (System.nanoTime() < end) {
            s = capture();
            if (p.test(s)) return s;
            Thread.sleep(100);
        }
        throw new AssertionError("the tmux pane never showed " + what + "; it shows:\n" + s);
    }

    private String await(String shown) throws InterruptedException {
        return await("'" + shown + "'", s -> s.contains(shown));
    }

    private void keys(String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The packaged {@code ao tui} in a 100x30 tmux pane, in the environment the harness gives ao, without CI=true. */
    private void startTui(TestProject project, Ao ao) {
        StringBuilder cmd = new StringBuilder("cd " + quote(project.root.toString()) + " && env -i");
        for (Map.Entry<String, String> e : ao.env().entrySet()) {
            if (!e.getKey().equals("CI")) cmd.append(' ').append(e.getKey()).append('=').append(quote(e.getValue()));
        }
        cmd.append(" TERM=xterm-256color ").append(quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()))
                .append(" -jar ").append(quote(Ao.jar().toString())).append(" tui; echo TUI-EXIT=$?; sleep 30");
        Processes.Result s = tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd.toString());
        assertThat(s.exit()).as(s.toString()).isZero();
        started = true;
    }

    @Test
    void theRealTuiShowsRealRunsAndTheirSummaryAndQuitsCleanly() throws Exception {
        assertThat(tmux("-V").exit()).as("tmux is installed").isZero();
        TestProject project = TestProject.create("tmux");
        Ao ao = new Ao(project.root, project.home);
        Ao.Result r1 = ao.run("run", "demo/hello", "-p", "name=alice");
        assertThat(r1.exit()).as(r1.toString()).isZero();
        Ao.Result r2 = ao.run("run", "demo/hello", "-p", "name=bob", "-o", "json");
        assertThat(r2.exit()).as(r2.toString()).isZero();
        Ao.Result bad = ao.run("run", "demo/hello", "-p", "name=x", "-p", "color=green");
        assertThat(bad.exit()).as("an enum violation is refused before anything runs").isEqualTo(2);
        String newest = ao.run("runs", "list", "-o", "json").stdout().split("\"id\" : \"")[1].substring(0, 22);
        // two runs in the same second sort by their random part: ask which one is first
        String name = ao.run("runs", "show", newest).stdout().contains("hello bob") ? "bob" : "alice";

        startTui(project, ao);

        String screen = await("both runs", x -> x.contains("demo/hello") && x.split("succeeded", -1).length == 3);
        assertThat(screen).contains(newest).contains("SKILL/SCRIPT").contains("1 Runs").contains("q back/quit");
        assertThat(screen.indexOf(newest)).as("newest first").isLessThan(screen.lastIndexOf("demo/hello"));

        keys("Enter");
        screen = await("hello " + name);
        assertThat(screen).contains("run " + newest).contains("params name=" + name).contains("── summary")
                .contains("starting for " + name);

        keys("q");
        await("SKILL/SCRIPT");
        keys("2");
        screen = await("4/4 skills");
        assertThat(screen).contains("▶ demo/hello").contains("  notes/kube");

        keys("q");
        screen = await("TUI-EXIT=0");
        // the screen is given back: the TUI's frame is gone from the pane
        assertThat(screen).doesNotContain("q back/quit");
        assertThat(Files.readString(project.home.resolve(".local/state/ao/tui.log").toAbsolutePath(), java.nio.charset.StandardCharsets.UTF_8))
                .as("nothing went to stderr while the screen was the TUI's").isEmpty();
    }

    private static RunRecord awaitRun(RunStore store, String id, java.util.function.Predicate<RunRecord> p, String what)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RunRecord r = null;
        while (System.nanoTime() < end) {
            r = store.read(id).orElse(null);
            if (r != null && p.test(r)) return r;
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " never " + what + ": " + r);
    }

    @Test
    void aRealWorkflowRunIsWatchedApprovedPausedResumedAndCanceledFromItsDashboard() throws Exception {
        assertThat(tmux("-V").exit()).as("tmux is installed").isZero();
        TestProject project = TestProject.create("tmux-wf");
        TestProject.write(project.root.resolve("skills/demo/fan/SKILL.md"), """
                ---
                name: fan
                description: Fans out over three items, one of which fails, then waits for a person
                ---
                """);
        TestProject.write(project.root.resolve("skills/demo/fan/workflow.yml"), """
                name: fan
                jobs:
                  prepare:
                    shell: bash
                    run: |
                      echo 'items=["a","b","c"]' >> "$AO_OUTPUT"
                      echo "prepared three" > "$AO_SUMMARY"
                  each:
                    needs: [prepare]
                    for_each: ${{ fromJSON(jobs.prepare.outputs.items) }}
                    shell: bash
                    run: |
                      echo "item $AO_INDEX"
                      if [ "$AO_INDEX" = "1" ]; then echo "boom on b" >&2; exit 3; fi
                  gate:
                    needs: [each]
                    if: ${{ always() }}
                    approval: true
                    shell: bash
                    run: |
                      for i in $(seq 1 600); do echo "tick $i"; sleep 0.5; done
                """);
        Ao ao = new Ao(project.root, project.home);
        Ao.Result started = ao.run("run", "demo/fan", "--detach");
        assertThat(started.exit()).as(started.toString()).isZero();
        String id = started.stdout().strip();
        RunStore store = new RunStore(project.runs());
        awaitRun(store, id, r -> r.state() == RunState.WAITING_APPROVAL, "waited for approval");
        startTui(project, ao);
        try {
            // one row for the workflow; the runs of its jobs only with t
            String screen = await("the workflow's row", x -> x.contains("[wf] demo/fan") && x.contains("waiting_approval"));
            assertThat(screen).doesNotContain("demo/fan · each");
            keys("t");
            await("the runs of its jobs", x -> x.contains("└ demo/fan · each[1]") && x.contains("└ demo/fan · each[0]")
                    && x.contains("└ demo/fan · prepare") && x.contains("with children · 5/5"));
            keys("t");
            await("no child rows", x -> !x.contains("demo/fan · each") && x.contains("[wf] demo/fan"));

            keys("Enter");
            // a pane is captured while it is drawn: wait for the feed's last line and the key bar, drawn last
            screen = await("the dashboard", x -> x.contains("waiting for approval: job gate") && x.contains("x reject  c cancel")
                    && x.matches("(?s).*workflow +waiting_approval +job gate: job 'gate' has approval: true.*"));
            assertThat(screen).contains("workflow " + id).contains("4/5 done").contains("✓3 ✗1")
                    .containsPattern("✗ each +failed +3/3 ✓2 ✗1").containsPattern("✓ prepare +succeeded .*prepared three")
                    .containsPattern("• gate +waiting_approval")
                    .containsPattern("each +failed +1 of 3 items failed; item 1: exit code 3");

            keys("a");
            await("Approve job gate of workflow run " + id);
            keys("y");
            awaitRun(store, id, r -> r.state() == RunState.RUNNING, "ran after the approval");
            await("the gate running", x -> x.matches("(?s).*» gate +running.*") && x.matches("(?s).*gate +approved +by .* via ao tui.*")
                    && x.contains("p pause"));

            keys("p");
            awaitRun(store, id, r -> r.state() == RunState.PAUSED, "paused");
            await("paused: running jobs finish, no new job starts · r resume");
            keys("r");
            awaitRun(store, id, r -> r.state() == RunState.RUNNING, "resumed");
            await("running again", x -> x.contains("p pause") && !x.contains("no new job starts · r resume"));

            keys("c");
            await("Cancel workflow run " + id);
            keys("y");
            RunRecord done = awaitRun(store, id, r -> r.state().terminal(), "ended");
            assertThat(done.state()).isEqualTo(RunState.CANCELED);
            await("the canceled workflow", x -> x.contains("workflow " + id + "  canceled") && x.contains("s summary"));

            // the failed item of the for_each job, one enter away
            keys("j", "Enter");
            await("job each · 3 runs · 1 item failed");
            keys("Enter");
            await("the failed item's run", x -> x.contains("item 1") && x.matches("(?s).*workflow " + id + " +job each +item 1.*"));
            keys("e");
            await("boom on b");

            keys("q", "q", "q", "q");
            await("TUI-EXIT=0");
        } finally {
            RunRecord r = store.read(id).orElse(null);
            if (r != null && !r.state().terminal()) ao.run("runs", "cancel", id);
        }
    }
}
