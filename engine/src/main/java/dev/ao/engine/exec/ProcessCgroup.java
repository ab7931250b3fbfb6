package dev.ao.engine.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pids cgroup for one run: caps how many processes it may have (root is exempt from RLIMIT_NPROC, a cgroup
 * is not) and knows every process of the run, including ones that double-forked away from their parent.
 * Available where the pids controller is mounted writable (cgroup v1 {@code pids} or a delegated v2 tree).
 */
public final class ProcessCgroup {
    private final Path dir;

    private ProcessCgroup(Path dir) {
        this.dir = dir;
    }

    /**
     * Kills whatever is left in a run's cgroup: the run's supervisor died (kill -9) in the instant before the
     * sandbox armed its own death signal. Returns how many processes were killed.
     */
    public static int reap(String runId) {
        int killed = 0;
        for (Path base : List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))) {
            Path dir = base.resolve("ao").resolve(runId);
            if (!Files.isDirectory(dir)) continue;
            ProcessCgroup c = new ProcessCgroup(dir);
            for (int round = 0; round < 10; round++) {
                List<ProcessHandle> left = c.processes();
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
            c.remove();
        }
        return killed;
    }

    /** Creates {@code ao/<runId>} under a writable pids hierarchy, or empty if there is none. */
    public static Optional<ProcessCgroup> create(String runId, int maxProcesses) {
        for (Path base : List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))) {
            Path parent = base.resolve("ao");
            try {
                if (!Files.isWritable(base) || !Files.exists(base.resolve("cgroup.procs"))) continue;
                Files.createDirectories(parent);
                if (Files.exists(base.resolve("cgroup.subtree_control"))) {
                    // cgroup v2: the controller must be enabled for children before pids.max exists
                    tryWrite(base.resolve("cgroup.subtree_control"), "+pids");
                    tryWrite(parent.resolve("cgroup.subtree_control"), "+pids");
                }
                pruneEmpty(parent);
                Path dir = parent.resolve(runId);
                Files.createDirectories(dir);
                if (!Files.exists(dir.resolve("pids.max"))) {
                    Files.deleteIfExists(dir);
                    continue;
                }
                if (maxProcesses > 0) Files.writeString(dir.resolve("pids.max"), Integer.toString(maxProcesses));
                return Optional.of(new ProcessCgroup(dir));
            } catch (IOException | SecurityException e) {
                // not usable here: try the next hierarchy, else fall back to rlimits
            }
        }
        return Optional.empty();
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

    public Path procsFile() {
        return dir.resolve("cgroup.procs");
    }

    public List<ProcessHandle> processes() {
        List<ProcessHandle> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(procsFile())) {
                if (!line.isBlank()) ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(out::add);
            }
        } catch (IOException | NumberFormatException e) {
            // the cgroup is gone: nothing left in it
        }
        return out;
    }

    /** Whether the pids limit refused a fork at least once. */
    public boolean limitHit() {
        try {
            Path events = dir.resolve("pids.events");
            if (Files.exists(events)) {
                for (String l : Files.readAllLines(events)) {
                    if (l.startsWith("max ") && !l.trim().equals("max 0")) return true;
                }
            }
        } catch (IOException ignored) {
            // unknown: say no
        }
        return false;
    }

    public void remove() {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a process still in it; the next run's cleanup does not depend on it
        }
    }

    public String describe() {
        return dir.toString();
    }
}
