package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The everyday rough edges of issue 11: outputs as lines, -f without a repeated line, a refusal that says why, summaries citing kept files. */
class RunsEverydayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("everyday");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private String lastId() {
        List<String> ids = project.runIds();
        return ids.get(ids.size() - 1);
    }

    @Test
    void outputsAreKeyValueLinesAndFollowPrintsTheLastLineOnce() {
        project.script("t.sh", "#!/bin/bash\necho one\necho 'k=v' >> \"$AO_OUTPUT\"\necho 'other=x y' >> \"$AO_OUTPUT\"\necho the-last-line\n");
        Ao.Result r = project.ao().run("run", "t.sh", "-f");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.contains("the-last-line")).count()).as(r.stdout()).isEqualTo(1);
        assertThat(r.stdout()).startsWith("one\n");
        Ao.Result show = project.ao().run("runs", "show", lastId());
        assertThat(show.stdout()).contains("\n    k = v\n    other = x y\n").doesNotContain("{k=v");
    }

    @Test
    void aRunRefusedWithoutATerminalSaysSo() {
        project.script("gated/a.sh", "#!/bin/bash\necho ran > \"$AO_WORKSPACE/ran\"\necho hi\n");
        project.write("gated/script.json", "{\"script_file\": \"a.sh\", \"risk\": \"approval_required\"}");
        Ao.Result r = project.ao().run("run", "gated/a.sh");
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.stdout() + r.stderr()).contains("approval required; not at a terminal (pass --approve)").doesNotContain("rejected by nobody");
        Ao.Result show = project.ao().run("runs", "show", lastId(), "-o", "json");
        assertThat(show.stdout()).contains("not at a terminal (pass --approve)");
    }

    @Test
    void templateSummariesCiteFilesThatOutliveTheWorkspace() throws Exception {
        for (String lang : List.of("python", "bash", "js")) {
            Ao.Result made = project.ao().run("skill", "new", "ops/t-" + lang, "--script", lang);
            assertThat(made.exit()).as(made.toString()).isZero();
            project.giveToItUser();
            Ao.Result r = project.ao().run("run", "ops/t-" + lang, "-p", "dry_run=true", "-o", "json");
            assertThat(r.exit()).as(lang + ": " + r).isZero();
            JsonNode j = JSON.readTree(r.stdout());
            String summary = j.path("summary").asText();
            assertThat(summary).as(lang).contains("Raw output: `raw.log` in the run's artifacts");
            assertThat(summary).as(lang).doesNotContain("/workspace/");
            Path runDir = project.runDir(j.path("id").asText());
            assertThat(runDir.resolve("workspace")).as(lang + ": the workspace is removed").doesNotExist();
            assertThat(runDir.resolve("artifacts/raw.log")).as(lang).exists();
        }
    }
}
