package dev.ao.cli.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ao shell} in a real terminal: tmux runs it in a 120x30 pane, keys go in with send-keys, the screen
 * comes back with capture-pane. A private tmux socket keeps it away from anyone else's sessions.
 */
class ShellTmuxIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    Path project;
    Path home;
    String socket;
    String session = "S";

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")) || onPath("tmux"), "tmux is not installed");
        project = tmp.resolve("proj");
        home = tmp.resolve("home");
        Files.createDirectories(project.resolve("dotcodex"));
        Files.createDirectories(home);
        Files.writeString(project.resolve("dotcodex/config.toml"), "");
        skill("demo/hello", "says hello", "echo hello from the sandbox\n",
                ",\"parameters_schema\":{\"type\":\"object\",\"properties\":{\"who\":{\"type\":\"string\",\"description\":\"whom to greet\"}}}");
        skill("demo/sleepy", "sleeps", "echo started; sleep 300; echo never\n", "");
        socket = "ao-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (socket == null) return;
        String path = tmux("display-message", "-p", "#{socket_path}").strip();
        tmux("kill-server");
        // tmux leaves its socket file behind
        if (path.startsWith("/")) Files.deleteIfExists(Path.of(path));
    }

    private static boolean onPath(String name) {
        for (String d : System.getenv("PATH").split(":")) if (Files.isExecutable(Path.of(d, name))) return true;
        return false;
    }

    private void skill(String id, String description, String script, String extra) throws Exception {
        Path dir = project.resolve("skills").resolve(id);
        Files.createDirectories(dir);
        String name = dir.getFileName().toString();
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\ndescription: " + description + "\n---\nBody.\n");
        Files.writeString(dir.resolve(name + ".sh"), script);
        Files.writeString(dir.resolve("script.json"), "{\"name\":\"" + name + "\",\"script_file\":\"" + name + ".sh\"" + extra + "}");
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    /** Starts the shell in a fresh pane, as a person at a terminal would: no CI, a real TERM. */
    private void startShell() throws Exception {
        Ao ao = new Ao(project, home);
        StringBuilder cmd = new StringBuilder("env -i");
        for (Map.Entry<String, String> e : ao.env().entrySet()) {
            if (!e.getKey().equals("CI")) cmd.append(' ').append(e.getKey()).append('=').append(quote(e.getValue()));
        }
        cmd.append(" TERM=xterm-256color");
        for (String a : ao.command("shell")) cmd.append(' ').append(quote(a));
        cmd.append("; echo EXIT=$?; sleep 600");
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", project.toString(), cmd.toString());
        waitFor(Pattern.compile("(?m)^ao>"));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The visible pane, as text; tmux trims trailing spaces of each line. */
    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", session);
    }

    private void keys(String... keys) throws Exception {
        List<String> a = new ArrayList<>(List.of("send-keys", "-t", session, "--"));
        a.addAll(List.of(keys));
        tmux(a.toArray(String[]::new));
    }

    /** Waits until the last line on screen is an empty prompt: the previous command is done. */
    private void prompt(String p) throws Exception {
        waitFor(Pattern.compile("(?s)\\n" + Pattern.quote(p) + "\\s*$"));
    }

    private String waitFor(String text) throws Exception {
        return waitFor(Pattern.compile(Pattern.quote(text)));
    }

    private String waitFor(Pattern p) throws Exception {
        String s = "";
        for (int i = 0; i < 150; i++) {
            s = screen();
            if (p.matcher(s).find()) return s;
            Thread.sleep(100);
        }
        throw new AssertionError("the screen never showed " + p + ":\n" + s);
    }

    private JsonNode run(String id) throws IOException {
        return JSON.readTree(project.resolve(".ao/runs").resolve(id).resolve("run.json").toFile());
    }

    @Test
    void tabCompletesRunIdsAndSkillsAndCtrlCCancelsTheRunNotTheShell() throws Exception {
        Ao.Result first = new Ao(project, home).run("run", "demo/hello");
        assertThat(first.exit()).as(first.toString()).isZero();
        String id = JSON.readTree(new Ao(project, home).run("runs", "list", "-o", "json").out()).get(0).path("id").asText();
        startShell();

        // a run id: the first 15 characters and Tab give the whole id
        keys("runs show " + id.substring(0, 15), "Tab");
        waitFor("ao> runs show " + id); // capture-pane trims the space Tab added
        keys("Enter");
        waitFor("run " + id + "  succeeded");
        prompt("ao>");

        // a skill name, then its parameter names, then it runs
        keys("run demo/h", "Tab");
        waitFor("ao> run demo/hello");
        keys("-p ", "Tab");
        waitFor("ao> run demo/hello -p who="); // its only parameter
        keys("tmux", "Enter");
        waitFor(Pattern.compile("(?m)^hello from the sandbox$"));
        waitFor("✓ succeeded");
        prompt("ao>");

        // Ctrl-C on a line being edited drops the line, the shell stays
        keys("runs lis");
        waitFor("ao> runs lis");
        keys("C-c");
        prompt("ao>"); // Ctrl-C is a signal: keys typed within the same instant could still land on the old line
        keys("config path", "Enter");
        waitFor(Pattern.compile("(?m)^" + Pattern.quote(project.resolve("dotcodex/config.toml").toString()) + "$"));
        prompt("ao>");
        assertThat(screen()).doesNotContain("runs lisconfig");

        // Ctrl-C while a run runs: the run ends canceled, the prompt comes back with 130
        keys("run demo/sleepy", "Enter");
        waitFor("running");
        String sleepy = null;
        // run ids order by the second only: find it by its skill, not by position
        for (JsonNode n : JSON.readTree(new Ao(project, home).run("runs", "list", "-o", "json").out())) {
            if (n.path("label").asText().equals("demo/sleepy")) sleepy = n.path("id").asText();
        }
        assertThat(run(sleepy).path("state").asText()).isEqualTo("running");
        keys("C-c");
        waitFor("ao [130]>");
        assertThat(run(sleepy).path("state").asText()).isEqualTo("canceled");
        assertThat(screen()).contains("canceled (canceled) · run " + sleepy);

        // and the shell still works, and has seen the new runs without restarting
        keys("runs cancel ", "Tab");
        Thread.sleep(500);
        assertThat(screen()).doesNotContain("ao [130]> runs cancel 2"); // nothing left to cancel
        keys("C-u", "runs list", "Enter");
        waitFor(Pattern.compile(sleepy + " +demo/sleepy +canceled"));
        prompt("ao>");

        // Ctrl-D leaves with the last command's exit code
        keys("C-d");
        waitFor("EXIT=0");

        // history persisted in the project's state dir; a new shell recalls it with Up
        List<String> history = Files.readAllLines(project.resolve(".ao/shell_history"));
        assertThat(String.join("\n", history)).contains("runs show " + id, "run demo/hello -p who=tmux", "run demo/sleepy", "runs list");
        // a second session before the first goes: tmux exits with its last session
        session = "S2";
        startShell();
        tmux("kill-session", "-t", "S");
        keys("Up");
        waitFor("ao> runs list");
        keys("C-u", "exit 4", "Enter");
        waitFor("EXIT=4");
    }
}
