package dev.ao.engine.concurrency;

import dev.ao.engine.workflow.Workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What an uncontended slot costs: acquire + close in a loop, in one JVM, on the file system of {@code target/}.
 * Not a test (timing goals live in benchmarks): run it with
 * {@code java -cp engine/target/classes:engine/target/test-classes:<jackson jars> dev.ao.engine.concurrency.SlotCostBench [N]}.
 */
public final class SlotCostBench {
    private SlotCostBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path state = Files.createTempDirectory(Path.of(args.length > 1 ? args[1] : "target"), "slot-bench");
        ConcurrencyGroups groups = new ConcurrencyGroups(state);
        Holder me = Holder.current("bench", "bench");
        for (int limit : new int[] {1, 8}) {
            for (int i = 0; i < n / 4; i++) cycle(groups, limit, me, null, null);   // warm-up
            long[] acquire = new long[n];
            long[] release = new long[n];
            for (int i = 0; i < n; i++) cycle(groups, limit, me, acquire, release, i);
            System.out.printf("limit %d: acquire median %d µs, p99 %d µs; release median %d µs, p99 %d µs (%d rounds)%n",
                    limit, pct(acquire, 50), pct(acquire, 99), pct(release, 50), pct(release, 99), n);
        }
    }

    private static void cycle(ConcurrencyGroups groups, int limit, Holder me, long[] acquire, long[] release) throws Exception {
        cycle(groups, limit, me, acquire, release, 0);
    }

    private static void cycle(ConcurrencyGroups groups, int limit, Holder me, long[] acquire, long[] release, int i) throws Exception {
        long t0 = System.nanoTime();
        Slot s = groups.acquire("bench-" + limit, limit, Workflow.OnConflict.FAIL, me, ConcurrencyGroups.Listener.NONE, () -> false);
        long t1 = System.nanoTime();
        s.close();
        long t2 = System.nanoTime();
        if (acquire != null) {
            acquire[i] = (t1 - t0) / 1000;
            release[i] = (t2 - t1) / 1000;
        }
    }

    private static long pct(long[] xs, int p) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, s.length * p / 100)];
    }
}
