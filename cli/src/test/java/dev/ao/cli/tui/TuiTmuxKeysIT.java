package dev.ao.cli.tui;

import dev.ao.engine.run.RunStore;
import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One session of the packaged {@code ao tui} in tmux (its own server, so {@code set-clipboard on} touches no one
 * else's) through the keys of issue 11: {@code /} find, {@code s} sort, the status line, a summary table, the events
 * view, {@code y} (OSC 52, read back from tmux's buffer), {@code o} ($PAGER: a script that records its arguments),
 * {@code R} (the run dialog filled in) and the full skill ids. The history is read through the run index
 * ({@code AO_INDEX_FROM=0}), as a long one would be.
 */
class TuiTmuxKeysIT {
    private final String socket = "ao-tui-keys-" + ProcessHandle.current().pid();
    private final String session = "keys";
    private boolean started;

    @AfterEach
    void killServer() {
        if (started) tmux("kill-server");
    }

    private Processes.Result tmux(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
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

    @Test
    void findSortTableEventsCopyPagerAndRerunInTheRealTui() throws Exception {
        assertThat(tmux("-V").exit()).as("tmux is installed").isZero();
        TestProject project = TestProject.create("tmux-keys");
        TestProject.write(project.root.resolve("skills/demo/table/SKILL.md"), """
                ---
                name: table
                description: Writes its findings as a Markdown table
                ---
                """);
        TestProject.write(project.root.resolve("skills/demo/table/script.json"), """
                {"name": "table", "script_file": "table.sh",
                 "parameters_schema": {"type": "object", "properties": {"top": {"type": "integer", "default": 3}}}}
                """);
        TestProject.write(project.root.resolve("skills/demo/table/table.sh"), """
                #!/usr/bin/env bash
                echo "counting the top $AO_PARAM_TOP"
                printf '| error | count |\\n|---|---:|\\n| Timeout | 12 |\\n| NullPointerException | 3 |\\n' > "$AO_SUMMARY"
                """);
        Path pagerArgs = project.home.resolve("pager-args");
        Path pager = project.home.resolve("pager.sh");
        Files.writeString(pager, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> " + quote(pagerArgs.toString()) + "\n");
        pager.toFile().setExecutable(true);

        Ao ao = new Ao(project.root, project.home);
        assertThat(ao.run("run", "demo/hello", "-p", "name=alice").exit()).isZero();
        Ao.Result t = ao.run("run", "demo/table", "-p", "top=5");
        assertThat(t.exit()).as(t.toString()).isZero();
        String tableRun = new RunStore(project.runs()).list(r -> "demo/table".equals(r.skill()), 1).get(0).id();

        StringBuilder cmd = new StringBuilder("cd " + quote(project.root.toString()) + " && env -i");
        for (Map.Entry<String, String> e : ao.env().entrySet()) {
            if (!e.getKey().equals("CI")) cmd.append(' ').append(e.getKey()).append('=').append(quote(e.getValue()));
        }
        cmd.append(" AO_INDEX_FROM=0 PAGER=").append(quote(pager.toString()))
                .append(" TERM=xterm-256color ").append(quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()))
                .append(" -jar ").append(quote(Ao.jar().toString())).append(" tui; echo TUI-EXIT=$?; sleep 30");
        Processes.Result s = tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd.toString());
        assertThat(s.exit()).as(s.toString()).isZero();
        started = true;
        // tmux keeps what an application writes with OSC 52 as a paste buffer only when told to
        tmux("set-option", "-s", "set-clipboard", "on");

        String screen = await("both runs", x -> x.contains("demo/hello") && x.contains("demo/table"));
        // find as you type: only the table run
        keys("-l", "/tab");
        screen = await("only the table run", x -> x.contains("/tab") && !x.contains("demo/hello"));
        keys("Enter");
        await("/tab  (/ edit");
        // its page: the summary table as aligned columns
        keys("Enter");
        screen = await("error                │ count");
        assertThat(screen).contains("run " + tableRun).contains("───┼───");
        // y: the id through OSC 52 into tmux's buffer
        keys("y");
        await("copied " + tableRun);
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String buffer = "";
        while (System.nanoTime() < end && !(buffer = tmux("show-buffer").stdout()).equals(tableRun)) Thread.sleep(100);
        assertThat(buffer).isEqualTo(tableRun);
        // the status line is about that page: the events view does not inherit it
        keys("v");
        screen = await("exit_code=0");
        assertThat(screen).contains("events of " + tableRun).contains("queued").contains("running").contains("succeeded")
                .doesNotContain("copied ");
        keys("q");
        await("── stdout.log");
        // o: the log in $PAGER, then the TUI again
        keys("o");
        end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end && !Files.exists(pagerArgs)) Thread.sleep(100);
        assertThat(Files.readString(pagerArgs, StandardCharsets.UTF_8))
                .isEqualTo(project.runs().resolve(tableRun).resolve(RunStore.STDOUT) + "\n");
        screen = await("the TUI drawn again", x -> x.contains("counting the top 5") && x.contains("q back/quit"));
        // R: the run dialog with the run's parameters
        keys("R");
        screen = await("Run demo/table");
        assertThat(screen).contains("top (integer)").contains("5");
        keys("Escape");
        await("the dialog closed", x -> !x.contains("Run demo/table"));
        keys("q");
        // the text filter is cleared with backspace; s sorts
        keys("BSpace");
        await("both runs again", x -> x.contains("demo/hello") && x.contains("demo/table"));
        keys("s");
        screen = await("sorted oldest first");
        assertThat(screen.indexOf("demo/hello")).as("the older run first").isLessThan(screen.indexOf("demo/table"));
        // full skill ids in the Skills list, and the sort's message left on the Runs view
        keys("2");
        screen = await("5/5 skills");
        assertThat(screen).contains("▶ demo/table").contains("▶ demo/hello").contains("  notes/kube").doesNotContain("sorted oldest first");
        keys("q");
        screen = await("TUI-EXIT=0");
        assertThat(Files.readString(project.home.resolve(".local/state/ao/tui.log"), StandardCharsets.UTF_8))
                .as("nothing went to stderr while the screen was the TUI's").isEmpty();
        assertThat(Files.exists(project.root.resolve(".ao/index.db"))).as("the runs page read the run index").isTrue();
    }
}
