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
    void aTruncatedOrDeletedIndexIsRebuiltAndNothingIsLost() throws Exception {
        runs();
        list();
        Path db = project.root().resolve(".ao/index.db");
        ao().run("runs", "reindex");   // everything in the main file, so cutting it cuts real pages
        for (String s : List.of("-wal", "-shm")) Files.deleteIfExists(db.resolveSibling("index.db" + s));
        byte[] whole = Files.readAllBytes(db);
        assertThat(whole.length).isGreaterThan(4096);
        // cut in the middle of its pages: SQLite says the image is malformed, ao says so once and rebuilds
        Files.write(db, java.util.Arrays.copyOf(whole, whole.length / 2 + 100));
        Ao.Result r = ao().run("runs", "list", "--limit", "0", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(summary(JSON.readTree(r.out()))).isEqualTo(fromFiles());
        assertThat(r.err().strip().lines().filter(l -> l.contains("index.db")).count()).as(r.err()).isLessThanOrEqualTo(1);

        // deleted (with its WAL): built again from the folders, no run missing
        for (String s : List.of("", "-wal", "-shm")) Files.deleteIfExists(db.resolveSibling("index.db" + s));
        assertThat(summary(list())).isEqualTo(fromFiles());
        assertThat(db).exists();
        // emptied to nothing: the same
        Files.write(db, new byte[0]);
        assertThat(summary(list("--state", "failed"))).hasSize(1).allMatch(l -> l.contains(" bad.sh failed 3"));
        assertThat(summary(list())).isEqualTo(fromFiles());
    }

    /**
     * ao dies (as by kill -9: the test hook halts the JVM) right after the final run.json is written, while the index
     * still holds the run as running: the next reader repairs the row from the file.
     */
    @Test
    void aCrashRightAfterTheFinalRunJsonIsRepairedByTheNextReader() throws Exception {
        project.script("wait.sh", "while [ ! -e \"$AO_WORKSPACE/go\" ]; do sleep 0.1; done\necho released\n");
        Path out = project.root().resolve("crash.out");
        Path err = project.root().resolve("crash.err");
        Process p = ao().env("AO_TEST_CRASH", "after-run-json").start(out, err, "run", "wait.sh", "--timeout", "120");
        try {
            JsonNode running = awaitRunning(p);
            String id = running.path("id").asText();
            // the index now holds the run as running
            assertThat(summary(list("--state", "running"))).hasSize(1).allMatch(l -> l.startsWith(id));
            Files.writeString(Path.of(running.path("workspace").asText()).resolve("go"), "");
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("halted by the hook: " + Files.readString(err)).isEqualTo(137);
            JsonNode file = JSON.readTree(project.runDir(id).resolve("run.json").toFile());
            assertThat(file.path("state").asText()).isEqualTo("succeeded");

            assertThat(summary(list("--state", "running"))).isEmpty();
            assertThat(summary(list())).isEqualTo(fromFiles()).hasSize(1).allMatch(l -> l.contains("succeeded"));
            Ao.Result q = ao().run("runs", "query", "-o", "json", "SELECT state FROM runs WHERE id = '" + id + "'");
            assertThat(JSON.readTree(q.out()).get(0).path("state").asText()).as(q.toString()).isEqualTo("succeeded");
        } finally {
            p.destroyForcibly();
            p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private JsonNode awaitRunning(Process p) throws Exception {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            assertThat(p.isAlive()).as("ao ended early").isTrue();
            for (String id : project.runIds()) {
                Path f = project.runDir(id).resolve("run.json");
                if (!Files.exists(f)) continue;
                JsonNode n = JSON.readTree(f.toFile());
                if (n.path("state").asText().equals("running") && n.hasNonNull("workspace")) return n;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the run never got to running");
    }

    /**
     * 200 runs from separate ao processes, a few at a time, with readers listing (and so writing the index) between
     * them: at the end the index lists exactly what the files say.
     */
    @Test
    void theIndexAgreesWithTheFilesAfter200ConcurrentRuns() throws Exception {
        int total = 200, readers = 20, parallel = 6;
        // fails for about a quarter of the ids (their last hex digit), so the states differ
        project.script("t.sh", "echo \"$AO_RUN_ID\"\ncase \"$AO_RUN_ID\" in *[0-3]) exit 1;; esac\n");
        // short-lived JVMs: the start-up the ./ao launcher gives, a class data archive recorded by the first run
        Path jsa = project.root().resolve("ao.jsa");
        Ao train = ao().jvm("-XX:ArchiveClassesAtExit=" + jsa).jvm("-Xlog:cds=off").jvm("-Xlog:cds+dynamic=off");
        Ao.Result first = train.run(180, "run", "t.sh");
        assertThat(first.exit()).as(first.toString()).isIn(0, 1);
        Ao fast = ao();
        if (Files.exists(jsa)) fast.jvm("-XX:SharedArchiveFile=" + jsa);
        fast.jvm("-Xshare:auto").jvm("-Xlog:cds=off").jvm("-Xlog:cds+dynamic=off").jvm("-XX:+UseSerialGC").jvm("-XX:TieredStopAtLevel=1");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
        List<java.util.concurrent.Future<Ao.Result>> done = new ArrayList<>();
        try {
            for (int i = 1; i < total + readers; i++) {
                boolean reader = i % ((total + readers) / readers) == 5;
                done.add(pool.submit(() -> reader ? fast.run(180, "runs", "list", "--limit", "5") : fast.run(180, "run", "t.sh")));
            }
            for (var f : done) {
                Ao.Result r = f.get();
                assertThat(r.exit()).as(r.toString()).isIn(0, 1);
                if (r.err().contains("ao: warning")) throw new AssertionError("a warning under concurrency: " + r);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(project.runIds()).hasSize(total);
        List<String> files = fromFiles();
        assertThat(summary(list())).isEqualTo(files);
        assertThat(summary(list("--state", "failed")).size() + summary(list("--state", "succeeded")).size()).isEqualTo(files.size());
        Ao.Result count = ao().run("runs", "query", "-o", "json", "SELECT count(*) AS n FROM runs");
        assertThat(JSON.readTree(count.out()).get(0).path("n").asInt()).isEqualTo(files.size());
    }

    @Test
    void completionOffersTheRunIdsFromTheIndex() throws Exception {
        runs();
        Ao.Result c = ao().run("__complete", "runs");
        assertThat(c.exit()).as(c.toString()).isZero();
        List<String> ids = new ArrayList<>(project.runIds());
        ids.sort(Comparator.reverseOrder());
        assertThat(c.out().strip().lines().toList()).isEqualTo(ids);
        String victim = ids.get(1);
        deleteTree(project.runDir(victim));
        ao().run("run", "ok.sh");
        List<String> now = new ArrayList<>(project.runIds());
        now.sort(Comparator.reverseOrder());
        assertThat(ao().run("__complete", "runs").out().strip().lines().toList()).isEqualTo(now).doesNotContain(victim);
        // a prefix narrows it in the index
        assertThat(ao().run("__complete", "runs", now.get(0)).out().strip()).isEqualTo(now.get(0));
    }

    /** [runs] retention: pruned by 'ao runs prune' and at most once a day after a run; the index follows. */
    @Test
    void retentionPrunesByTheConfigAndAtMostOnceADayAfterARun() throws Exception {
        project.config("[runs]\nkeep_count = 2\n");
        for (int i = 0; i < 4; i++) assertThat(ao().run("run", "ok.sh").exit()).isZero();
        // the first run pruned (nothing to remove yet) and stamped the day: the next three did not prune
        Path stamp = project.root().resolve(".ao/prune.stamp");
        assertThat(stamp).exists();
        assertThat(project.runIds()).hasSize(4);

        List<String> before = project.runIds();
        Ao.Result dry = ao().run("runs", "prune", "--dry-run", "-o", "json");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        JsonNode d = JSON.readTree(dry.out());
        assertThat(d.path("dry_run").asBoolean()).isTrue();
        assertThat(d.path("removed").asInt()).isEqualTo(2);
        assertThat(d.path("bytes_freed").asLong()).isPositive();
        assertThat(d.path("runs")).extracting(JsonNode::asText).containsExactly(before.get(1), before.get(0));
        assertThat(project.runIds()).isEqualTo(before);
        Ao.Result text = ao().run("runs", "prune", "--dry-run", "--keep-count", "3");
        assertThat(text.out()).startsWith("would remove 1 run(s), ").contains(" to free; kept 3");

        // a day later (the stamp says so) the next run prunes, and says it did
        Files.setLastModifiedTime(stamp, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofHours(25))));
        Ao.Result r = ao().run("run", "ok.sh");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("pruned 3 old run(s)");
        assertThat(project.runIds()).hasSize(2).doesNotContainAnyElementsOf(before.subList(0, 3));
        assertThat(summary(list())).isEqualTo(fromFiles());

        Ao.Result none = project.ao().env("AO_RUNS_KEEP_COUNT", "0").run("runs", "prune");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err().strip().lines().count()).isEqualTo(1);
        assertThat(none.err()).contains("no retention is set");
        Ao.Result bad = ao().run("runs", "prune", "--keep-days", "-1");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--keep-days");
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
