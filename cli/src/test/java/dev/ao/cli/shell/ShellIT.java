package dev.ao.cli.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code ao shell} as a real process with piped stdin: scriptable, no prompt, the CLI's exact output. */
class ShellIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    Path project;
    Ao ao;

    @BeforeEach
    void setUp() throws Exception {
        project = tmp.resolve("proj");
        Files.createDirectories(project.resolve("dotcodex"));
        Files.writeString(project.resolve("dotcodex/config.toml"), "[scripts]\nexecution_timeout = 120\n");
        skill("demo/hello", "echo hello from the sandbox\n");
        skill("demo/sleepy", "echo started; sleep 300; echo never\n");
        ao = new Ao(project, tmp.resolve("home"));
    }

    private void skill(String id, String script) throws Exception {
        Path dir = project.resolve("skills").resolve(id);
        Files.createDirectories(dir);
        String name = dir.getFileName().toString();
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\ndescription: " + name + "\n---\nBody.\n");
        Files.writeString(dir.resolve(name + ".sh"), script);
        Files.writeString(dir.resolve("script.json"), "{\"name\":\"" + name + "\",\"script_file\":\"" + name + ".sh\"}");
    }

    /** Starts {@code ao shell} with {@code stdin} as its input. */
    private Process shell(String stdin, Path out, Path err, String... extra) throws Exception {
        Path in = tmp.resolve("stdin-" + System.nanoTime());
        Files.writeString(in, stdin);
        List<String> cmd = ao.command(concat("shell", extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile());
        pb.environment().clear();
        pb.environment().putAll(ao.env());
        pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        return pb.start();
    }

    private static String[] concat(String first, String... rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    private Ao.Result shellRun(String stdin, String... extra) throws Exception {
        Path out = tmp.resolve("out-" + System.nanoTime());
        Path err = tmp.resolve("err-" + System.nanoTime());
        Process p = shell(stdin, out, err, extra);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ao shell finished").isTrue();
        return new Ao.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void commandsPipedIntoTheShellPrintExactlyWhatTheCliPrints() throws Exception {
        Ao.Result run = ao.run("run", "demo/hello");
        assertThat(run.exit()).as(run.toString()).isZero();
        String id = JSON.readTree(ao.run("runs", "list", "-o", "json").out()).get(0).path("id").asText();

        Ao.Result list = ao.run("runs", "list", "-o", "json");
        Ao.Result config = ao.run("config", "show");
        Ao.Result show = ao.run("runs", "show", id);
        Ao.Result shell = shellRun("runs list -o json\nconfig show\n# people type ao out of habit\nao runs show " + id.substring(0, 17) + "\n");

        assertThat(shell.exit()).as(shell.toString()).isZero();
        assertThat(shell.out()).isEqualTo(list.out() + config.out() + show.out());
        assertThat(shell.out()).doesNotContain("\u001b[", "ao>");
        assertThat(shell.err()).isEmpty();
        // a piped session keeps no history
        assertThat(project.resolve(".ao/shell_history")).doesNotExist();
    }

    @Test
    void theShellSeesRunsAndSkillsCreatedDuringTheSession() throws Exception {
        Ao.Result r = shellRun("run demo/hello -o json\nruns list -o json\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        // two JSON documents: the run, then a list that already holds it
        var parser = JSON.getFactory().createParser(r.out());
        JsonNode ran = JSON.readTree(parser);
        JsonNode list = JSON.readTree(parser);
        assertThat(ran.path("state").asText()).isEqualTo("succeeded");
        assertThat(list.get(0).path("id").asText()).isEqualTo(ran.path("id").asText());
    }

    @Test
    void exitCodeIsTheLastCommandsAndExitOnErrorStopsEarly() throws Exception {
        Ao.Result failing = shellRun("runs show no-such-run\n");
        assertThat(failing.exit()).isEqualTo(2);
        assertThat(failing.err()).contains("ao: no run matches 'no-such-run'");

        Ao.Result goesOn = shellRun("runs show no-such-run\nconfig path\n");
        assertThat(goesOn.exit()).isZero();
        assertThat(goesOn.out()).contains(project.resolve("dotcodex/config.toml").toString());

        Ao.Result stops = shellRun("runs show no-such-run\nconfig path\n", "-e");
        assertThat(stops.exit()).isEqualTo(2);
        assertThat(stops.out()).isEmpty();
        assertThat(stops.err()).contains("stopped at line 1");

        assertThat(shellRun("exit 7\nconfig path\n").exit()).isEqualTo(7);
    }

    @Test
    void sigintCancelsTheRunningRunAndEndsThePipedSession() throws Exception {
        assumeFalse(sigintIgnored(), "SIGINT is ignored in this process tree; the JVM would not see it");
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = shell("run demo/sleepy\nconfig path\n", out, err);
        Path runs = project.resolve(".ao/runs");
        JsonNode record = null;
        for (int i = 0; i < 200 && (record == null || !record.path("state").asText().equals("running")); i++) {
            Thread.sleep(100);
            record = latest(runs);
        }
        assertThat(record).as("the run started").isNotNull();
        assertThat(record.path("state").asText()).isEqualTo("running");
        Path stdout = runs.resolve(record.path("id").asText()).resolve("stdout.log");
        for (int i = 0; i < 100 && !Files.readString(stdout).equals("started\n"); i++) Thread.sleep(100);
        assertThat(Files.readString(stdout)).as("the script is running").isEqualTo("started\n");

        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the shell ended").isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        JsonNode done = latest(runs);
        assertThat(done.path("state").asText()).isEqualTo("canceled");
        // the session ended there: the next line did not run
        assertThat(Files.readString(out)).doesNotContain("config.toml");
        assertThat(Files.readString(err, StandardCharsets.UTF_8)).contains("canceled");
        assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains("sleep 300")
                && h.info().commandLine().orElse("").contains(project.toString()))).isEmpty();
    }

    private static JsonNode latest(Path runs) throws Exception {
        if (!Files.isDirectory(runs)) return null;
        try (var s = Files.list(runs)) {
            Path dir = s.filter(Files::isDirectory).max(Path::compareTo).orElse(null);
            if (dir == null || !Files.exists(dir.resolve("run.json"))) return null;
            return JSON.readTree(dir.resolve("run.json").toFile());
        }
    }

    static boolean sigintIgnored() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("SigIgn:")) return (Long.parseLong(l.substring(7).trim(), 16) & 0b10) != 0;
        }
        return false;
    }
}
