package dev.ao.engine.exec;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place that spawns and kills processes.
 *
 * <p>Output goes straight from the child into the log files (no pipe through the JVM) unless there are
 * secrets to mask: then it is pumped through {@link MaskingOutputStream}. Either way nothing is held in
 * memory, and a grandchild that keeps a pipe open cannot make ao wait: when the run ends, its whole tree
 * is killed, and pumps are joined for a bounded time only.
 *
 * <p>Killing a tree: SIGTERM to every process of the run (descendants, and the run's cgroup when there is
 * one), then after a grace period SIGKILL to all of them. Under bwrap with {@code --unshare-pid
 * --die-with-parent}, killing bwrap also tears down the whole pid namespace, double-forked grandchildren
 * included.
 */
public final class ProcessSupervisor {

    /** How a run ended from the process's point of view. */
    public enum Ending { EXITED, TIMED_OUT, CANCELED, LIMIT }

    /** @param reason why a {@link Ending#LIMIT} run was stopped */
    public record Outcome(int exitCode, Ending ending, String reason) {}

    /**
     * @param mask     secrets to replace by {@code ***} in the logs; empty for the direct (fastest) path
     * @param cgroup   the run's cgroups, if the host has them; the child joins them before it execs
     * @param stdin    bytes for the child's stdin, which the launch shim moves to descriptor 9 (bwrap copies them into
     *                 the sandbox from there); the child's own stdin is /dev/null. Null: /dev/null only
     * @param fdFiles  files the launch shim opens as descriptors 3, 4, ... for the child (at most 6)
     * @param watchdog asked about twice a second while the run lives: a reason to stop it (a limit), or empty
     */
    public record Spec(List<String> command, Map<String, String> env, Path cwd, Path stdout, Path stderr,
                       List<String> mask, Optional<ProcessCgroup> cgroup, byte[] stdin, List<Path> fdFiles,
                       java.util.function.Supplier<Optional<String>> watchdog) {
        public Spec(List<String> command, Map<String, String> env, Path cwd, Path stdout, Path stderr,
                    List<String> mask, Optional<ProcessCgroup> cgroup) {
            this(command, env, cwd, stdout, stderr, mask, cgroup, null, List.of(), Optional::empty);
        }
    }

    /** A quick, bounded command (probes, version checks): output captured in memory, small by nature. */
    public record Captured(int exitCode, String stdout, String stderr, boolean timedOut) {}

    private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

    /**
     * $1 ao's pid (the parent-death race check), $2 the cgroup.procs files to join, $3 1 to move stdin to fd 9,
     * $4 how many files follow to open as fds 3.. (a loop with eval: the fd number is a digit of ours, never data).
     */
    private static final String LAUNCH_SHIM = "[ \"$PPID\" = \"$1\" ] || exit 125; for f in $2; do echo $$ > \"$f\" || exit 125; done; "
            + "if [ \"$3\" = 1 ]; then exec 9<&0 </dev/null; fi; n=$4; shift 4; i=3; "
            + "while [ \"$n\" -gt 0 ]; do eval \"exec $i<\\\"\\$1\\\"\" || exit 125; i=$((i+1)); n=$((n-1)); shift; done; exec \"$@\"";

    static {
        // One exec fewer per run: the JDK's default (posix_spawn) starts its jspawnhelper, which then execs the command;
        // vfork execs the command straight away (JDK 17 supports both). This class starts every process of ao, so the
        // property is set before the JDK first reads it; a launcher or person who chose a mechanism keeps theirs.
        if (System.getProperty(LAUNCH_MECHANISM) == null) System.setProperty(LAUNCH_MECHANISM, "VFORK");
    }

    private ProcessSupervisor() {}

    public static Running start(Spec spec) throws IOException {
        List<String> cmd = new ArrayList<>();
        // own session: a Ctrl-C at the terminal reaches ao only, which then stops the tree in order
        Binaries.which("setsid", spec.env().get("PATH")).or(() -> Binaries.which("/usr/bin/setsid", null))
                .ifPresent(p -> cmd.add(p.toString()));
        // if ao itself is killed (even -9), the kernel kills the child: with bwrap that is the whole sandbox
        Binaries.which("setpriv", spec.env().get("PATH")).or(() -> Binaries.which("/usr/bin/setpriv", null))
                .ifPresent(p -> cmd.addAll(List.of(p.toString(), "--pdeathsig", "KILL")));
        // The launch shim closes the race where ao dies after the fork but before the death signal is armed
        // (the parent is then no longer ao), and joins the run's cgroup before exec so no fork escapes it.
        // Values are arguments, never part of the shell text.
        if (spec.fdFiles().size() > 6) throw new IllegalArgumentException("at most 6 descriptor files, got " + spec.fdFiles().size());
        cmd.addAll(List.of("/bin/sh", "-c", LAUNCH_SHIM, "ao-launch", Long.toString(ProcessHandle.current().pid()),
                String.join(" ", spec.cgroup().map(c -> c.procsFiles().stream().map(Path::toString).toList()).orElse(List.of())),
                spec.stdin() != null ? "1" : "0", Integer.toString(spec.fdFiles().size())));
        spec.fdFiles().forEach(f -> cmd.add(f.toString()));
        cmd.addAll(spec.command());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(spec.cwd().toFile());
        pb.environment().clear();
        pb.environment().putAll(spec.env());
        if (spec.stdin() == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        boolean masked = !spec.mask().isEmpty();
        if (!masked) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(spec.stdout().toFile()));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(spec.stderr().toFile()));
        }
        Process p = pb.start();
        if (spec.stdin() != null) feed(p, spec.stdin());
        Running r = new Running(p, spec);
        if (masked) {
            r.pumps.add(pump("ao-stdout", p.getInputStream(), spec.stdout(), spec.mask(), r.bytes));
            r.pumps.add(pump("ao-stderr", p.getErrorStream(), spec.stderr(), spec.mask(), r.bytes));
        }
        return r;
    }

    /** Writes the bytes to the child's stdin and closes it, off this thread: a pipe holds only 64 KiB. */
    private static void feed(Process p, byte[] bytes) {
        Thread t = new Thread(() -> {
            try (OutputStream out = p.getOutputStream()) {
                out.write(bytes);
            } catch (IOException ignored) {
                // the child died before reading: its run ends failed with its own reason
            }
        }, "ao-stdin");
        t.setDaemon(true);
        t.start();
    }

    private static Thread pump(String name, InputStream in, Path file, List<String> mask, AtomicLong counter) {
        Thread t = new Thread(() -> {
            try (in; OutputStream out = new MaskingOutputStream(new FileOutputStream(file.toFile(), true), mask)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    counter.addAndGet(n);
                }
            } catch (IOException ignored) {
                // the stream was closed under us when the run ended: what was read is written
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A started process tree. */
    public static final class Running {
        private final Process process;
        private final Spec spec;
        private final List<Thread> pumps = new ArrayList<>();
        private final AtomicLong bytes = new AtomicLong();
        private volatile boolean canceled;

        private Running(Process process, Spec spec) {
            this.process = process;
            this.spec = spec;
        }

        public long pid() { return process.pid(); }

        /** Bytes of stdout + stderr so far. */
        public long bytesWritten() {
            if (!pumps.isEmpty()) return bytes.get();
            try {
                return Files.size(spec.stdout()) + Files.size(spec.stderr());
            } catch (IOException e) {
                return 0;
            }
        }

        /** Asks the run to stop; {@link #await} then ends the tree and returns {@link Ending#CANCELED}. */
        public void cancel() {
            canceled = true;
        }

        public boolean isAlive() { return process.isAlive(); }

        /** Waits for the process, the timeout or a cancel; whichever comes first, no process of the tree is left. */
        public Outcome await(Duration timeout, Duration grace) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            Ending ending = Ending.EXITED;
            String reason = null;
            long nextCheck = System.nanoTime() + 500_000_000L;
            while (true) {
                if (process.waitFor(100, TimeUnit.MILLISECONDS)) break;
                if (canceled) { ending = Ending.CANCELED; break; }
                if (System.nanoTime() >= deadline) { ending = Ending.TIMED_OUT; break; }
                if (System.nanoTime() >= nextCheck) {
                    Optional<String> over = spec.watchdog().get();
                    if (over.isPresent()) { ending = Ending.LIMIT; reason = over.get(); break; }
                    nextCheck = System.nanoTime() + 500_000_000L;
                }
            }
            if (ending != Ending.EXITED) {
                terminate(grace);
            } else if (!leftBehind().isEmpty()) {
                // the script is done: background children it left behind go with it
                terminate(Duration.ofMillis(200));
            }
            process.waitFor();
            for (Thread t : pumps) t.join(2000);
            int code = process.exitValue();
            return new Outcome(code, ending, reason);
        }

        /**
         * What is left of the run once its process has exited and been reaped: its orphans went to init, so no /proc
         * scan can find them as descendants; only the run's cgroup still knows them. Under bwrap the pid namespace
         * ended with its first process, and nothing is left.
         */
        private List<ProcessHandle> leftBehind() {
            return spec.cgroup().map(ProcessCgroup::processes).orElse(List.of());
        }

        private Set<ProcessHandle> tree() {
            Set<ProcessHandle> all = new LinkedHashSet<>();
            process.descendants().forEach(all::add);
            spec.cgroup().ifPresent(c -> all.addAll(c.processes()));
            all.remove(ProcessHandle.current());
            return all;
        }

        private static boolean isSandboxHelper(ProcessHandle h) {
            return h.info().command().map(c -> c.endsWith("/bwrap")).orElse(false);
        }

        /** SIGTERM to every process of the run, then SIGKILL to whatever is left after {@code grace}. */
        void terminate(Duration grace) throws InterruptedException {
            Set<ProcessHandle> all = tree();
            if (all.isEmpty() && !process.isAlive()) return;
            // TERM the script's processes, not bwrap's own: bwrap would take them down with SIGKILL at once
            all.stream().filter(h -> !isSandboxHelper(h)).forEach(ProcessHandle::destroy);
            if (all.isEmpty()) process.toHandle().destroy();
            long end = System.nanoTime() + grace.toNanos();
            // bwrap (or the script itself) ends with the run's last process: wait on it, then on any stragglers
            process.waitFor(grace.toNanos(), TimeUnit.NANOSECONDS);
            while (true) {
                if (!process.isAlive() && tree().isEmpty()) return;
                if (System.nanoTime() >= end) break;
                Thread.sleep(10);
            }
            for (int round = 0; round < 20; round++) {
                process.toHandle().destroyForcibly();
                Set<ProcessHandle> left = tree();
                left.forEach(ProcessHandle::destroyForcibly);
                if (!process.isAlive() && left.isEmpty()) return;
                Thread.sleep(50);
            }
        }
    }

    /**
     * Starts a supervisor that outlives this process and its terminal: its own session ({@code setsid}),
     * stdin from /dev/null, output to {@code log}. Returns its pid.
     */
    public static ProcessHandle spawnDetached(List<String> command, Path cwd, Map<String, String> env, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        Binaries.which("setsid", env.get("PATH")).or(() -> Binaries.which("/usr/bin/setsid", null))
                .ifPresent(p -> cmd.add(p.toString()));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectErrorStream(true);
        return pb.start().toHandle();
    }

    /**
     * Runs a program in the foreground on this process's own terminal (stdin, stdout, stderr inherited) and waits for
     * it: a pager over a log, opened from the TUI. Interrupted, it is ended with its tree.
     */
    public static int foreground(List<String> command, Path cwd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).inheritIO();
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = startBusyAware(pb);
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
    }

    /**
     * {@link ProcessBuilder#start}, again after a moment when the program was just written: another thread's child
     * may still hold the file open for writing for an instant (ETXTBSY, "Text file busy", JDK-8068370).
     */
    static Process startBusyAware(ProcessBuilder pb) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return pb.start();
            } catch (IOException e) {
                if (attempt >= 5 || e.getMessage() == null || !e.getMessage().contains("error=26")) throw e;
                Thread.sleep(20L * attempt);
            }
        }
    }

    /** Sends SIGTERM to a process that is not our child (a detached supervisor); false if it is gone. */
    public static boolean terminate(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::destroy).orElse(false);
    }

    /** Runs a short command to completion with captured output; for probes, never for scripts. */
    public static Captured capture(List<String> command, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Path out = Files.createTempFile("ao-probe", ".out");
            Path err = Files.createTempFile("ao-probe", ".err");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor();
                }
                return new Captured(done ? p.exitValue() : -1, read(out), read(err), !done);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Captured(-1, "", e.getMessage() == null ? e.toString() : e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Captured(-1, "", "interrupted", false);
        }
    }

    private static String read(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        return new String(b, 0, Math.min(b.length, 64 * 1024), StandardCharsets.UTF_8);
    }
}
