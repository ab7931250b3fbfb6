package dev.ao.engine.concurrency;

import dev.ao.engine.config.ConfigValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrency groups between separate JVMs ({@link SlotHolderMain}): what {@code on_conflict: fail} and
 * {@code cancel-in-progress} do across processes, and that a holder or a waiter killed with -9 lets go.
 */
class ConcurrencyProcessesTest {
    @TempDir Path state;
    private final List<Child> children = new ArrayList<>();

    private record Child(Process process, BlockingQueue<String> lines) {
        String next(String prefix) throws InterruptedException {
            String l = lines.poll(60, TimeUnit.SECONDS);
            assertThat(l).as("a line starting with " + prefix + " from pid " + process.pid()).isNotNull().startsWith(prefix);
            return l;
        }

        void release() throws IOException {
            process.getOutputStream().close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Child c : children) {
            c.process().destroyForcibly();
            c.process().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Child start(String group, int limit, String onConflict, String runId) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp, SlotHolderMain.class.getName(),
                state.toString(), group, String.valueOf(limit), onConflict, runId);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (IOException ended) {
                // the process is gone
            }
        }, "out-of-" + runId);
        reader.setDaemon(true);
        reader.start();
        Child c = new Child(p, lines);
        children.add(c);
        return c;
    }

    private GroupStatus status(String group) throws InterruptedException {
        return new ConcurrencyGroups(state).status(group, (ConfigValue) null);
    }

    @Test
    void failInAnotherProcessIsRefusedAtOnceNamingTheHolderThere() throws Exception {
        Child holder = start("deploy-prod", 1, "queue", "holder");
        holder.next("HELD 0");
        Child late = start("deploy-prod", 1, "fail", "late");
        String refused = late.next("REFUSED 126 ");
        assertThat(refused).contains("concurrency group 'deploy-prod' is full (limit 1): held by run holder (holder.sh, pid "
                + holder.process().pid() + ")");
        assertThat(late.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(late.process().exitValue()).isEqualTo(126);
        assertThat(status("deploy-prod").waiting()).isEmpty();
        assertThat(holder.process().isAlive()).as("the holder is not disturbed").isTrue();
    }

    @Test
    void cancelInProgressInAnotherProcessCancelsTheHolderThereAndTakesItsSlot() throws Exception {
        Child old = start("rotate-dev", 1, "queue", "old");
        old.next("HELD 0");
        Child bystander = start("other", 1, "queue", "bystander");
        bystander.next("HELD 0");
        Child newer = start("rotate-dev", 1, "cancel-in-progress", "new");
        newer.next("BLOCKED 1 old");
        old.next("CANCEL-REQUESTED");
        newer.next("HELD 0");
        assertThat(old.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(status("rotate-dev").holders()).extracting(Occupant::runId).containsExactly("new");
        assertThat(bystander.process().isAlive()).isTrue();
        assertThat(bystander.lines()).as("only the group's holder was asked").isEmpty();
        bystander.release();
        bystander.next("RELEASED");
    }

    @Test
    void aHolderKilledWithSignal9LetsGoOfItsSlot() throws Exception {
        Child holder = start("g", 1, "queue", "holder");
        holder.next("HELD 0");
        Child waiter = start("g", 1, "queue", "waiter");
        waiter.next("BLOCKED 1 holder");
        assertThat(status("g").holders()).extracting(Occupant::pid).containsExactly(holder.process().pid());
        holder.process().destroyForcibly();   // SIGKILL: nothing of ours runs
        waiter.next("HELD 0");
        assertThat(status("g").holders()).extracting(Occupant::runId).containsExactly("waiter");
    }

    @Test
    void aWaiterKilledWithSignal9LosesItsPlaceAndTheNextOneMovesUp() throws Exception {
        Child holder = start("g", 1, "queue", "holder");
        holder.next("HELD 0");
        Child doomed = start("g", 1, "queue", "doomed");
        doomed.next("BLOCKED 1 holder");
        Child next = start("g", 1, "queue", "next");
        next.next("BLOCKED 2 holder");
        assertThat(status("g").waiting()).extracting(Occupant::runId).containsExactly("doomed", "next");
        doomed.process().destroyForcibly();
        assertThat(doomed.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(status("g").waiting()).extracting(Occupant::runId).containsExactly("next");
        holder.release();
        holder.next("RELEASED");
        next.next("HELD 0");
    }

    @Test
    void twoSlotsAcrossThreeProcesses() throws Exception {
        Child a = start("pair", 2, "queue", "a");
        a.next("HELD");
        Child b = start("pair", 2, "queue", "b");
        b.next("HELD");
        Child c = start("pair", 2, "queue", "c");
        String blocked = c.next("BLOCKED 1 ");
        assertThat(blocked.substring("BLOCKED 1 ".length()).split(",")).containsExactlyInAnyOrder("a", "b");
        assertThat(status("pair").limit()).isEqualTo(2);
        b.release();
        b.next("RELEASED");
        c.next("HELD");
        assertThat(status("pair").holders()).extracting(Occupant::runId).containsExactlyInAnyOrder("a", "c");
    }
}
