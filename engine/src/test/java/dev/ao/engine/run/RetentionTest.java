package dev.ao.engine.run;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention on a history written with chosen times: exactly the runs the settings say go, never a live one, and a
 * workflow's children only with their parent.
 */
class RetentionTest {
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private final Instant now = Instant.now();
    private int serial;

    /** A run created {@code daysAgo} days ago that ended a minute later (live runs: not ended), with a sortable id. */
    private String run(RunStore store, double daysAgo, RunState state, String parent, String kind) throws Exception {
        Instant created = now.minus(Duration.ofMinutes((long) (daysAgo * 24 * 60)));
        String id = ID.format(created) + String.format("-%04x", serial++);
        RunRecord r = new RunRecord(id, "x.sh", null, null, null, null, state, state.terminal() ? 0 : null, null, created.toString(),
                created.toString(), state.terminal() ? created.plusSeconds(60).toString() : null, null, null, null, null,
                state.terminal() ? null : RunRecord.Supervisor.current(), null, null, null, null, null, null, null, null, null);
        if (kind != null) r = r.withTree(kind, parent, parent == null ? null : "job", null, parent == null ? null : 1);
        Files.createDirectories(store.dir(id));
        store.write(r);
        Files.writeString(store.dir(id).resolve(RunStore.STDOUT), "x".repeat(1000));
        return id;
    }

    private String ended(RunStore store, double daysAgo, RunState state) throws Exception {
        return run(store, daysAgo, state, null, null);
    }

    private static List<String> left(RunStore store) {
        return store.ids();
    }

    @Test
    void keepDaysAndALongerOrShorterLimitForFailures(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        String old = ended(store, 11, RunState.SUCCEEDED);
        String recent = ended(store, 9, RunState.SUCCEEDED);
        String failed20 = ended(store, 20, RunState.FAILED);
        String timedOut40 = ended(store, 40, RunState.TIMED_OUT);
        String lost25 = ended(store, 25, RunState.LOST);
        String canceled12 = ended(store, 12, RunState.CANCELED);
        String running = ended(store, 100, RunState.RUNNING);   // live for 100 days: never removed

        Retention.Result r = Retention.prune(store, null, new Retention.Policy(10, 0, 30), now, false);
        assertThat(r.runs()).containsExactlyInAnyOrder(old, timedOut40, canceled12);
        assertThat(left(store)).containsExactlyInAnyOrder(recent, failed20, lost25, running);
        assertThat(r.bytesFreed()).isGreaterThan(3000);
        assertThat(r.kept()).isEqualTo(4);

        // failures kept shorter than the rest
        Retention.Result shorter = Retention.prune(store, null, new Retention.Policy(30, 0, 3), now, false);
        assertThat(shorter.runs()).containsExactlyInAnyOrder(failed20, lost25);
        assertThat(left(store)).containsExactlyInAnyOrder(recent, running);

        // -1: failures follow keep_days
        String failed8 = ended(store, 8, RunState.FAILED);
        assertThat(Retention.prune(store, null, new Retention.Policy(7, 0, -1), now, false).runs()).containsExactlyInAnyOrder(recent, failed8);
        assertThat(left(store)).containsExactly(running);
    }

    @Test
    void keepCountKeepsTheNewestEndedAndCountsAWorkflowOnce(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        String a = ended(store, 5, RunState.SUCCEEDED);
        String b = ended(store, 4, RunState.FAILED);
        String flow = run(store, 3, RunState.SUCCEEDED, null, RunRecord.KIND_WORKFLOW);
        String child1 = run(store, 3, RunState.SUCCEEDED, flow, RunRecord.KIND_JOB);
        String child2 = run(store, 3, RunState.FAILED, flow, RunRecord.KIND_JOB);
        String live = ended(store, 2, RunState.WAITING_APPROVAL);
        String c = ended(store, 1, RunState.SUCCEEDED);

        Retention.Result dry = Retention.prune(store, null, new Retention.Policy(0, 2, -1), now, true);
        assertThat(dry.runs()).containsExactly(b, a);
        assertThat(dry.removed()).isEqualTo(2);
        assertThat(dry.bytesFreed()).isGreaterThan(2000);
        assertThat(left(store)).hasSize(7);   // a dry run removes nothing

        Retention.Result r = Retention.prune(store, null, new Retention.Policy(0, 2, -1), now, false);
        assertThat(r.runs()).containsExactly(b, a);
        assertThat(left(store)).containsExactlyInAnyOrder(flow, child1, child2, live, c);

        Retention.Result one = Retention.prune(store, null, new Retention.Policy(0, 1, -1), now, false);
        assertThat(one.runs()).containsExactly(flow);
        assertThat(one.removed()).as("the workflow with its two children").isEqualTo(3);
        assertThat(left(store)).containsExactlyInAnyOrder(live, c);
    }

    @Test
    void aWorkflowGoesWholeAndStaysWholeWhileAnyRunInItIsLive(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        String oldFlow = run(store, 50, RunState.FAILED, null, RunRecord.KIND_WORKFLOW);
        String oldChild = run(store, 50, RunState.FAILED, oldFlow, RunRecord.KIND_JOB);
        String busyFlow = run(store, 60, RunState.SUCCEEDED, null, RunRecord.KIND_WORKFLOW);
        String busyChild = run(store, 60, RunState.RUNNING, busyFlow, RunRecord.KIND_JOB);
        String keptFlow = run(store, 1, RunState.SUCCEEDED, null, RunRecord.KIND_WORKFLOW);
        // a child older than the limit (its parent was resumed lately): kept with its parent
        String oldChildOfKept = run(store, 40, RunState.SUCCEEDED, keptFlow, RunRecord.KIND_JOB);

        Retention.Result r = Retention.prune(store, null, new Retention.Policy(10, 0, -1), now, false);
        assertThat(r.runs()).containsExactly(oldFlow);
        assertThat(r.removed()).isEqualTo(2);
        assertThat(left(store)).containsExactlyInAnyOrder(busyFlow, busyChild, keptFlow, oldChildOfKept);
        assertThat(store.dir(oldChild)).doesNotExist();
        // nothing half-deleted is left in sight
        try (var s = Files.list(store.runsDir())) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void throughTheIndexTheSameRunsGoAndTheirRowsWithThem(@TempDir Path d) throws Exception {
        RunStore store = new RunStore(d.resolve("runs"));
        String old = ended(store, 11, RunState.SUCCEEDED);
        String flow = run(store, 30, RunState.SUCCEEDED, null, RunRecord.KIND_WORKFLOW);
        String child = run(store, 30, RunState.SUCCEEDED, flow, RunRecord.KIND_JOB);
        String recent = ended(store, 1, RunState.SUCCEEDED);
        String live = ended(store, 20, RunState.RUNNING);
        RunIndex.Query all = new RunIndex.Query(null, null, null, null, null, true, 0, 0);
        try (RunIndex index = RunIndex.open(store, w -> { })) {
            Retention.Result r = Retention.prune(store, index, new Retention.Policy(10, 0, -1), now, false);
            assertThat(r.fromIndex()).isTrue();
            assertThat(r.runs()).containsExactlyInAnyOrder(old, flow);
            assertThat(index.ids(all)).containsExactlyInAnyOrder(recent, live);
        }
        assertThat(left(store)).containsExactlyInAnyOrder(recent, live);
        assertThat(store.dir(child)).doesNotExist();
        try (RunIndex index = RunIndex.open(store, w -> { })) {
            assertThat(index.ids(all)).containsExactlyInAnyOrder(recent, live);
        }
    }

    @Test
    void afterARunItPrunesAtMostOnceADay(@TempDir Path d) throws Exception {
        Path project = Files.createDirectories(d.resolve("p/dotcodex")).getParent();
        Files.writeString(project.resolve("dotcodex/config.toml"), "[runs]\nkeep_days = 10\nkeep_failed_days = 20\n");
        Map<String, String> env = Map.of("HOME", d.resolve("home").toString());
        AoConfig config = new ConfigLoader(project, env).load(Map.of());
        RunStore store = new RunStore(config.runsDir());
        String old = ended(store, 11, RunState.SUCCEEDED);
        String failed = ended(store, 15, RunState.FAILED);
        List<String> warnings = new ArrayList<>();

        Retention.Result first = Retention.afterRun(config, store, false, warnings::add);
        assertThat(first).isNotNull();
        assertThat(first.runs()).containsExactly(old);
        Path stamp = config.stateDir().resolve(Retention.STAMP);
        assertThat(stamp).exists();

        // later the same day: another old run is not pruned yet
        String old2 = ended(store, 12, RunState.SUCCEEDED);
        assertThat(Retention.afterRun(config, store, false, warnings::add)).isNull();
        assertThat(left(store)).containsExactlyInAnyOrder(failed, old2);

        // a day on (the stamp says the last prune was 25 hours ago): pruned again, through the index this time
        Files.setLastModifiedTime(stamp, FileTime.from(now.minus(Duration.ofHours(25))));
        Retention.Result next = Retention.afterRun(config, store, true, warnings::add);
        assertThat(next.runs()).containsExactly(old2);
        assertThat(left(store)).containsExactly(failed);
        assertThat(warnings).isEmpty();

        // no retention set: nothing is pruned and no stamp is taken
        Path bare = Files.createDirectories(d.resolve("q/dotcodex")).getParent();
        Files.writeString(bare.resolve("dotcodex/config.toml"), "");
        AoConfig none = new ConfigLoader(bare, env).load(Map.of());
        RunStore other = new RunStore(none.runsDir());
        ended(other, 400, RunState.SUCCEEDED);
        assertThat(Retention.afterRun(none, other, false, warnings::add)).isNull();
        assertThat(none.stateDir().resolve(Retention.STAMP)).doesNotExist();
        assertThat(left(other)).hasSize(1);
    }

    @Test
    void anErrorDuringTheAutomaticPruneIsOneWarningNeverAThrow(@TempDir Path d) throws Exception {
        Path project = Files.createDirectories(d.resolve("p/dotcodex")).getParent();
        Files.writeString(project.resolve("dotcodex/config.toml"), "[runs]\nkeep_count = 1\n");
        AoConfig config = new ConfigLoader(project, Map.of("HOME", d.toString())).load(Map.of());
        // the stamp's place is taken by a folder: it cannot be written
        Files.createDirectories(config.stateDir().resolve(Retention.STAMP));
        Files.setLastModifiedTime(config.stateDir().resolve(Retention.STAMP), FileTime.from(now.minus(Duration.ofDays(3))));
        List<String> warnings = new ArrayList<>();
        assertThat(Retention.afterRun(config, new RunStore(config.runsDir()), false, warnings::add)).isNull();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("automatic prune").doesNotContain("\n");
    }

    @Test
    void badSettingsAreOneLineErrorsNamingTheKey(@TempDir Path d) throws Exception {
        Path project = Files.createDirectories(d.resolve("p/dotcodex")).getParent();
        Files.writeString(project.resolve("dotcodex/config.toml"), "[runs]\nkeep_days = -3\n");
        assertThatThrownBy(() -> new ConfigLoader(project, Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:2").hasMessageContaining("runs.keep_days").hasMessageContaining("-3");
        Files.writeString(project.resolve("dotcodex/config.toml"), "[runs]\nkeep_count = \"many\"\n");
        assertThatThrownBy(() -> new ConfigLoader(project, Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("runs.keep_count");
    }
}
