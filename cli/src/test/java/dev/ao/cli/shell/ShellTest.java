package dev.ao.cli.shell;

import dev.ao.cli.CommandFactory;
import dev.ao.cli.Context;
import dev.ao.cli.Terminal;
import dev.ao.engine.run.Approver;
import dev.ao.engine.run.RunListener;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunRequest;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunState;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shell's completer, history and scripted mode against a real project: real skills folder, real run store. */
class ShellTest {
    @TempDir Path tmp;
    Path project;
    Context ctx;
    String runId;

    @BeforeEach
    void setUp() throws Exception {
        project = tmp.resolve("proj");
        Files.createDirectories(project.resolve("dotcodex"));
        Files.writeString(project.resolve("dotcodex/config.toml"), "");
        skill("demo/hello", "says hello", "echo hello from the sandbox\n",
                "{\"name\":\"hello\",\"script_file\":\"hello.sh\",\"parameters_schema\":{\"type\":\"object\",\"required\":[\"who\"],"
                        + "\"properties\":{\"who\":{\"type\":\"string\",\"description\":\"whom to greet\"},\"loud\":{\"type\":\"boolean\"}}}}");
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", tmp.resolve("home").toString());
        env.put("LANG", "C.UTF-8");
        ctx = new Context(project, env, Terminal.PLAIN);
        // a real run in the real store
        RunService service = ctx.runs();
        RunService.Active active = service.start(service.prepare(RunRequest.of("demo/hello", List.of("who=you"), project)),
                Approver.NOBODY, new RunListener() {});
        RunRecord r = active.await();
        assertThat(r.state()).as(r.toString()).isEqualTo(RunState.SUCCEEDED);
        runId = r.id();
    }

    private void skill(String id, String description, String script, String specJson) throws Exception {
        Path dir = project.resolve("skills").resolve(id);
        Files.createDirectories(dir);
        String name = dir.getFileName().toString();
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\ndescription: " + description + "\n---\nBody.\n");
        Files.writeString(dir.resolve(name + ".sh"), script);
        Files.writeString(dir.resolve("script.json"), specJson);
    }

    private CommandLine.Model.CommandSpec root() {
        return CommandFactory.create(ctx).getCommandSpec();
    }

    /** Candidates for the line as typed so far (cursor at the end), through jline's own parser. */
    private List<Candidate> complete(String typed) {
        List<Candidate> out = new ArrayList<>();
        new ShellCompleter(root(), ctx).complete(null, new DefaultParser().parse(typed, typed.length()), out);
        return out;
    }

    private static List<String> values(List<Candidate> cs) {
        return cs.stream().map(Candidate::value).toList();
    }

    /** Types {@code keys} into a real LineReader with the shell's completer and returns the line it accepts. */
    private String typeInto(String keys) throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (ExternalTerminal t = new ExternalTerminal("test", "xterm-256color",
                new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)), screen, StandardCharsets.UTF_8)) {
            t.setSize(new org.jline.terminal.Size(120, 30));
            LineReader reader = LineReaderBuilder.builder().terminal(t).parser(AoShell.parser())
                    .completer(new ShellCompleter(root(), ctx)).build();
            return reader.readLine("ao> ");
        }
    }

    @Test
    void tabCompletesASkillNameForRunAndSkillShow() throws Exception {
        List<Candidate> run = complete("run ");
        assertThat(values(run)).contains("demo/hello");
        assertThat(run).filteredOn(c -> c.value().equals("demo/hello")).first().extracting(Candidate::descr).isEqualTo("says hello");
        // 'skill show' may still be a placeholder in this tree: check the mapping on a tree that has it
        CommandLine.Model.CommandSpec tree = CommandLine.Model.CommandSpec.create();
        tree.addSubcommand("skill", new CommandLine(CommandLine.Model.CommandSpec.create()
                .addSubcommand("show", new CommandLine(CommandLine.Model.CommandSpec.create()
                        .addPositional(CommandLine.Model.PositionalParamSpec.builder().paramLabel("SKILL").build())))));
        List<Candidate> show = new ArrayList<>();
        new ShellCompleter(tree, ctx).complete(null, new DefaultParser().parse("skill show ", 11), show);
        assertThat(values(show)).containsExactly("demo/hello");
        // on an empty word after 'run', options stay out of the way; after '-' they come, hidden ones never
        assertThat(values(run)).noneMatch(v -> v.startsWith("-"));
        assertThat(values(complete("run demo/hello -"))).contains("--timeout", "--sandbox", "--no-network", "-p").doesNotContain("--run-id");

        assertThat(typeInto("run demo/h\t\n")).isEqualTo("run demo/hello ");
    }

    @Test
    void aSkillAddedBetweenTwoTabsIsOfferedWithoutRestarting() throws Exception {
        ShellCompleter completer = new ShellCompleter(root(), ctx);
        List<Candidate> before = new ArrayList<>();
        completer.complete(null, new DefaultParser().parse("run ", 4), before);
        assertThat(values(before)).containsExactly("demo/hello");
        // as if another terminal added it while this one sits at the prompt
        skill("demo/later", "appears later", "echo later\n", "{\"name\":\"later\",\"script_file\":\"later.sh\"}");
        List<Candidate> out = new ArrayList<>();
        completer.complete(null, new DefaultParser().parse("run ", 4), out);
        assertThat(values(out)).contains("demo/hello", "demo/later");
    }

    @Test
    void tabCompletesARunIdFromTheRunStore() throws Exception {
        for (String cmd : List.of("runs show ", "runs logs ", "ao runs show ")) {
            List<Candidate> c = complete(cmd);
            assertThat(values(c)).as(cmd).containsExactly(runId);
            assertThat(c.get(0).descr()).isEqualTo("demo/hello · succeeded");
        }
        // nothing to cancel or approve: the only run has ended
        assertThat(complete("runs cancel ")).isEmpty();
        assertThat(complete("runs approve ")).isEmpty();

        assertThat(typeInto("runs show " + runId.substring(0, 6) + "\t\n")).isEqualTo("runs show " + runId + " ");
    }

    @Test
    void completesCommandsOptionValuesAndParameterNames() {
        assertThat(values(complete(""))).contains("run", "runs", "doctor", "shell", "config", "exit", "quit", "help");
        assertThat(values(complete("runs "))).contains("list", "ls", "show", "logs", "cancel", "approve", "reject", "prune");
        assertThat(values(complete("help runs "))).contains("list", "show").doesNotContain("exit");
        assertThat(values(complete("runs list -o "))).containsExactlyInAnyOrder("text", "json");
        assertThat(values(complete("runs list --state "))).contains("running", "waiting_approval", "succeeded");
        assertThat(values(complete("run demo/hello --sandbox "))).containsExactly("read-only", "workspace-write", "danger-full-access");
        List<Candidate> params = complete("run demo/hello -p ");
        assertThat(values(params)).containsExactlyInAnyOrder("who=", "loud=");
        assertThat(params).filteredOn(c -> c.value().equals("who=")).first()
                .satisfies(c -> assertThat(c.descr()).isEqualTo("required string: whom to greet"))
                .satisfies(c -> assertThat(c.complete()).isFalse());
        // a given option is not offered again unless it repeats
        assertThat(values(complete("runs list -o json -"))).doesNotContain("-o", "--output").contains("--limit");
        assertThat(values(complete("run demo/hello -p who=x -"))).contains("-p");
    }

    @Test
    void brokenConfigMeansNoSkillCandidatesNotAnError() throws Exception {
        Files.writeString(project.resolve("dotcodex/config.toml"), "[scripts\n");
        ctx.refresh();
        assertThat(values(complete("run "))).isEmpty();
        assertThat(values(complete("runs show "))).isEmpty();
    }

    @Test
    void scriptedCommandsPrintExactlyWhatTheCliPrints() throws Exception {
        String cli = cli("runs", "list", "-o", "json") + cli("config", "show") + cli("runs", "show", runId, "-o", "json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AoShell shell = new AoShell(ctx, new PrintWriter(out), new PrintWriter(err), false);
        int code = shell.script(new BufferedReader(new StringReader(
                "# a comment\n\nruns list -o json\nao config show\nruns show \\\n  " + runId + " -o json\n")));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(cli);
    }

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = CommandFactory.create(ctx);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void scriptedExitCodesFollowTheLastCommandExitAndExitOnError() throws Exception {
        assertThat(script(false, "runs show nope\n")).isEqualTo(2);
        assertThat(script(false, "runs show nope\nconfig path\n")).isZero();
        assertThat(script(false, "exit 3\nruns show nope\n")).isEqualTo(3);
        StringWriter err = new StringWriter();
        int code = new AoShell(ctx, new PrintWriter(new StringWriter()), new PrintWriter(err), true)
                .script(new BufferedReader(new StringReader("config path\nruns show nope\nconfig show\n")));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("no run matches 'nope'", "stopped at line 2");
        StringWriter err2 = new StringWriter();
        int unfinished = new AoShell(ctx, new PrintWriter(new StringWriter()), new PrintWriter(err2), false)
                .script(new BufferedReader(new StringReader("run demo/hello -p 'who=x\n")));
        assertThat(unfinished).isEqualTo(2);
        assertThat(err2.toString()).contains("unfinished");
    }

    private int script(boolean exitOnError, String text) throws Exception {
        return new AoShell(ctx, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), exitOnError)
                .script(new BufferedReader(new StringReader(text)));
    }

    @Test
    void historyKeepsNoLineWithASecretLookingParameter() {
        assertThat(ShellHistory.carriesSecret("run deploy -p api_token=abc")).isTrue();
        assertThat(ShellHistory.carriesSecret("run deploy --param=PASSWORD=x")).isTrue();
        assertThat(ShellHistory.carriesSecret("run deploy -pdb_secret=x")).isTrue();
        assertThat(ShellHistory.carriesSecret("run deploy -p 'aws_secret_access_key=a b'")).isTrue();
        assertThat(ShellHistory.carriesSecret("run deploy -p namespace=prod -p selector=app=web")).isFalse();
        assertThat(ShellHistory.carriesSecret("runs show 20250101")).isFalse();
    }
}
