package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ao completion} loaded into a real bash, zsh and fish, with {@code ao} on their PATH as a person has it,
 * completing the bundled skills and a real run; {@code ao help}, did-you-mean and the help text around them.
 */
class CompletionIT {
    private TestProject project;
    private Ao ao;
    private Path bin;

    @BeforeEach
    void setUp() throws IOException {
        // the shells start ao themselves; the non-root pass is for the sandbox suites
        assumeTrue(Ao.itUid().isEmpty(), "the shells start ao as the test's own user");
        project = TestProject.create("completion");
        project.config("[skills]\npaths = [\"" + Ao.repo().resolve("skills") + "\"]\n");
        ao = project.ao();
        bin = Files.createDirectories(project.base().resolve("bin"));
        Path launcher = bin.resolve("ao");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -jar '" + Ao.jar() + "' \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() {
        if (project != null) project.close();
    }

    private static boolean installed(String shell) {
        for (String dir : System.getenv("PATH").split(":")) if (Files.isExecutable(Path.of(dir, shell))) return true;
        return false;
    }

    /** Runs {@code shell args...} in the project with ao first on PATH; returns stdout, failing on a non-zero exit. */
    private String shell(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.root().toFile());
        pb.environment().clear();
        pb.environment().putAll(ao.env());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Path out = Files.createTempFile(project.base(), "out", ".txt");
        Path err = Files.createTempFile(project.base(), "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s\n%s\n%s", String.join(" ", command), stdout, Files.readString(err)).isZero();
        return stdout;
    }

    private List<String> lines(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** A real run in the store, and two run folders whose names a shell would have to quote or would run. */
    private String realRunAndHostileFolders() throws IOException {
        project.write("hello.sh", "echo hello\n");
        Ao.Result r = ao.run("run", "./hello.sh");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = project.runIds().get(0);
        Files.createDirectories(project.runs().resolve("bad id"));
        Files.createDirectories(project.runs().resolve("$(touch pwned)"));
        return id;
    }

    /** Calls the registered function the way bash's completion does, once per line of {@code cases}. */
    private static String bashCalls(List<List<String>> cases) {
        StringBuilder s = new StringBuilder("source <(ao completion bash) || exit 1\n");
        s.append("f=$(complete -p ao | sed -E 's/.*-F ([^ ]+).*/\\1/')\n");
        for (List<String> words : cases) {
            s.append("COMP_WORDS=(");
            for (String w : words) s.append('\'').append(w).append("' ");
            s.append("); COMP_CWORD=").append(words.size() - 1).append("; COMPREPLY=(); $f; echo \"==${COMPREPLY[*]}\"\n");
        }
        return s.toString();
    }

    @Test
    void bashCompletesSkillIdsRunIdsAndParameterNamesFromTheProject() throws Exception {
        String id = realRunAndHostileFolders();
        String out = shell("bash", "-c", bashCalls(List.of(
                List.of("ao", "run", "logs/er"),
                List.of("ao", "runs", "show", ""),
                List.of("ao", "run", "logs/error-summary", "-p", ""),
                List.of("ao", "ru"),
                List.of("ao", "skill", "sh"))));
        List<String> answers = lines(out);
        assertThat(answers).containsExactly("==logs/error-summary", "==" + id, "==path= top= pattern=", "==run runs", "==show");
        assertThat(project.root().resolve("pwned")).as("a run folder's name is never evaluated").doesNotExist();
    }

    @Test
    void completeListsOnlyWordsAShellCanTakeAsTyped() throws Exception {
        String id = realRunAndHostileFolders();
        Ao.Result runs = ao.run("__complete", "runs");
        assertThat(runs.exit()).as(runs.toString()).isZero();
        assertThat(lines(runs.out())).containsExactly(id);
        assertThat(lines(ao.run("__complete", "skills").out())).contains("logs/error-summary", "k8s/bulk-restart");
        assertThat(lines(ao.run("__complete", "params", "logs/error-summary").out())).containsExactlyInAnyOrder("path=", "top=", "pattern=");
        assertThat(ao.run("__complete", "params", "no/such-skill").out()).isEmpty();
        assertThat(ao.run("--help").out()).doesNotContain("__complete");
    }

    @Test
    void zshCompletesTheSameThroughBashcompinit() throws Exception {
        assumeTrue(installed("zsh"), "zsh is not installed (.ci/run installs it)");
        String id = realRunAndHostileFolders();
        // bashcompinit calls the function with zsh's 1-based COMP_WORDS and a 0-based COMP_CWORD, as here
        String script = "autoload -U compinit; compinit -u; source <(ao completion zsh) || exit 1\n"
                + "COMP_WORDS=(ao run logs/er); COMP_CWORD=2; _ao; echo \"==${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(ao runs logs ''); COMP_CWORD=3; COMPREPLY=(); _ao; echo \"==${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(ao run logs/error-summary -p ''); COMP_CWORD=4; COMPREPLY=(); _ao; echo \"==${COMPREPLY[*]}\"\n";
        List<String> answers = lines(shell("zsh", "-f", "-c", script));
        assertThat(answers).containsExactly("==logs/error-summary", "==" + id, "==path= top= pattern=");
        assertThat(project.root().resolve("pwned")).doesNotExist();
    }

    @Test
    void fishScriptParsesAndCompletes() throws Exception {
        Ao.Result fish = ao.run("completion", "fish");
        assertThat(fish.exit()).as(fish.toString()).isZero();
        assertThat(fish.out()).contains("complete -c ao").contains("__complete");
        assumeTrue(installed("fish"), "fish is not installed (.ci/run installs it)");
        Path file = project.base().resolve("ao.fish");
        Files.writeString(file, fish.out());
        shell("fish", "--no-config", "-n", file.toString());
        String id = realRunAndHostileFolders();
        String out = shell("fish", "--no-config", "-c", "ao completion fish | source\n"
                + "complete -C 'ao run logs/er'; echo ==\ncomplete -C 'ao runs wait '; echo ==\n"
                + "complete -C 'ao run logs/error-summary -p '");
        String[] parts = out.split("==\n");
        assertThat(firstColumn(parts[0])).containsExactly("logs/error-summary");
        assertThat(firstColumn(parts[1])).containsExactly(id);
        assertThat(firstColumn(parts[2])).containsExactlyInAnyOrder("path=", "top=", "pattern=");
    }

    private List<String> firstColumn(String s) {
        List<String> out = new ArrayList<>();
        for (String l : lines(s)) out.add(l.split("\t")[0]);
        return out;
    }

    @Test
    void anUnknownShellIsOneLineNamingTheOnesThereAre() {
        Ao.Result r = ao.run("completion", "tcsh");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo("ao: no completion for shell 'tcsh'; ao completion takes bash, zsh, fish");
    }

    @Test
    void helpCommandPrintsWhatHelpOptionPrints() {
        Ao.Result help = ao.run("help", "run");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).isEqualTo(ao.run("run", "--help").out()).contains("Usage: ao run");
        assertThat(ao.run("help", "runs", "wait").out()).isEqualTo(ao.run("runs", "wait", "--help").out());
        assertThat(ao.run("help").out()).isEqualTo(ao.run("--help").out()).contains("completion", "help");
    }

    @Test
    void anUnknownCommandSuggestsTheNearest() {
        Ao.Result r = ao.run("rnu");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("ao: unknown command 'rnu'; did you mean 'run'?");
        Ao.Result nested = ao.run("skill", "shwo", "x");
        assertThat(nested.exit()).isEqualTo(2);
        assertThat(nested.err().strip()).isEqualTo("ao: unknown command 'skill shwo'; did you mean 'skill show'?");
        Ao.Result help = ao.run("help", "rnu");
        assertThat(help.exit()).isEqualTo(2);
        assertThat(help.err().strip()).isEqualTo("ao: unknown command 'rnu'; did you mean 'run'?");
        Ao.Result far = ao.run("frobnicate");
        assertThat(far.exit()).isEqualTo(2);
        assertThat(far.err().strip()).isEqualTo("ao: unknown command 'frobnicate'; see 'ao --help'");
    }

    @Test
    void anUnknownSkillSuggestsTheNearestId() {
        Ao.Result r = ao.run("run", "logs/eror-summary");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no skill or script named 'logs/eror-summary'").contains("did you mean 'logs/error-summary'?");
        assertThat(project.runIds()).isEmpty();
        Ao.Result bare = ao.run("run", "error-sumary");
        assertThat(bare.err()).contains("did you mean 'logs/error-summary'?");
    }

    @Test
    void groupHelpShowsEachSubcommandsFirstSentenceWhole() {
        String help = ao.run("skill", "--help").out();
        String commands = help.substring(help.indexOf("Commands:")).replaceAll("\\s+", " ");
        assertThat(commands)
                .contains("lint Check skills and their scripts: YAML, name and description, name = folder, script.json, "
                        + "parameters_schema as JSON Schema, script file and extension, the SCRIPT-FIRST directive, broken links.")
                .doesNotContain("Prints file:line")
                .contains("add Add a git repository of skills: clone it into .ao/sources/NAME and pin its commit in "
                        + "dotcodex/skills.lock (commit that file: teammates and CI then get the same skills).");
    }

    @Test
    void exitCodesAreShownWhereTheyMeanSomething() {
        assertThat(ao.run("run", "--help").out()).contains("Exit codes:").contains("124  the run timed out");
        assertThat(ao.run("runs", "wait", "--help").out()).contains("Exit codes:").contains("--timeout passed first");
        assertThat(ao.run("tui", "--help").out()).doesNotContain("Exit codes").doesNotContain("124");
        assertThat(ao.run("skill", "--help").out()).doesNotContain("Exit codes");
    }
}
