package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What an agent (or a person) gets back is enough to act on: the failure's reason, JSON errors, exit codes, pages. */
class AgentOutputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("agent-output");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    @Test
    void aFailedRunsSummaryCarriesTheEndOfStderrNotOnlyTheLastStdoutLine() throws Exception {
        project.write("db/script.json", """
                {"name": "db", "script_file": "db.sh",
                 "parameters_schema": {"type": "object", "properties": {"password": {"type": "string", "secret": true}}}}
                """);
        project.script("db/db.sh", """
                #!/bin/bash
                for i in 1 2 3 4 5; do echo "step $i ok"; done
                echo "psql: connection to db:5432 refused (password $AO_PARAM_PASSWORD)" >&2
                exit 3
                """);
        Ao.Result r = project.ao().run("run", "db", "-p", "password=s3cr3t-value");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).contains("step 5 ok").contains("stderr (last line):")
                .contains("psql: connection to db:5432 refused (password ***)");
        assertThat(r.stdout() + r.stderr()).doesNotContain("s3cr3t-value");

        Ao.Result j = project.ao().run("run", "db", "-p", "password=s3cr3t-value", "-o", "json");
        assertThat(j.exit()).isEqualTo(3);
        JsonNode n = JSON.readTree(j.stdout());
        assertThat(n.path("summary").asText()).contains("step 5 ok").contains("refused (password ***)");
        assertThat(n.path("stderr_tail").get(0).asText()).isEqualTo("psql: connection to db:5432 refused (password ***)");
        assertThat(j.stdout()).doesNotContain("s3cr3t-value");
        String id = n.path("id").asText();
        assertThat(project.read(project.runDir(id).resolve("run.json"))).doesNotContain("s3cr3t-value").contains("refused (password ***)");
    }

    @Test
    void withJsonOutputAnErrorIsAJsonObjectOnStdoutAsWellAsALineOnStderr() throws Exception {
        Ao.Result r = project.ao().run("run", "no-such-skill", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        JsonNode e = JSON.readTree(r.stdout()).path("error");
        assertThat(e.path("code").asInt()).isEqualTo(2);
        assertThat(e.path("message").asText()).contains("no-such-skill");
        assertThat(r.stderr()).startsWith("ao: ").contains("no-such-skill");

        // an option that does not parse: picocli's error, same shape
        Ao.Result bad = project.ao().run("runs", "list", "--limit", "many", "-o", "json");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(JSON.readTree(bad.stdout()).path("error").path("message").asText()).contains("--limit");

        // refused for approval in CI: one document, the error, naming the run
        project.write("risky/script.json", "{\"name\": \"risky\", \"script_file\": \"r.sh\", \"risk\": \"approval_required\"}");
        project.script("risky/r.sh", "#!/bin/bash\necho hi\n");
        Ao.Result refused = project.ao().run("run", "risky", "-o", "json");
        assertThat(refused.exit()).isEqualTo(126);
        JsonNode err = JSON.readTree(refused.stdout());
        assertThat(err.path("error").path("code").asInt()).isEqualTo(126);
        assertThat(err.path("error").path("message").asText()).contains("needs approval").contains(project.runIds().get(0));

        // text output stays text
        Ao.Result text = project.ao().run("run", "no-such-skill");
        assertThat(text.stdout()).isEmpty();
    }

    @Test
    void runsWaitAndLogsFollowExitWithTheRunsExitCode() throws Exception {
        project.script("five.sh", "#!/bin/bash\nsleep 1\necho 'half way'\necho 'gave up' >&2\nexit 5\n");
        String id = project.ao().run("run", "five.sh", "--detach").stdout().strip();
        Ao.Result follow = project.ao().run(60, "runs", "logs", id, "-f");
        assertThat(follow.exit()).as(follow.toString()).isEqualTo(5);
        assertThat(follow.stdout()).contains("half way");
        Ao.Result waited = project.ao().run(60, "runs", "wait", id);
        assertThat(waited.exit()).as(waited.toString()).isEqualTo(5);
        assertThat(waited.stdout()).contains("half way").contains("gave up");

        project.script("slow.sh", "#!/bin/bash\nsleep 30\n");
        String slow = project.ao().run("run", "slow.sh", "--detach").stdout().strip();
        long start = System.nanoTime();
        Ao.Result timedOut = project.ao().run(60, "runs", "wait", slow, "--timeout", "1");
        assertThat(timedOut.exit()).as(timedOut.toString()).isEqualTo(124);
        assertThat(timedOut.stderr()).contains("run " + slow + " is still").contains("ao runs wait " + slow);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(20_000);
        assertThat(project.ao().run("runs", "cancel", slow).exit()).isZero();
        assertThat(project.ao().run(60, "runs", "wait", slow).exit()).isEqualTo(130);
    }

    @Test
    void logsPageByOffsetAndLimitAndFilterWithGrep() throws Exception {
        project.script("many.sh", "#!/bin/bash\nfor i in $(seq 1 200); do if (( i % 50 == 0 )); then echo \"ERROR at $i\"; else echo \"line $i\"; fi; done\necho done\n");
        Ao.Result run = project.ao().run("run", "many.sh", "-o", "json");
        String id = JSON.readTree(run.stdout()).path("id").asText();

        Ao.Result p1 = project.ao().run("runs", "logs", id, "--limit", "21");
        assertThat(p1.stdout()).isEqualTo("line 1\nline 2\nline 3\n");
        assertThat(p1.stderr()).contains("next offset: 21").contains("--offset 21 --limit 21");
        Ao.Result p2 = project.ao().run("runs", "logs", id, "--offset", "21", "--limit", "14");
        assertThat(p2.stdout()).isEqualTo("line 4\nline 5\n");

        Ao.Result grep = project.ao().run("runs", "logs", id, "--grep", "^ERROR", "-o", "json");
        JsonNode g = JSON.readTree(grep.stdout());
        assertThat(g.path("text").asText()).isEqualTo("ERROR at 50\nERROR at 100\nERROR at 150\nERROR at 200\n");
        assertThat(g.path("eof").asBoolean()).isTrue();
        assertThat(g.path("next_offset").asLong()).isEqualTo(g.path("size").asLong());

        Ao.Result json = project.ao().run("runs", "logs", id, "--limit", "7", "-o", "json");
        JsonNode j = JSON.readTree(json.stdout());
        assertThat(j.path("text").asText()).isEqualTo("line 1\n");
        assertThat(j.path("next_offset").asLong()).isEqualTo(7);
        assertThat(j.path("eof").asBoolean()).isFalse();

        Ao.Result badRe = project.ao().run("runs", "logs", id, "--grep", "(", "-o", "json");
        assertThat(badRe.exit()).isEqualTo(2);
        assertThat(JSON.readTree(badRe.stdout()).path("error").path("message").asText()).contains("--grep");
    }

    @Test
    void positionalArgumentsFollowTheParametersAndOpenSchemaBooleansAreBareFlags() throws Exception {
        project.script("args.sh", "#!/bin/bash\nfor a in \"$@\"; do echo \"[$a]\" >> \"$AO_SUMMARY\"; done\n");
        Ao.Result r = project.ao().run("run", "args.sh", "-p", "verbose=true", "-p", "quiet=false", "-p", "name=web", "--",
                "first", "two words", "--not-an-ao-flag");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("[--verbose]\n[--name]\n[web]\n[first]\n[two words]\n[--not-an-ao-flag]\n");

        // the detached supervisor gets them too, after its own --run-id
        String id = project.ao().run("run", "args.sh", "--detach", "--", "a", "--run-id", "b").stdout().strip();
        Ao.Result waited = project.ao().run(60, "runs", "wait", id);
        assertThat(waited.exit()).as(waited.toString()).isZero();
        assertThat(waited.stdout()).isEqualTo("[a]\n[--run-id]\n[b]\n");
    }
}
