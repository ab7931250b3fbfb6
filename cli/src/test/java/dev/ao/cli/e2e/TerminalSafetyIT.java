package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script's output cannot drive the terminal of the person reading about it: no escape sequence a script wrote
 * (clipboard writes, screen clears, cursor moves, 8-bit CSI) reaches ao's stdout or stderr in text mode.
 */
class TerminalSafetyIT {
    /** OSC 52 (write the clipboard), clear screen, cursor up + erase line, 8-bit CSI, a bidi override. */
    private static final String ATTACK = "\\033]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\a\\033[2J\\033[1A\\033[2K\\xc2\\x9b2J\\xe2\\x80\\xae";
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("tty-safety");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private static void assertClean(String where, String text) {
        assertThat(text).as(where + " has no ESC").doesNotContain("\u001b");
        assertThat(text).as(where + " has no 8-bit CSI").doesNotContain("\u009b");
        assertThat(text).as(where + " has no BEL").doesNotContain("\u0007");
        assertThat(text).as(where + " has no OSC 52 payload").doesNotContain("52;c;");
        assertThat(text).as(where + " has no bidi override").doesNotContain("\u202e");
    }

    @Test
    void summaryOutputsAndStderrTailAreCleanedInTextModeAndEscapedInJson() {
        project.script("evil.sh", "#!/bin/bash\n"
                + "printf 'raw line " + ATTACK + "\\n'\n"
                + "printf '3 pods fixed\\n" + ATTACK + "\\n' > \"$AO_SUMMARY\"\n"
                + "printf 'note=ok " + ATTACK + "\\n' > \"$AO_OUTPUT\"\n");
        Ao.Result run = project.ao().run("run", "evil.sh");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("3 pods fixed");
        assertClean("ao run stdout", run.out());
        assertClean("ao run stderr", run.err());
        String id = project.runIds().get(0);

        Ao.Result show = project.ao().run("runs", "show", id, "--full");
        assertThat(show.out()).contains("3 pods fixed").contains("note");
        assertClean("runs show", show.out() + show.err());
        Ao.Result list = project.ao().run("runs", "list");
        assertThat(list.out()).contains(id);
        assertClean("runs list", list.out() + list.err());

        // JSON keeps the text and escapes it; a pipe or file gets the log's bytes as the script wrote them
        Ao.Result json = project.ao().run("runs", "show", id, "-o", "json");
        assertThat(json.out()).doesNotContain("\u001b").contains("\\u001B]52;c;");
        assertThat(project.ao().run("runs", "logs", id).out()).contains("\u001b]52;c;");

        // no summary: the tail of stderr says why, and it is someone else's text too
        project.script("fail.sh", "#!/bin/bash\nprintf 'boom " + ATTACK + "\\n' >&2\nexit 3\n");
        Ao.Result failed = project.ao().run("run", "fail.sh");
        assertThat(failed.exit()).isEqualTo(3);
        assertThat(failed.out()).contains("stderr (last line):").contains("boom");
        assertClean("failed run's stderr", failed.out() + failed.err());
    }

    @Test
    void runsLogsAtATerminalIsCleanedEvenWhenASequenceSpansTheWholeLog() {
        project.script("logs.sh", "#!/bin/bash\nfor i in $(seq 1 3000); do printf 'line %d " + ATTACK + "\\n' $i; done\necho done\n");
        assertThat(project.ao().run("run", "logs.sh").exit()).isZero();
        String id = project.runIds().get(0);
        String tty = atTerminal("runs", "logs", id);
        assertThat(tty).contains("line 1 ").contains("line 3000 ").contains("done");
        assertClean("runs logs at a terminal", tty);
        String follow = atTerminal("runs", "logs", id, "-f");
        assertThat(follow).contains("line 3000 ");
        assertClean("runs logs -f at a terminal", follow);
    }

    /** Runs ao with a pseudo-terminal as stdin and stdout (util-linux script), returns the bytes the terminal got. */
    private String atTerminal(String... args) {
        StringBuilder cmd = new StringBuilder();
        for (String a : project.ao().command(args)) cmd.append('\'').append(a.replace("'", "'\\''")).append("' ");
        List<String> argv = new ArrayList<>(List.of("env", "-u", "CI", "NO_COLOR=1", "TERM=xterm-256color", "HOME=" + project.home()));
        argv.addAll(List.of("script", "-q", "-e", "-c", cmd.toString(), "/dev/null"));
        Processes.Result r = Processes.run(argv, null, project.root(), Duration.ofSeconds(60));
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
        return r.stdout();
    }
}
