package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ao run --concurrency GROUP} between separate ao processes: never more runs at once than the group's limit
 * (proven from the times each run recorded, not from sleeps), first come first served, recorded {@code blocked} while
 * waiting, shown by {@code ao concurrency list}, and a holder killed with -9 or a waiter stopped with Ctrl-C lets go.
 */
class ConcurrencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private Path go;
    private final List<Process> started = new ArrayList<>();
    private final List<Long> detached = new ArrayList<>();

    @BeforeEach
    void setUp() {
        project = TestProject.create("concurrency");
        go = project.root().resolve("go");
        // holds its slot until the test creates the file named by its first argument
        project.script("hold.sh", "#!/bin/bash\nwhile [ ! -e \"$1\" ]; do sleep 0.05; done\necho \"released $AO_RUN_ID\"\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        // lets every script still waiting end by itself (also one whose ao was killed)
        if (project != null && !Files.exists(go)) Files.writeString(go, "");
        for (Process p : started) Processes.kill(p);
        for (long pid : detached) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        project.close();
    }

    private Process start(String... args) throws Exception {
        Path out = Files.createTempFile(project.base(), "ao-out", ".txt");
        Process p = project.ao().start(out, out, args);
        started.add(p);
        return p;
    }

    /** Starts {@code ao run hold.sh --concurrency GROUP} and returns the id of the run it recorded. */
    private String arrive(String group, String... extra) throws Exception {
        Set<String> before = new HashSet<>(project.runIds());
        List<String> args = new ArrayList<>(List.of("run", "hold.sh", "--concurrency", group));
        args.addAll(List.of(extra));
        args.addAll(List.of("--", go.toString()));
        start(args.toArray(String[]::new));
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            for (String id : project.runIds()) if (!before.contains(id)) return id;
            Thread.sleep(20);
        }
        throw new AssertionError("no run was recorded for ao run --concurrency " + group);
    }

    private JsonNode runJson(String id) throws Exception {
        Path f = project.runDir(id).resolve("run.json");
        for (int i = 0; ; i++) {
            try {
                return JSON.readTree(f.toFile());
            } catch (java.io.IOException notYet) {
                if (i > 100) throw notYet;
                Thread.sleep(20);
            }
        }
    }

    private JsonNode awaitState(String id, String... states) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode n = null;
        while (System.nanoTime() < end) {
            if (Files.exists(project.runDir(id).resolve("run.json"))) {
                n = runJson(id);
                if (List.of(states).contains(n.path("state").asText())) return n;
            }
            Thread.sleep(30);
        }
        throw new AssertionError("run " + id + " never reached " + List.of(states) + "; last: " + n);
    }

    private JsonNode groups() throws Exception {
        Ao.Result r = project.ao().run("concurrency", "list", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        return JSON.readTree(r.out());
    }

    private static JsonNode group(JsonNode all, String name) {
        for (JsonNode g : all) if (g.path("group").asText().equals(name)) return g;
        throw new AssertionError("no group " + name + " in " + all);
    }

    private static List<String> ids(JsonNode occupants) {
        List<String> out = new ArrayList<>();
        occupants.forEach(o -> out.add(o.path("run_id").asText()));
        return out;
    }

    private void awaitExit(Process p, int code) throws Exception {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("ao exits").isTrue();
        assertThat(p.exitValue()).isEqualTo(code);
    }

    private record Span(String id, Instant start, Instant end) {}

    /** What each run recorded: when its script started and when it ended. */
    private List<Span> spans(List<String> ids) throws Exception {
        List<Span> out = new ArrayList<>();
        for (String id : ids) {
            JsonNode n = runJson(id);
            assertThat(n.path("state").asText()).as(n.toString()).isEqualTo("succeeded");
            out.add(new Span(id, Instant.parse(n.path("started_at").asText()), Instant.parse(n.path("ended_at").asText())));
        }
        out.sort(Comparator.comparing(Span::start));
        return out;
    }

    /** The most runs whose recorded [start, end] overlap at one instant (an end at the same instant as a start: not both). */
    private static int mostAtOnce(List<Span> spans) {
        record Edge(Instant at, int delta) {}
        List<Edge> edges = new ArrayList<>();
        for (Span s : spans) {
            edges.add(new Edge(s.start(), 1));
            edges.add(new Edge(s.end(), -1));
        }
        edges.sort(Comparator.comparing(Edge::at).thenComparing(Edge::delta));
        int now = 0, most = 0;
        for (Edge e : edges) {
            now += e.delta();
            most = Math.max(most, now);
        }
        return most;
    }

    @Test
    void limitOneThreeProcessesRunOneAtATimeInTheOrderTheyArrived() throws Exception {
        String a = arrive("g");
        awaitState(a, "running");
        String b = arrive("g");
        JsonNode blocked = awaitState(b, "blocked");
        assertThat(blocked.path("reason").asText()).contains("concurrency group 'g'").contains("held by run " + a);
        // the next arrives only once the one before is in line
        String c = arrive("g");
        awaitState(c, "blocked");

        Ao.Result show = project.ao().run("runs", "show", c, "-o", "json");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(JSON.readTree(show.out()).path("state").asText()).isEqualTo("blocked");
        JsonNode g = group(groups(), "g");
        assertThat(g.path("limit").asInt()).as(g.toString()).isEqualTo(1);
        assertThat(ids(g.path("holders"))).containsExactly(a);
        assertThat(g.path("holders").get(0).path("pid").asLong()).isEqualTo(started.get(0).pid());
        assertThat(g.path("holders").get(0).path("since").asText()).isNotEmpty();
        assertThat(ids(g.path("waiters"))).containsExactly(b, c);
        assertThat(g.path("waiters").get(0).path("position").asInt()).isEqualTo(1);
        assertThat(g.path("waiters").get(1).path("pid").asLong()).isEqualTo(started.get(2).pid());

        // every script may end now: only the group keeps them apart
        Files.writeString(go, "");
        for (Process p : started) awaitExit(p, 0);
        List<Span> spans = spans(List.of(a, b, c));
        assertThat(spans).extracting(Span::id).as("first come, first served").containsExactly(a, b, c);
        assertThat(mostAtOnce(spans)).as("runs at once: " + spans).isEqualTo(1);
        // the history says it waited, for which group, and when it got the slot
        List<String> events = Files.readAllLines(project.runDir(b).resolve("events.jsonl"));
        assertThat(events).anySatisfy(l -> assertThat(l).contains("\"state\":\"blocked\"").contains("\"group\":\"g\"").contains(a));
        assertThat(events).anySatisfy(l -> assertThat(l).contains("\"concurrency\":\"acquired\""));
        assertThat(String.join("\n", events).indexOf("\"blocked\"")).isLessThan(String.join("\n", events).indexOf("\"running\""));
        JsonNode after = group(groups(), "g");
        assertThat(after.path("holders")).isEmpty();
        assertThat(after.path("waiters")).isEmpty();
    }

    @Test
    void limitTwoFromConfigLetsTwoRunAndTheThirdWaits() throws Exception {
        project.config("[scripts]\nexecution_timeout = 90\n\n[concurrency.groups.g]\nlimit = 2\n");
        String a = arrive("g");
        awaitState(a, "running");
        String b = arrive("g");
        awaitState(b, "running");
        // the third is a detached run: its own supervisor waits in line
        String c = arrive("g", "--detach");
        JsonNode blocked = awaitState(c, "blocked");
        detached.add(blocked.path("supervisor").path("pid").asLong());
        assertThat(blocked.path("reason").asText()).contains("limit 2");
        JsonNode g = group(groups(), "g");
        assertThat(g.path("limit").asInt()).isEqualTo(2);
        assertThat(g.path("limit_origin").asText()).contains("dotcodex/config.toml:5");
        assertThat(g.path("held").asInt()).isEqualTo(2);
        assertThat(ids(g.path("holders"))).containsExactlyInAnyOrder(a, b);
        assertThat(ids(g.path("waiters"))).containsExactly(c);

        Files.writeString(go, "");
        for (Process p : started) awaitExit(p, 0);
        awaitState(c, "succeeded");
        List<Span> spans = spans(List.of(a, b, c));
        assertThat(mostAtOnce(spans)).as("runs at once: " + spans).isEqualTo(2);
        assertThat(spans.get(2).id()).isEqualTo(c);
        Ao.Result table = project.ao().run("concurrency", "list");
        assertThat(table.exit()).as(table.toString()).isZero();
        assertThat(table.out()).containsPattern("GROUP\\s+LIMIT\\s+HELD\\s+WAITING").containsPattern("\\ng\\s+2\\s+0\\s+0\\n");
    }

    @Test
    void aHolderKilledWithSignal9LetsTheWaiterRun() throws Exception {
        String a = arrive("g");
        awaitState(a, "running");
        String b = arrive("g");
        awaitState(b, "blocked");
        Process holder = started.get(0);
        holder.destroyForcibly();   // SIGKILL to the ao holding the slot: nothing of it runs after
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        awaitState(b, "running");
        JsonNode g = group(groups(), "g");
        assertThat(ids(g.path("holders"))).containsExactly(b);
        Files.writeString(go, "");
        awaitExit(started.get(1), 0);
        assertThat(runJson(b).path("state").asText()).isEqualTo("succeeded");
        // the killed one is lost, not left running
        Ao.Result list = project.ao().run("runs", "show", a, "-o", "json");
        assertThat(JSON.readTree(list.out()).path("state").asText()).isEqualTo("lost");
    }

    @Test
    void ctrlCWhileBlockedEndsTheRunCanceledAndFreesItsPlaceInLine() throws Exception {
        String a = arrive("g");
        awaitState(a, "running");
        String b = arrive("g");
        awaitState(b, "blocked");
        String c = arrive("g");
        awaitState(c, "blocked");
        Process waiter = started.get(1);
        Processes.run(List.of("kill", "-INT", String.valueOf(waiter.pid())), null, null, Duration.ofSeconds(10)).orThrow();
        awaitExit(waiter, 130);
        JsonNode canceled = runJson(b);
        assertThat(canceled.path("state").asText()).isEqualTo("canceled");
        assertThat(canceled.path("reason").asText()).isEqualTo("canceled while waiting for concurrency group 'g'");
        assertThat(canceled.has("started_at")).as("its script never started").isFalse();
        JsonNode g = group(groups(), "g");
        assertThat(ids(g.path("waiters"))).containsExactly(c);
        Files.writeString(go, "");
        awaitExit(started.get(0), 0);
        awaitExit(started.get(2), 0);
    }

    @Test
    void aGroupNameThatIsNotAFolderNameIsRefusedBeforeAnythingIsRecorded() {
        for (String bad : List.of("../escape", "a/b", ".hidden", "")) {
            Ao.Result r = project.ao().run("run", "hold.sh", "--concurrency", bad, "--", go.toString());
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("concurrency group '" + bad + "' is not a group name");
        }
        assertThat(project.runIds()).isEmpty();
        assertThat(project.root().resolve(".ao/concurrency")).doesNotExist();
        assertThat(project.base().resolve("escape")).doesNotExist();
    }
}
