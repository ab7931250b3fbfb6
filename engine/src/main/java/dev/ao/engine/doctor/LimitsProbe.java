package dev.ao.engine.doctor;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.ProcessCgroup;
import dev.ao.engine.exec.ProcessSupervisor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the resource limits of {@code [sandbox]} are enforced: a pids cgroup for {@code max_processes}, and
 * {@code prlimit} for {@code max_file_size} and {@code max_memory}. Each is tried for real, the way a run uses it.
 */
public final class LimitsProbe {
    static final String CGROUP = "pids-cgroup";
    static final String PRLIMIT = "prlimit";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private LimitsProbe() {}

    /** The prlimit a run would use: the PATH first, then /usr/bin; the same lookup as {@code RunService}. */
    public static Optional<Path> locatePrlimit(Map<String, String> env) {
        return Binaries.which("prlimit", env.get("PATH")).or(() -> Binaries.which("/usr/bin/prlimit", null));
    }

    public static Check cgroup(AoConfig config, Map<String, String> env) {
        int max = (Integer) config.get(ConfigKey.MAX_PROCESSES);
        String limit = "sandbox.max_processes = " + max;
        long mem = config.size(ConfigKey.MAX_MEMORY);
        Optional<ProcessCgroup> cg = ProcessCgroup.create("doctor-" + ProcessHandle.current().pid() + "-" + System.nanoTime(), max, mem);
        if (cg.isEmpty()) {
            boolean prlimit = locatePrlimit(env).isPresent();
            String fallback = !prlimit ? "; without prlimit either, it is not enforced at all"
                    : isRoot() ? "; it falls back to RLIMIT_NPROC, which does not bind root (ao runs as root here), so it is not enforced"
                    : "; it falls back to RLIMIT_NPROC, which counts every process of your user, not just the run's";
            return Check.warn(CGROUP, "no writable pids cgroup (cgroup v1 pids, or a delegated v2 tree) for " + limit + fallback);
        }
        ProcessCgroup c = cg.get();
        try {
            // the same join a run does before it execs the script
            ProcessSupervisor.Captured join = ProcessSupervisor.capture(
                    List.of("/bin/sh", "-c", "for f in $0; do echo $$ > \"$f\" || exit 1; done; exec /bin/true",
                            String.join(" ", c.procsFiles().stream().map(Path::toString).toList())), Map.of(), TIMEOUT);
            Path parent = Path.of(c.describe()).getParent();
            if (join.exitCode() != 0) {
                return Check.warn(CGROUP, "created a cgroup under " + parent + " but a process could not join it: "
                        + SandboxProbe.firstError(join) + "; " + limit + " falls back to RLIMIT_NPROC");
            }
            String memory = mem <= 0 ? "sandbox.max_memory is unlimited"
                    : c.limitsMemory() ? "sandbox.max_memory = " + config.get(ConfigKey.MAX_MEMORY) + " is enforced on the whole run (memory cgroup, /tmp and /dev/shm included)"
                    : "no writable memory cgroup: sandbox.max_memory = " + config.get(ConfigKey.MAX_MEMORY) + " falls back to a per-process rlimit";
            return Check.ok(CGROUP, "each run gets its own pids cgroup under " + parent + ": " + limit + " is enforced; " + memory
                    + "; /tmp and /dev/shm are tmpfs of sandbox.max_disk = " + config.get(ConfigKey.MAX_DISK) + " each");
        } finally {
            c.remove();
        }
    }

    public static Check prlimit(AoConfig config, Map<String, String> env) {
        Optional<Path> bin = locatePrlimit(env);
        long fsize = config.size(ConfigKey.MAX_FILE_SIZE);
        long mem = config.size(ConfigKey.MAX_MEMORY);
        String limits = "sandbox.max_file_size = " + config.get(ConfigKey.MAX_FILE_SIZE) + ", sandbox.max_memory = " + config.get(ConfigKey.MAX_MEMORY);
        if (bin.isEmpty()) {
            return Check.warn(PRLIMIT, "prlimit (util-linux) is not on PATH nor in /usr/bin: " + limits + " are not enforced; install util-linux");
        }
        ProcessSupervisor.Captured v = ProcessSupervisor.capture(List.of(bin.get().toString(), "--version"), Map.of(), TIMEOUT);
        String version = v.exitCode() == 0 ? v.stdout().strip().lines().findFirst().orElse("prlimit") + " at " : "";
        // runs put prlimit in front of every script: if it cannot set the configured limits, every run fails
        List<String> cmd = new ArrayList<>(List.of(bin.get().toString()));
        if (fsize > 0) cmd.add("--fsize=" + fsize);
        if (mem > 0) cmd.add("--as=" + mem);
        cmd.addAll(List.of("--", "/bin/true"));
        ProcessSupervisor.Captured c = ProcessSupervisor.capture(cmd, Map.of(), TIMEOUT);
        if (c.exitCode() != 0) {
            return Check.fail(PRLIMIT, version + bin.get() + " cannot apply " + limits + ": " + SandboxProbe.firstError(c)
                    + "; every run would fail: raise the hard limits or lower these keys");
        }
        return Check.ok(PRLIMIT, version + bin.get() + ": sandbox.max_file_size = " + config.get(ConfigKey.MAX_FILE_SIZE)
                + " is enforced per process (capped by sandbox.max_disk), sandbox.max_memory per process only where there is no memory cgroup");
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            return false;
        }
    }
}
