package dev.ao.engine.run;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How long ended runs are kept ({@code [runs] keep_days, keep_count, keep_failed_days}) and the one place that deletes
 * them. A live run is never deleted, and a workflow's child runs go with their parent, never alone: a tree is judged
 * by its top run and kept whole while any run in it is live.
 */
public final class Retention {
    /** Ended in one of these, a run is kept {@code keep_failed_days} instead of {@code keep_days}. */
    public static final Set<RunState> FAILURES = EnumSet.of(RunState.FAILED, RunState.TIMED_OUT, RunState.LOST);
    /** The automatic prune after a run happens at most once per this long (the stamp file's mtime says when it last did). */
    public static final Duration AUTO_EVERY = Duration.ofDays(1);
    public static final String STAMP = "prune.stamp";
    /** A folder being deleted is renamed to {@code .<id>.pruning} first: half a run is never listed. */
    private static final String PRUNING = ".pruning";

    /**
     * @param keepDays       ended runs older than this many days (since they ended) go; 0 = no age limit
     * @param keepCount      only the newest this many ended runs stay (a workflow with its children counts once); 0 = no limit
     * @param keepFailedDays as keepDays for runs that ended failed, timed_out or lost; -1 = the same as keepDays
     */
    public record Policy(int keepDays, int keepCount, int keepFailedDays) {
        public static final int AS_KEEP_DAYS = -1;
        /** keepCount of {@code ao runs prune --all}: no ended run stays (live runs always do). */
        public static final int KEEP_NONE = -2;

        public Policy {
            if (keepDays < 0) throw AoException.usage("keep_days must be 0 (no age limit) or more, got " + keepDays);
            if (keepCount < 0 && keepCount != KEEP_NONE) throw AoException.usage("keep_count must be 0 (no limit) or more, got " + keepCount);
            if (keepFailedDays < AS_KEEP_DAYS) {
                throw AoException.usage("keep_failed_days must be -1 (as keep_days), 0 (no age limit) or more, got " + keepFailedDays);
            }
        }

        public static Policy of(AoConfig config) {
            return new Policy((Integer) config.get(ConfigKey.RUNS_KEEP_DAYS), (Integer) config.get(ConfigKey.RUNS_KEEP_COUNT),
                    (Integer) config.get(ConfigKey.RUNS_KEEP_FAILED_DAYS));
        }

        /** Whether this policy would ever delete anything. */
        public boolean any() {
            return keepDays > 0 || keepCount > 0 || keepCount == KEEP_NONE || failedDays() > 0;
        }

        public int failedDays() {
            return keepFailedDays == AS_KEEP_DAYS ? keepDays : keepFailedDays;
        }

        int daysFor(RunState s) {
            return FAILURES.contains(s) ? failedDays() : keepDays;
        }
    }

    /** One run as retention sees it: {@code ended} is when it ended (else when it was created), null if unknown. */
    public record Entry(String id, RunState state, String parent, Instant ended) {}

    /**
     * What a prune removed (or would remove): {@code runs} the top runs, {@code removed} every folder with the
     * children, {@code kept} the top runs left.
     */
    public record Result(boolean dryRun, Policy policy, List<String> runs, int removed, long bytesFreed, int kept, boolean fromIndex) {}

    private Retention() {}

    /**
     * The top runs to remove, newest first, each followed by nothing else: a pure function of the history, the policy
     * and the time. {@code entries} holds every run; a child whose parent is not among them is judged as a top run.
     */
    public static List<String> plan(List<Entry> entries, Policy policy, Instant now) {
        Map<String, Entry> byId = new HashMap<>();
        for (Entry e : entries) byId.put(e.id(), e);
        Map<String, List<String>> children = children(entries, byId);
        List<Entry> tops = new ArrayList<>();
        for (Entry e : entries) if (e.parent() == null || !byId.containsKey(e.parent())) tops.add(e);
        tops.sort(Comparator.comparing(Entry::id).reversed());
        List<String> remove = new ArrayList<>();
        int ended = 0;
        for (Entry top : tops) {
            if (anyLive(top.id(), byId, children)) continue;   // never counted, never removed
            ended++;
            boolean beyondCount = policy.keepCount() == Policy.KEEP_NONE || (policy.keepCount() > 0 && ended > policy.keepCount());
            int days = policy.daysFor(top.state());
            boolean tooOld = days > 0 && top.ended() != null && top.ended().isBefore(now.minus(Duration.ofDays(days)));
            if (beyondCount || tooOld) remove.add(top.id());
        }
        return remove;
    }

    private static Map<String, List<String>> children(List<Entry> entries, Map<String, Entry> byId) {
        Map<String, List<String>> children = new HashMap<>();
        for (Entry e : entries) {
            if (e.parent() != null && byId.containsKey(e.parent())) children.computeIfAbsent(e.parent(), k -> new ArrayList<>()).add(e.id());
        }
        return children;
    }

    private static boolean anyLive(String id, Map<String, Entry> byId, Map<String, List<String>> children) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(id));
        while (!todo.isEmpty()) {
            String at = todo.remove(todo.size() - 1);
            if (!seen.add(at)) continue;
            Entry e = byId.get(at);
            if (e == null || !e.state().terminal()) return true;
            todo.addAll(children.getOrDefault(at, List.of()));
        }
        return false;
    }

    /** A tree's folders, children before their parent (so a crash part-way never leaves children without a parent). */
    private static List<String> tree(String id, Map<String, List<String>> children) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        collect(id, children, out, seen);
        return out;
    }

    private static void collect(String id, Map<String, List<String>> children, List<String> out, Set<String> seen) {
        if (!seen.add(id)) return;
        for (String c : children.getOrDefault(id, List.of())) collect(c, children, out, seen);
        out.add(id);
    }

    /**
     * Applies the policy to the runs folder: reads the history from the index when one is given (a long history),
     * else from the files, reads each tree to remove again from its files (the truth: a run that came alive again
     * stays), then deletes it, children first, and drops it from the index.
     */
    public static Result prune(RunStore store, RunIndex index, Policy policy, Instant now, boolean dryRun) {
        List<Entry> entries = index != null ? index.entries() : fromFiles(store);
        Map<String, Entry> byId = new HashMap<>();
        for (Entry e : entries) byId.put(e.id(), e);
        Map<String, List<String>> children = children(entries, byId);
        List<String> tops = plan(entries, policy, now);
        List<String> removedTops = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        long bytes = 0;
        for (String top : tops) {
            List<String> tree = tree(top, children);
            if (!stillEnded(store, tree)) continue;
            for (String id : tree) bytes += size(store.dir(id));
            if (!dryRun) {
                for (String id : tree) remove(store, id);
            }
            removedTops.add(top);
            gone.addAll(tree);
        }
        if (!dryRun) {
            if (index != null) index.forget(gone);
            sweep(store);
        }
        int topCount = 0;
        for (Entry e : entries) if (e.parent() == null || !byId.containsKey(e.parent())) topCount++;
        return new Result(dryRun, policy, removedTops, gone.size(), bytes, topCount - removedTops.size(), index != null);
    }

    /** Every run in the folder, read from its run.json. */
    static List<Entry> fromFiles(RunStore store) {
        List<Entry> out = new ArrayList<>();
        for (String id : store.ids()) store.read(id).ifPresent(r -> out.add(entry(r)));
        return out;
    }

    static Entry entry(RunRecord r) {
        return new Entry(r.id(), r.state(), r.parent(), time(r.endedAt() != null ? r.endedAt() : r.createdAt()));
    }

    static Instant time(String iso) {
        if (iso == null) return null;
        try {
            return Instant.parse(iso);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean stillEnded(RunStore store, List<String> tree) {
        for (String id : tree) {
            RunRecord r = store.read(id).orElse(null);
            if (r != null && !r.state().terminal()) return false;
        }
        return true;
    }

    /** Renames the folder out of sight first, then deletes it: what a failure leaves is never listed as a run. */
    private static void remove(RunStore store, String id) {
        Path dir = store.dir(id);
        Path hidden = dir.resolveSibling("." + id + PRUNING);
        try {
            Files.move(dir, hidden, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // another prune took it
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir + ": cannot remove: " + e.getMessage());
        }
        RunService.deleteTree(hidden);
    }

    /** Deletes what an earlier prune renamed but could not finish deleting. */
    private static void sweep(RunStore store) {
        if (!Files.isDirectory(store.runsDir())) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.runsDir(), "." + "*" + PRUNING)) {
            for (Path p : ds) RunService.deleteTree(p);
        } catch (IOException e) {
            // the next prune tries again
        }
    }

    /** Bytes of the files under a folder, links not followed. */
    static long size(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // counted what could be seen
        }
        return total[0];
    }

    /**
     * The automatic prune after a run: at most once per {@link #AUTO_EVERY} per state folder (the stamp file's mtime,
     * taken under a file lock so two ao processes never prune at once), only when a policy is set. It never fails the
     * run: any error is one line to {@code warn}. Returns what it did, or null when it was not due.
     */
    public static Result afterRun(AoConfig config, RunStore store, boolean useIndex, Consumer<String> warn) {
        Policy policy;
        try {
            policy = Policy.of(config);
        } catch (RuntimeException e) {
            warn.accept("runs are not pruned: " + e.getMessage());
            return null;
        }
        if (!policy.any()) return null;
        Path stamp = store.runsDir().toAbsolutePath().getParent().resolve(STAMP);
        Instant now = Instant.now();
        try {
            if (!due(stamp, now)) return null;
            try (FileChannel ch = FileChannel.open(stamp, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) return null;  // another ao is pruning right now
                try {
                    if (!due(stamp, now) && Files.size(stamp) > 0) return null;
                    // stamped first: a prune that fails is tried again tomorrow, not after every run
                    ch.truncate(0);
                    ch.write(java.nio.ByteBuffer.wrap((now + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    Files.setLastModifiedTime(stamp, FileTime.from(now));
                    if (!useIndex) return prune(store, null, policy, now, false);
                    try (RunIndex index = RunIndex.open(store, warn)) {
                        return prune(store, index, policy, now, false);
                    }
                } finally {
                    lock.release();
                }
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ").strip();
            warn.accept("automatic prune of old runs failed (" + m + "); 'ao runs prune' says more");
            return null;
        }
    }

    private static boolean due(Path stamp, Instant now) throws IOException {
        if (!Files.exists(stamp)) return true;
        Instant last = Files.getLastModifiedTime(stamp).toInstant();
        // a stamp from the future (a clock set back) counts as old: otherwise nothing would ever be pruned again
        return last.isBefore(now.minus(AUTO_EVERY)) || last.isAfter(now.plus(Duration.ofMinutes(5)));
    }
}
