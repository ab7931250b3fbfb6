package dev.ao.engine.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroups of one run: a pids cgroup caps how many processes it may have (root is exempt from RLIMIT_NPROC, a
 * cgroup is not) and knows every process of the run, including ones that double-forked away; a memory cgroup caps
 * the whole run's memory (all its processes and its tmpfs pages together, which a per-process rlimit cannot).
 * cgroup v1 keeps them in separate hierarchies ({@code pids/ao/<id>}, {@code memory/ao/<id>}); on v2 one folder
 * holds both. Available where the hierarchy is mounted writable; otherwise ao falls back to rlimits.
 */
public final class ProcessCgroup {
    private static final List<Path> PIDS_BASES = List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"));
    private static final List<Path> MEMORY_BASES = List.of(Path.of("/sys/fs/cgroup/memory"), Path.of("/sys/fs/cgroup"));

    private final Path pids;
    private final Path memory;

    private ProcessCgroup(Path pids, Path memory) {
        this.pids = pids;
        this.memory = memory;
    }

    /**
     * Kills whatever is left in a run's cgroups: the run's supervisor died (kill -9) and the sandbox's own death
     * signal did not reach everything (danger-full-access has no sandbox). Returns how many processes were killed.
     */
    public static int reap(String runId) {
        return reapWhere(name -> name.equals(runId) || name.startsWith(runId + "."));
    }

    /**
     * Kills what is left of runs whose supervising ao is gone (its pid is the suffix of the cgroup's name): under
     * danger-full-access nothing else ends a process that left ao's tree. Every ao start calls it; it costs a
     * directory listing.
     */
    public static int reapOrphans() {
        return reapWhere(name -> {
            int dot = name.lastIndexOf('.');
            if (dot < 0) return false;
            try {
                return ProcessHandle.of(Long.parseLong(name.substring(dot + 1))).map(h -> !h.isAlive()).orElse(true);
            } catch (NumberFormatException e) {
                return false;
            }
        });
    }

    private static int reapWhere(java.util.function.Predicate<String> which) {
        int killed = 0;
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path base : PIDS_BASES) children(base.resolve("ao"), which, dirs);
        for (Path base : MEMORY_BASES) children(base.resolve("ao"), which, dirs);
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) continue;
            for (int round = 0; round < 10; round++) {
                List<ProcessHandle> left = processesIn(dir);
                if (left.isEmpty()) break;
                left.forEach(ProcessHandle::destroyForcibly);
                killed += left.size();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            delete(dir);
        }
        return killed;
    }

    private static void children(Path parent, java.util.function.Predicate<String> which, Set<Path> out) {
        if (!Files.isDirectory(parent)) return;
        try (var list = Files.list(parent)) {
            list.filter(d -> which.test(d.getFileName().toString()) && Files.isDirectory(d)).forEach(out::add);
        } catch (IOException | SecurityException ignored) {
            // not ours to look at
        }
    }

    /** Creates the run's cgroups where the host lets ao; empty if there is no usable pids hierarchy. */
    public static Optional<ProcessCgroup> create(String runId, int maxProcesses, long maxMemory) {
        Path pids = make(PIDS_BASES, "pids", runId, "pids.max");
        if (pids == null) return Optional.empty();
        try {
            if (maxProcesses > 0) Files.writeString(pids.resolve("pids.max"), Integer.toString(maxProcesses));
        } catch (IOException e) {
            delete(pids);
            return Optional.empty();
        }
        Path memory = null;
        if (maxMemory > 0) {
            boolean v2 = Files.exists(pids.resolve("memory.max"));
            memory = v2 ? pids : make(MEMORY_BASES, "memory", runId, "memory.limit_in_bytes");
            if (memory != null && !limitMemory(memory, maxMemory)) {
                if (!memory.equals(pids)) delete(memory);
                memory = null;
            }
        }
        return Optional.of(new ProcessCgroup(pids, memory));
    }

    private static boolean limitMemory(Path dir, long bytes) {
        try {
            if (Files.exists(dir.resolve("memory.max"))) {
                Files.writeString(dir.resolve("memory.max"), Long.toString(bytes));
                // swap would let a run hold more than its limit, only slower
                tryWrite(dir.resolve("memory.swap.max"), "0");
            } else {
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                tryWrite(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(bytes));
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path make(List<Path> bases, String controller, String runId, String marker) {
        for (Path base : bases) {
            Path parent = base.resolve("ao");
            try {
                if (!Files.isWritable(base) || !Files.exists(base.resolve("cgroup.procs"))) continue;
                Files.createDirectories(parent);
                if (Files.exists(base.resolve("cgroup.subtree_control"))) {
                    // cgroup v2: the controller must be enabled for children before its files exist
                    tryWrite(base.resolve("cgroup.subtree_control"), "+" + controller);
                    tryWrite(parent.resolve("cgroup.subtree_control"), "+" + controller);
                }
                pruneEmpty(parent);
                // the supervisor's pid in the name: any later ao can tell an orphan (see reapOrphans)
                Path dir = parent.resolve(runId + "." + ProcessHandle.current().pid());
                Files.createDirectories(dir);
                if (!Files.exists(dir.resolve(marker))) {
                    delete(dir);
                    continue;
                }
                return dir;
            } catch (IOException | SecurityException e) {
                // not usable here: try the next hierarchy
            }
        }
        return null;
    }

    /**
     * Removes cgroups left by runs whose supervisor was killed. Only those named after a run older than a minute:
     * a younger one may belong to a concurrent run that has not joined it yet. The kernel refuses to remove one
     * still in use.
     */
    private static void pruneEmpty(Path parent) {
        java.time.Instant cutoff = java.time.Instant.now().minusSeconds(60);
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC);
        try (var children = Files.list(parent)) {
            children.filter(Files::isDirectory).forEach(d -> {
                String name = d.getFileName().toString();
                try {
                    if (name.length() < 15 || java.time.Instant.from(f.parse(name.substring(0, 15))).isAfter(cutoff)) return;
                    Files.delete(d);
                } catch (IOException | java.time.DateTimeException busyOrForeign) {
                    // processes still in it, or not a run's cgroup
                }
            });
        } catch (IOException ignored) {
            // nothing to prune
        }
    }

    private static void tryWrite(Path p, String s) {
        try {
            Files.writeString(p, s);
        } catch (IOException ignored) {
            // already enabled, or not ours to enable
        }
    }

    /** The {@code cgroup.procs} files a new process of the run writes itself into before it execs. */
    public List<Path> procsFiles() {
        List<Path> out = new ArrayList<>();
        out.add(pids.resolve("cgroup.procs"));
        if (memory != null && !memory.equals(pids)) out.add(memory.resolve("cgroup.procs"));
        return out;
    }

    public boolean limitsMemory() {
        return memory != null;
    }

    public List<ProcessHandle> processes() {
        return processesIn(pids);
    }

    private static List<ProcessHandle> processesIn(Path dir) {
        List<ProcessHandle> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!line.isBlank()) ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(out::add);
            }
        } catch (IOException | NumberFormatException e) {
            // the cgroup is gone: nothing left in it
        }
        return out;
    }

    /** Whether the pids limit refused a fork at least once. */
    public boolean limitHit() {
        return counter(pids.resolve("pids.events"), "max") > 0;
    }

    /** Whether the kernel killed a process of the run for going over the memory limit. */
    public boolean memoryLimitHit() {
        if (memory == null) return false;
        if (Files.exists(memory.resolve("memory.events"))) return counter(memory.resolve("memory.events"), "oom_kill") > 0;
        return counter(memory.resolve("memory.oom_control"), "oom_kill") > 0;
    }

    private static long counter(Path file, String key) {
        try {
            if (!Files.exists(file)) return 0;
            for (String l : Files.readAllLines(file)) {
                String[] f = l.trim().split("\\s+");
                if (f.length == 2 && f[0].equals(key)) return Long.parseLong(f[1]);
            }
        } catch (IOException | NumberFormatException ignored) {
            // unknown: say no
        }
        return 0;
    }

    public void remove() {
        delete(pids);
        if (memory != null && !memory.equals(pids)) delete(memory);
    }

    private static void delete(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a process still in it; the next run's cleanup does not depend on it
        }
    }

    public String describe() {
        return pids + (memory != null && !memory.equals(pids) ? " + " + memory : "");
    }
}
