package dev.ao.engine.concurrency;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.ConfigValue;
import dev.ao.engine.workflow.Workflow.OnConflict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Concurrency groups within one JVM: names, limits, FIFO, fail, cancel-in-progress, and letting go. */
class ConcurrencyGroupsTest {
    @TempDir Path state;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Slot> slots = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Thread t : threads) {
            t.interrupt();
            t.join(5_000);
        }
        slots.forEach(Slot::close);
    }

    private static Holder run(String id) {
        return Holder.current(id, id + ".sh");
    }

    private Slot take(ConcurrencyGroups groups, String group, int limit, String id) throws InterruptedException {
        Slot s = groups.acquire(group, limit, OnConflict.QUEUE, run(id), ConcurrencyGroups.Listener.NONE, () -> false);
        slots.add(s);
        return s;
    }

    private Thread start(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                // the test is over
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void groupNamesAreFolderNamesNeverPaths() {
        for (String ok : List.of("deploy-prod", "rotate-dev", "heal.shop_1", "A", "9", "a".repeat(100))) {
            assertThat(ConcurrencyGroups.validate(ok)).isEqualTo(ok);
        }
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        for (String bad : List.of("", "..", "../x", "a/b", "/etc", ".hidden", "-x", "_x", "a b", "a\nb", "a".repeat(101), "ü")) {
            assertThatThrownBy(() -> groups.acquire(bad, 1, OnConflict.QUEUE, run("r"), ConcurrencyGroups.Listener.NONE, () -> false))
                    .isInstanceOf(AoException.class)
                    .satisfies(e -> assertThat(((AoException) e).exitCode()).isEqualTo(ExitCode.USAGE))
                    .hasMessageStartingWith("concurrency group '")
                    .hasMessageContaining("is not a group name")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        // nothing was made for any of them, in the state dir or next to it
        assertThat(state.resolve(ConcurrencyGroups.DIR)).doesNotExist();
        assertThat(state.getParent().resolve("x")).doesNotExist();
        assertThatThrownBy(() -> groups.acquire("g", 0, OnConflict.QUEUE, run("r"), ConcurrencyGroups.Listener.NONE, () -> false))
                .isInstanceOf(AoException.class).hasMessageContaining("limit must be from 1 to 1000, got 0");
    }

    @Test
    void manyThreadsNeverHoldMoreSlotsThanTheLimitAndDoUseThemAll() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        int limit = 3;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger rounds = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 10; t++) {
                int n = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        try (Slot s = groups.acquire("g", limit, OnConflict.QUEUE, run("t" + n + "-" + i), ConcurrencyGroups.Listener.NONE, () -> false)) {
                            int now = inside.incrementAndGet();
                            most.accumulateAndGet(now, Math::max);
                            Thread.sleep(3);
                            assertThat(s.index()).isBetween(0, limit - 1);
                            inside.decrementAndGet();
                            rounds.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rounds.get()).isEqualTo(80);
        assertThat(most.get()).as("holders at once").isEqualTo(limit);
        assertThat(groups.status("g", null).holders()).isEmpty();
        assertThat(groups.status("g", null).waiting()).isEmpty();
    }

    @Test
    void waitersTakeTheSlotInTheOrderTheyArrived() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        Slot first = take(groups, "g", 1, "first");
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Integer> positions = Collections.synchronizedList(new ArrayList<>());
        for (int i = 1; i <= 4; i++) {
            String id = "w" + i;
            CountDownLatch blocked = new CountDownLatch(1);
            start(id, () -> {
                try (Slot s = groups.acquire("g", 1, OnConflict.QUEUE, run(id), (g, holders, position) -> {
                    positions.add(position);
                    blocked.countDown();
                }, () -> false)) {
                    order.add(id);
                    Thread.sleep(5);
                }
            });
            // the next arrives only once this one is in line
            assertThat(blocked.await(30, TimeUnit.SECONDS)).isTrue();
        }
        GroupStatus st = groups.status("g", null);
        assertThat(st.holders()).extracting(Occupant::runId).containsExactly("first");
        assertThat(st.waiting()).extracting(Occupant::runId).containsExactly("w1", "w2", "w3", "w4");
        assertThat(st.waiting()).extracting(Occupant::position).containsExactly(1, 2, 3, 4);
        first.close();
        for (Thread t : threads) t.join(30_000);
        assertThat(order).containsExactly("w1", "w2", "w3", "w4");
        assertThat(positions).containsExactly(1, 2, 3, 4);
    }

    @Test
    void theBlockedListenerHearsTheHoldersOnceAndAFreeSlotIsTakenWithoutWaiting() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        AtomicInteger told = new AtomicInteger();
        Slot a = groups.acquire("g", 2, OnConflict.QUEUE, run("a"), (g, h, p) -> told.incrementAndGet(), () -> false);
        Slot b = groups.acquire("g", 2, OnConflict.QUEUE, run("b"), (g, h, p) -> told.incrementAndGet(), () -> false);
        slots.add(a);
        slots.add(b);
        assertThat(told.get()).as("two slots, two runs: nobody waited").isZero();
        assertThat(a.index()).isNotEqualTo(b.index());
        List<List<Holder>> heard = new CopyOnWriteArrayList<>();
        CountDownLatch in = new CountDownLatch(1);
        start("c", () -> {
            try (Slot c = groups.acquire("g", 2, OnConflict.QUEUE, run("c"), (g, h, p) -> {
                heard.add(h);
                in.countDown();
            }, () -> false)) {
                Thread.sleep(1);
            }
        });
        assertThat(in.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300);   // several polls
        assertThat(heard).hasSize(1);
        assertThat(heard.get(0)).extracting(Holder::runId).containsExactlyInAnyOrder("a", "b");
        assertThat(heard.get(0)).extracting(Holder::pid).containsOnly(ProcessHandle.current().pid());
        b.close();
        threads.get(0).join(30_000);
        assertThat(threads.get(0).isAlive()).isFalse();
    }

    @Test
    void closeLetsGoAtOnceAndTwiceIsHarmless() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        Slot s = take(groups, "g", 1, "one");
        assertThat(groups.status("g", null).holders()).extracting(Occupant::runId).containsExactly("one");
        s.close();
        s.close();
        assertThat(groups.status("g", null).holders()).isEmpty();
        // the note of who held it is gone with the holder
        assertThat(state.resolve("concurrency/g/slot-0.json")).doesNotExist();
        Slot again = groups.acquire("g", 1, OnConflict.FAIL, run("two"), ConcurrencyGroups.Listener.NONE, () -> false);
        slots.add(again);
        assertThat(again.index()).isZero();
    }

    @Test
    void aDeadWaitersTicketAndADeadHoldersNoteAreSkipped() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        take(groups, "g", 1, "warm").close();
        Path dir = state.resolve("concurrency/g");
        // what a waiter and a holder killed with -9 leave: files whose locks the kernel has let go of
        Files.writeString(dir.resolve("ticket-0000000000000000007.lock"), "{\"run_id\":\"dead-waiter\",\"pid\":1,\"limit\":1}");
        Files.writeString(dir.resolve("slot-0.json"), "{\"run_id\":\"dead-holder\",\"pid\":1,\"limit\":1}");
        GroupStatus st = groups.status("g", null);
        assertThat(st.holders()).isEmpty();
        assertThat(st.waiting()).isEmpty();
        AtomicBoolean waited = new AtomicBoolean();
        Slot s = groups.acquire("g", 1, OnConflict.QUEUE, run("alive"), (g, h, p) -> waited.set(true), () -> false);
        slots.add(s);
        assertThat(waited).isFalse();
        assertThat(dir.resolve("ticket-0000000000000000007.lock")).doesNotExist();
        assertThat(groups.status("g", null).holders()).extracting(Occupant::runId).containsExactly("alive");
    }

    @Test
    void failRefusesAtOnceNamingTheGroupAndItsHolder() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        take(groups, "deploy-prod", 1, "holder");
        long start = System.nanoTime();
        assertThatThrownBy(() -> groups.acquire("deploy-prod", 1, OnConflict.FAIL, run("late"), ConcurrencyGroups.Listener.NONE, () -> false))
                .isInstanceOf(AoException.class)
                .satisfies(e -> assertThat(((AoException) e).exitCode()).isEqualTo(ExitCode.REFUSED))
                .hasMessageContaining("concurrency group 'deploy-prod' is full (limit 1)")
                .hasMessageContaining("run holder (holder.sh, pid " + ProcessHandle.current().pid() + ")")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(groups.status("deploy-prod", null).waiting()).as("a refused run takes no place in line").isEmpty();
    }

    @Test
    void cancelInProgressCancelsOnlyTheHoldersOfItsGroupThenTakesTheSlot() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        Slot old = take(groups, "rotate-dev", 1, "old");
        Slot other = take(groups, "other", 1, "bystander");
        CountDownLatch asked = new CountDownLatch(1);
        AtomicBoolean bystanderAsked = new AtomicBoolean();
        // the holder's run: canceled by the hook, it ends and lets go of its slot
        old.onCancelRequest(() -> {
            asked.countDown();
            old.close();
        });
        other.onCancelRequest(() -> bystanderAsked.set(true));
        Slot s = groups.acquire("rotate-dev", 1, OnConflict.CANCEL_IN_PROGRESS, run("new"), ConcurrencyGroups.Listener.NONE, () -> false);
        slots.add(s);
        assertThat(asked.getCount()).isZero();
        assertThat(groups.status("rotate-dev", null).holders()).extracting(Occupant::runId).containsExactly("new");
        // the new holder is not asked by the request that was meant for the old one
        Thread.sleep(3 * Slot.WATCH_MS);
        assertThat(s.cancelRequested()).isFalse();
        assertThat(bystanderAsked).isFalse();
        assertThat(other.cancelRequested()).isFalse();
    }

    @Test
    void aWaiterCanceledOrInterruptedLeavesTheLineAndTheNextMovesUp() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        Slot holder = take(groups, "g", 1, "holder");
        AtomicBoolean cancel = new AtomicBoolean();
        List<Throwable> ended = new CopyOnWriteArrayList<>();
        CountDownLatch in1 = new CountDownLatch(1);
        Thread canceled = start("canceled", () -> {
            try {
                groups.acquire("g", 1, OnConflict.QUEUE, run("canceled"), (g, h, p) -> in1.countDown(), cancel::get);
            } catch (AoException e) {
                ended.add(e);
            }
        });
        assertThat(in1.await(30, TimeUnit.SECONDS)).isTrue();
        CountDownLatch in2 = new CountDownLatch(1);
        Thread interrupted = start("interrupted", () -> {
            try {
                groups.acquire("g", 1, OnConflict.QUEUE, run("interrupted"), (g, h, p) -> in2.countDown(), () -> false);
            } catch (InterruptedException e) {
                ended.add(e);
            }
        });
        assertThat(in2.await(30, TimeUnit.SECONDS)).isTrue();
        CountDownLatch in3 = new CountDownLatch(1);
        List<Integer> thirdPosition = new CopyOnWriteArrayList<>();
        AtomicBoolean thirdGotIt = new AtomicBoolean();
        start("third", () -> {
            try (Slot s = groups.acquire("g", 1, OnConflict.QUEUE, run("third"), (g, h, p) -> {
                thirdPosition.add(p);
                in3.countDown();
            }, () -> false)) {
                thirdGotIt.set(true);
            }
        });
        assertThat(in3.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(thirdPosition).containsExactly(3);
        cancel.set(true);
        interrupted.interrupt();
        canceled.join(30_000);
        interrupted.join(30_000);
        assertThat(ended).hasSize(2);
        assertThat(ended).anySatisfy(e -> assertThat(e).isInstanceOf(AoException.class)
                .hasMessage("canceled while waiting for concurrency group 'g'")
                .satisfies(x -> assertThat(((AoException) x).exitCode()).isEqualTo(ExitCode.CANCELED)));
        assertThat(ended).anySatisfy(e -> assertThat(e).isInstanceOf(InterruptedException.class));
        assertThat(groups.status("g", null).waiting()).extracting(Occupant::runId).containsExactly("third");
        holder.close();
        threads.get(2).join(30_000);
        assertThat(thirdGotIt).isTrue();
        assertThat(groups.status("g", null).waiting()).isEmpty();
    }

    @Test
    void listShowsConfiguredGroupsAndGroupsInUseWithTheirLimits() throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        assertThat(groups.list(Map.of())).isEmpty();
        take(groups, "adhoc", 2, "a1");
        List<GroupStatus> all = groups.list(Map.of("deploy-prod", new ConfigValue(1, "/p/dotcodex/config.toml:2")));
        assertThat(all).extracting(GroupStatus::group).containsExactly("adhoc", "deploy-prod");
        assertThat(all.get(0).limit()).isEqualTo(2);
        assertThat(all.get(0).limitOrigin()).isEqualTo("ad hoc");
        assertThat(all.get(0).holders()).singleElement().satisfies(o -> {
            assertThat(o.runId()).isEqualTo("a1");
            assertThat(o.label()).isEqualTo("a1.sh");
            assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(o.since()).isNotNull();
            assertThat(o.slot()).isZero();
        });
        assertThat(all.get(1).limit()).isEqualTo(1);
        assertThat(all.get(1).limitOrigin()).isEqualTo("/p/dotcodex/config.toml:2");
        assertThat(all.get(1).holders()).isEmpty();
        // listing a configured group never in use makes no folder for it
        assertThat(state.resolve("concurrency/deploy-prod")).doesNotExist();
    }
}
