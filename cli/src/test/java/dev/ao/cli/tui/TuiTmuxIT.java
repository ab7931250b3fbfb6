package dev.ao.cli.tui;

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

        // the same environment the harness gives ao, without CI=true: a person at a terminal
        StringBuilder cmd = new StringBuilder("cd " + quote(project.root.toString()) + " && env -i");
        for (Map.Entry<String, String> e : ao.env().entrySet()) {
            if (!e.getKey().equals("CI")) cmd.append(' ').append(e.getKey()).append('=').append(quote(e.getValue()));
        }
        cmd.append(" TERM=xterm-256color ").append(quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()))
                .append(" -jar ").append(quote(Ao.jar().toString())).append(" tui; echo TUI-EXIT=$?; sleep 30");
        Processes.Result s = tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd.toString());
        assertThat(s.exit()).as(s.toString()).isZero();
        started = true;

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
        screen = await("kubernetes-notes");
        assertThat(screen).contains("▶ hello");

        keys("q");
        screen = await("TUI-EXIT=0");
        // the screen is given back: the TUI's frame is gone from the pane
        assertThat(screen).doesNotContain("q back/quit");
        assertThat(Files.readString(project.home.resolve(".local/state/ao/tui.log").toAbsolutePath(), java.nio.charset.StandardCharsets.UTF_8))
                .as("nothing went to stderr while the screen was the TUI's").isEmpty();
    }
}
