package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ao processes a test started that outlive the command that started them (a detached run's supervisor): each is
 * remembered by pid and start time the moment it is known, and {@link #close} ends whichever is still there, with its
 * descendants, by that pid.
 */
final class OwnProcesses implements AutoCloseable {
    private record Own(long pid, Optional<java.time.Instant> started) {}

    private final List<Own> pids = new ArrayList<>();

    /** A detached run's supervisor, as its run.json names it. */
    long supervisorOf(Path runDir) {
        long pid = WorkflowRecords.read(runDir.resolve("run.json")).path("supervisor").path("pid").asLong();
        if (pid <= 0) throw new AssertionError(runDir + "/run.json names no supervisor pid");
        track(pid);
        return pid;
    }

    void track(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> pids.add(new Own(pid, h.info().startInstant())));
    }

    /** Alive and not a zombie (a killed orphan stays a zombie until init reaps it; it no longer runs). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    /** Waits (bounded) until none of {@code pids} runs; true when they are all gone. */
    static boolean awaitGone(List<Long> pids, java.time.Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (pids.stream().anyMatch(OwnProcesses::running)) {
            if (System.nanoTime() > end) return false;
            Thread.sleep(20);
        }
        return true;
    }

    static void kill9(long pid) throws InterruptedException {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        if (!awaitGone(List.of(pid), java.time.Duration.ofSeconds(10))) throw new AssertionError("pid " + pid + " survived kill -9");
    }

    @Override
    public void close() {
        for (Own o : pids) {
            ProcessHandle.of(o.pid()).ifPresent(h -> {
                // the same process, not a reused pid: same start time, and it is the ao jar
                if (!h.info().startInstant().equals(o.started())) return;
                if (!h.info().commandLine().map(c -> c.contains(Ao.jar().getFileName().toString())).orElse(true)) return;
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
        try {
            awaitGone(pids.stream().map(Own::pid).toList(), java.time.Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
