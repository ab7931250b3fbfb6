package dev.ao.engine.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunStoreTest {

    private static RunRecord queued(String id, RunRecord.Supervisor s) {
        return new RunRecord(id, "x.sh", null, null, null, null, RunState.QUEUED, null, null, Instant.now().toString(), null,
                null, null, null, null, null, s, null, null, null, null, null, null, null, null, null);
    }

    private static void age(Path dir) throws Exception {
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void everyRunFolderIsListedAndOneWithoutRunJsonIsLostOnceItIsNotBeingCreated(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d);
        String bare = "20200101-000000-000-aaaa";
        Files.createDirectories(d.resolve(bare));
        Files.writeString(d.resolve(bare).resolve("fix.sh"), "echo hi");
        age(d.resolve(bare));
        String broken = "20200101-000000-001-bbbb";
        Files.createDirectories(d.resolve(broken));
        Files.writeString(d.resolve(broken).resolve("run.json"), "{\"id\": ");
        age(d.resolve(broken));
        String fresh = store.newRunDir();

        List<RunRecord> all = store.list(r -> true, 0);
        assertThat(all).extracting(RunRecord::id).containsExactly(fresh, broken, bare);
        RunRecord b = store.read(bare).orElseThrow();
        assertThat(b.state()).isEqualTo(RunState.LOST);
        assertThat(b.label()).isEqualTo("fix.sh");
        assertThat(b.reason()).contains("no run.json").contains("fix.sh");
        assertThat(b.createdAt()).isEqualTo("2020-01-01T00:00:00Z");
        assertThat(store.read(broken).orElseThrow().reason()).contains("run.json is unreadable");
        assertThat(store.read(fresh).orElseThrow().state()).as("a folder being created right now").isEqualTo(RunState.QUEUED);
        // nothing was written into folders ao does not understand
        assertThat(d.resolve(bare).resolve("run.json")).doesNotExist();

        store.delete(bare);
        assertThat(d.resolve(bare)).doesNotExist();
    }

    @Test
    void aRunWhoseSupervisorIsGoneIsLostWithWhatTheSupervisorLastSaid(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d);
        String id = store.newRunDir();
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        store.write(queued(id, RunRecord.Supervisor.of(p.toHandle())));
        Files.writeString(d.resolve(id).resolve(DetachedRuns.SUPERVISOR_LOG), "ao: no such file: /p/gone.sh\n");
        RunRecord r = store.read(id).orElseThrow();
        assertThat(r.state()).isEqualTo(RunState.LOST);
        assertThat(r.reason()).contains("pid " + p.pid()).contains("its supervisor said: ao: no such file: /p/gone.sh");
        assertThat(Files.readString(d.resolve(id).resolve("run.json"))).contains("\"state\" : \"lost\"");

        String old = "20200101-000000-000-cccc";
        Files.createDirectories(d.resolve(old));
        store.write(queued(old, null));
        assertThat(store.read(old).orElseThrow().state()).as("no supervisor ever recorded").isEqualTo(RunState.LOST);
        String live = store.newRunDir();
        store.write(queued(live, RunRecord.Supervisor.current()));
        assertThat(store.read(live).orElseThrow().state()).isEqualTo(RunState.QUEUED);
    }

    @Test
    void originIsRecordedAndARunJsonWithoutOneWasStartedFromTheCli(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d);
        Files.createDirectories(d.resolve("20240101-000000-000-aaaa"));
        store.write(queued("20240101-000000-000-aaaa", RunRecord.Supervisor.current()).withOrigin(RunRecord.ORIGIN_MCP));
        assertThat(Files.readString(d.resolve("20240101-000000-000-aaaa").resolve(RunStore.RUN_JSON))).contains("\"origin\" : \"mcp\"");
        assertThat(store.read("20240101-000000-000-aaaa").orElseThrow().origin()).isEqualTo("mcp");
        assertThat(store.read("20240101-000000-000-aaaa").orElseThrow().withState(RunState.RUNNING, null).origin()).isEqualTo("mcp");
        Path old = d.resolve("20240101-000000-000-bbbb");
        Files.createDirectories(old);
        Files.writeString(old.resolve(RunStore.RUN_JSON), "{\"id\":\"20240101-000000-000-bbbb\",\"label\":\"x.sh\",\"state\":\"succeeded\","
                + "\"created_at\":\"2024-01-01T00:00:00Z\"}");
        assertThat(store.read("20240101-000000-000-bbbb").orElseThrow().origin()).isEqualTo("cli");
    }
}
