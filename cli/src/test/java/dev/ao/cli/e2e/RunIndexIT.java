package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ao runs list} is served from {@code .ao/index.db}, which the run folders can always rebuild: what it lists is
 * what the files say, a folder deleted by hand disappears, a garbage index is rebuilt with a warning, and
 * {@code runs query} can read it but never write through it.
 */
class RunIndexIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("index");
        project.script("ok.sh", "echo fine\n");
        project.script("bad.sh", "echo broken >&2\nexit 3\n");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private JsonNode list(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("runs", "list", "-o", "json"));
        args.addAll(List.of(extra));
        if (!args.contains("--limit")) args.addAll(List.of("--limit", "0"));
        Ao.Result r = ao().run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        return JSON.readTree(r.out());
    }

    /** id, label, state and exit code of every run, newest first, straight from the run.json files. */
    private List<String> fromFiles() throws Exception {
        List<String> out = new ArrayList<>();
        List<String> ids = new ArrayList<>(project.runIds());
        ids.sort(Comparator.reverseOrder());
        for (String id : ids) {
            JsonNode n = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
            out.add(n.path("id").asText() + " " + n.path("label").asText() + " " + n.path("state").asText() + " " + n.path("exit_code").asText());
        }
        return out;
    }

    private static List<String> summary(JsonNode listed) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : listed) out.add(n.path("id").asText() + " " + n.path("label").asText() + " " + n.path("state").asText() + " " + n.path("exit_code").asText());
        return out;
    }

    private void runs() {
        for (String s : List.of("ok.sh", "bad.sh", "ok.sh")) ao().run("run", s);
    }

    /** ao with the index always in use: a test history is far below the size where the index starts serving lists. */
    private Ao ao() {
        return project.ao().env("AO_INDEX_FROM", "0");
    }

    @Test
    void theListIsWhatTheFilesSayAndAFolderDeletedByHandDisappears() throws Exception {
        runs();
        List<String> files = fromFiles();
        assertThat(files).hasSize(3);
        assertThat(summary(list())).isEqualTo(files);
        assertThat(project.root().resolve(".ao/index.db")).exists();
        assertThat(summary(list("--state", "failed"))).hasSize(1).allMatch(s -> s.contains(" bad.sh failed 3"));
        assertThat(summary(list("--skill", "ok.sh"))).hasSize(2);
        assertThat(summary(list("--limit", "1", "--offset", "1"))).containsExactly(files.get(1));

        String victim = project.runIds().stream().sorted().findFirst().orElseThrow();
        deleteTree(project.runDir(victim));
        ao().run("run", "bad.sh");
        List<String> now = fromFiles();
        assertThat(now).hasSize(3).noneMatch(s -> s.startsWith(victim));
        assertThat(summary(list())).isEqualTo(now);
    }

    @Test
    void aGarbageIndexIsRebuiltWithAWarningAndTheListIsRight() throws Exception {
        runs();
        list();
        Path db = project.root().resolve(".ao/index.db");
        for (String s : List.of("-wal", "-shm")) Files.deleteIfExists(db.resolveSibling("index.db" + s));
        Files.writeString(db, "garbage, not SQLite ".repeat(100));

        Ao.Result r = ao().run("runs", "list", "--limit", "0", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(summary(JSON.readTree(r.out()))).isEqualTo(fromFiles());
        assertThat(r.err().strip().lines().filter(l -> l.contains("index.db")).count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("rebuilding");
        // and it is a real index again: no warning the next time
        Ao.Result again = ao().run("runs", "list");
        assertThat(again.err()).doesNotContain("index.db");
        assertThat(again.out()).contains("bad.sh").contains("failed");
    }

    @Test
    void queryReadsButRefusesToWriteOrAttach() throws Exception {
        runs();
        Ao.Result q = ao().run("runs", "query", "-o", "json", "SELECT state, count(*) AS n FROM runs GROUP BY state ORDER BY state");
        assertThat(q.exit()).as(q.toString()).isZero();
        JsonNode rows = JSON.readTree(q.out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("state").asText()).isEqualTo("failed");
        assertThat(rows.get(0).path("n").asInt()).isEqualTo(1);
        assertThat(rows.get(1).path("n").asInt()).isEqualTo(2);
        Ao.Result table = ao().run("runs", "query", "SELECT label FROM runs WHERE exit_code = 3");
        assertThat(table.out()).contains("label").contains("bad.sh");

        for (String bad : List.of("DELETE FROM runs", "ATTACH DATABASE 'other.db' AS o", "SELEC * FROM runs")) {
            Ao.Result r = ao().run("runs", "query", bad);
            assertThat(r.exit()).as(bad + ": " + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
        }
        assertThat(project.root().resolve("other.db")).doesNotExist();
        assertThat(summary(list())).hasSize(3);
    }

    @Test
    void reindexRebuildsAndSaysHowMany() throws Exception {
        runs();
        Ao.Result r = ao().run("runs", "reindex");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("indexed 3 run(s)");
        assertThat(summary(list())).isEqualTo(fromFiles());
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
