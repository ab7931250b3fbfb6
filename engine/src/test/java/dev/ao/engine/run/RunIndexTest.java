package dev.ao.engine.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunIndexTest {
    private static final RunIndex.Query ALL = new RunIndex.Query(null, null, null, null, null, true, 0, 0);

    private static RunRecord run(String id, String label, RunState state, Integer exit, String createdAt, RunRecord.Supervisor s) {
        return new RunRecord(id, label, null, null, null, null, state, exit, null, createdAt, null,
                null, null, null, null, null, s, null, null, null, null, null, null, null, null, null);
    }

    private static RunRecord ended(String id, String label, RunState state, int exit) {
        return run(id, label, state, exit, "2024-01-01T00:00:00Z", null);
    }

    private static void write(RunStore store, RunRecord r) throws Exception {
        Files.createDirectories(store.dir(r.id()));
        store.write(r);
    }

    private static List<String> ids(RunStore store, RunIndex.Query q, List<String> warnings) {
        try (RunIndex index = RunIndex.open(store, warnings::add)) {
            return index.ids(q);
        }
    }

    @Test
    void catchesUpWithNewChangedAndDeletedFolders(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        write(store, ended("20240101-000000-000-aaaa", "a.sh", RunState.SUCCEEDED, 0));
        write(store, ended("20240101-000001-000-bbbb", "b.sh", RunState.FAILED, 1));
        List<String> warnings = new ArrayList<>();
        assertThat(ids(store, ALL, warnings)).containsExactly("20240101-000001-000-bbbb", "20240101-000000-000-aaaa");
        assertThat(d.resolve("index.db")).exists();

        // new
        write(store, ended("20240101-000002-000-cccc", "c.sh", RunState.FAILED, 2));
        // changed by hand: b is now succeeded (mtime moved on so the index sees it)
        write(store, ended("20240101-000001-000-bbbb", "b.sh", RunState.SUCCEEDED, 0));
        Files.setLastModifiedTime(store.dir("20240101-000001-000-bbbb").resolve("run.json"), FileTime.from(Instant.now().plusSeconds(5)));
        // deleted
        RunService.deleteTree(store.dir("20240101-000000-000-aaaa"));

        RunIndex.Query failed = new RunIndex.Query(RunState.FAILED, null, null, null, null, true, 0, 0);
        assertThat(ids(store, failed, warnings)).containsExactly("20240101-000002-000-cccc");
        try (RunIndex index = RunIndex.open(store, warnings::add)) {
            assertThat(index.ids(ALL)).containsExactly("20240101-000002-000-cccc", "20240101-000001-000-bbbb");
            assertThat(index.lastSync().read()).as("nothing changed since the last open").isZero();
            assertThat(index.ids(new RunIndex.Query(null, "b.sh", null, null, null, true, 0, 0))).containsExactly("20240101-000001-000-bbbb");
            assertThat(index.ids(new RunIndex.Query(null, null, null, null, null, true, 1, 1))).containsExactly("20240101-000001-000-bbbb");
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void filtersByTimeParentAndHidesChildrenUnlessAsked(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        write(store, run("20240101-000000-000-aaaa", "old.sh", RunState.SUCCEEDED, 0, "2024-01-01T00:00:00Z", null));
        // Instant.toString drops a zero fraction: the index must still order these times correctly
        write(store, run("20240102-000000-000-bbbb", "new.sh", RunState.SUCCEEDED, 0, "2024-01-02T00:00:00.5Z", null));
        write(store, run("20240102-000000-000-wf00", "flow", RunState.SUCCEEDED, 0, "2024-01-02T00:00:00Z", null)
                .withTree(RunRecord.KIND_WORKFLOW, null, null, null, null));
        write(store, run("20240102-000001-000-ch00", "step", RunState.SUCCEEDED, 0, "2024-01-02T00:00:01Z", null)
                .withTree(RunRecord.KIND_JOB, "20240102-000000-000-wf00", "j", null, 1));
        List<String> w = new ArrayList<>();
        Instant since = Instant.parse("2024-01-02T00:00:00.1Z");
        assertThat(ids(store, new RunIndex.Query(null, null, since, null, null, false, 0, 0), w)).containsExactly("20240102-000000-000-bbbb");
        assertThat(ids(store, new RunIndex.Query(null, null, null, Instant.parse("2024-01-02T00:00:00Z"), null, false, 0, 0), w))
                .containsExactly("20240101-000000-000-aaaa");
        assertThat(ids(store, new RunIndex.Query(null, null, null, null, null, false, 0, 0), w)).doesNotContain("20240102-000001-000-ch00");
        assertThat(ids(store, new RunIndex.Query(null, null, null, null, "20240102-000000-000-wf00", false, 0, 0), w))
                .containsExactly("20240102-000001-000-ch00");
    }

    @Test
    void aGarbageIndexIsRebuiltWithOneWarningAndNothingLost(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        write(store, ended("20240101-000000-000-aaaa", "a.sh", RunState.SUCCEEDED, 0));
        write(store, ended("20240101-000001-000-bbbb", "b.sh", RunState.FAILED, 1));
        List<String> warnings = new ArrayList<>();
        ids(store, ALL, warnings);
        for (String suffix : List.of("-wal", "-shm")) Files.deleteIfExists(d.resolve("index.db" + suffix));
        Files.writeString(d.resolve("index.db"), "this is not a database, just text that is long enough to look like a header".repeat(20));

        assertThat(ids(store, ALL, warnings)).containsExactly("20240101-000001-000-bbbb", "20240101-000000-000-aaaa");
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("index.db").contains("rebuilding").doesNotContain("\n");

        // truncated to nothing: also rebuilt
        Files.write(d.resolve("index.db"), new byte[0]);
        warnings.clear();
        assertThat(ids(store, ALL, warnings)).hasSize(2);
    }

    @Test
    void aLiveRunIsReadAgainEveryTimeAndALostOneShowsAsLost(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        String id = "20240101-000000-000-live";
        write(store, run(id, "slow.sh", RunState.RUNNING, null, "2024-01-01T00:00:00Z", RunRecord.Supervisor.current()));
        List<String> w = new ArrayList<>();
        RunIndex.Query running = new RunIndex.Query(RunState.RUNNING, null, null, null, null, true, 0, 0);
        // a runs folder untouched for a while: the index trusts its mtime and then reads only the live runs
        Files.setLastModifiedTime(store.runsDir(), FileTime.from(Instant.now().minusSeconds(60)));
        assertThat(ids(store, running, w)).containsExactly(id);
        try (RunIndex index = RunIndex.open(store, w::add)) {
            assertThat(index.lastSync().read()).as("only the live run is read again").isEqualTo(1);
        }

        // it ends, and its run.json keeps the same mtime (as two writes in one clock tick would): still seen
        FileTime before = Files.getLastModifiedTime(store.dir(id).resolve("run.json"));
        store.write(run(id, "slow.sh", RunState.SUCCEEDED, 0, "2024-01-01T00:00:00Z", RunRecord.Supervisor.current()));
        Files.setLastModifiedTime(store.dir(id).resolve("run.json"), before);
        assertThat(ids(store, running, w)).isEmpty();
        assertThat(ids(store, new RunIndex.Query(RunState.SUCCEEDED, null, null, null, null, true, 0, 0), w)).containsExactly(id);

        // a new folder moves the runs folder's mtime: seen although the index had trusted the old one
        Files.setLastModifiedTime(store.runsDir(), FileTime.from(Instant.now().minusSeconds(60)));
        ids(store, running, w);
        write(store, ended("20240101-000000-500-late", "late.sh", RunState.FAILED, 1));
        assertThat(ids(store, new RunIndex.Query(RunState.FAILED, null, null, null, null, true, 0, 0), w)).containsExactly("20240101-000000-500-late");

        // a run whose supervisor is gone is lost in the index as in the files
        String dead = "20240101-000001-000-dead";
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        write(store, run(dead, "x.sh", RunState.RUNNING, null, "2024-01-01T00:00:01Z", RunRecord.Supervisor.of(p.toHandle())));
        assertThat(ids(store, new RunIndex.Query(RunState.LOST, null, null, null, null, true, 0, 0), w)).containsExactly(dead);
    }

    @Test
    void queriesReadButNeverWrite(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        write(store, ended("20240101-000000-000-aaaa", "a.sh", RunState.FAILED, 1));
        try (RunIndex index = RunIndex.open(store, w -> { })) {
            RunIndex.Table t = index.query("SELECT state, count(*) AS n FROM runs GROUP BY state");
            assertThat(t.columns()).containsExactly("state", "n");
            assertThat(t.rows()).hasSize(1);
            assertThat(t.rows().get(0).get(0)).isEqualTo("failed");
            for (String bad : List.of("DELETE FROM runs", "ATTACH 'x.db' AS x", "/* */ ATTACH 'x.db' AS x", "VACUUM INTO 'copy.db'", "SELEC 1")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.query(bad))
                        .as(bad).isInstanceOf(dev.ao.engine.AoException.class)
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            }
            assertThat(index.ids(ALL)).hasSize(1);
        }
        assertThat(d.resolve("x.db")).doesNotExist();
        assertThat(d.resolve("copy.db")).doesNotExist();
    }
}
