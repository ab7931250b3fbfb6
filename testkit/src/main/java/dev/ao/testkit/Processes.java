package dev.ao.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a bounded timeout and captures its output. */
public final class Processes {

    /** Environment variables that would send loopback traffic to a proxy. */
    private static final Set<String> PROXY_VARS = Set.of(
            "http_proxy", "https_proxy", "all_proxy", "no_proxy",
            "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY");

    private Processes() {}

    /** What a finished (or timed out) command left behind. */
    public record Result(List<String> command, int exit, String stdout, String stderr,
                         boolean timedOut, Duration elapsed) {
        public boolean ok() {
            return exit == 0 && !timedOut;
        }

        /** Returns this result, or throws with the full output when the command failed. */
        public Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException("command failed: " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit=" + exit + (timedOut ? " (timed out)" : "")
                    + " in " + elapsed.toMillis() + " ms\n--- stdout ---\n" + stdout
                    + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * A small environment for child processes: PATH, LANG, HOME, TMPDIR and pyenv's
     * variables from this JVM, and no proxy settings. Callers add or override entries.
     */
    public static Map<String, String> baseEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String key : List.of("PATH", "HOME", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION", "JAVA_HOME")) {
            String value = System.getenv(key);
            if (value != null) {
                env.put(key, value);
            }
        }
        env.put("LANG", "C.UTF-8");
        return env;
    }

    /** The environment of this JVM without proxy settings. */
    public static Map<String, String> inheritedEnvWithoutProxies() {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        PROXY_VARS.forEach(env::remove);
        return env;
    }

    /**
     * Runs {@code cmd} and waits at most {@code timeout}. On timeout the process and its
     * descendants are killed and the result has {@code timedOut=true} and exit -1.
     *
     * @param env the complete environment of the child, or null to inherit this JVM's
     * @param cwd working directory, or null for this JVM's
     */
    public static Result run(List<String> cmd, Map<String, String> env, Path cwd, Duration timeout) {
        return run(cmd, env, cwd, timeout, null);
    }

    /** Like {@link #run(List, Map, Path, Duration)} with {@code stdin} written to the process. */
    public static Result run(List<String> cmd, Map<String, String> env, Path cwd, Duration timeout,
                             String stdin) {
        ProcessBuilder builder = new ProcessBuilder(cmd);
        if (env != null) {
            builder.environment().clear();
            builder.environment().putAll(env);
        }
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        Drain out = new Drain(process.getInputStream());
        Drain err = new Drain(process.getErrorStream());
        out.start();
        err.start();
        boolean timedOut = false;
        try {
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process may exit without reading its input
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(process);
            }
            out.join(5_000);
            err.join(5_000);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        int exit = timedOut ? -1 : process.exitValue();
        return new Result(List.copyOf(cmd), exit, out.text(), err.text(), timedOut, elapsed);
    }

    /** Kills a process we started and everything it started, and waits (bounded) until they are gone. */
    public static void kill(Process process) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        tree.add(process.toHandle());
        awaitGone(tree, Duration.ofSeconds(10));
        reap(process);
    }

    /** Asks a process we started (and its descendants) to stop, then kills what is left after {@code grace}. */
    public static void stop(Process process, Duration grace) {
        if (process == null || !process.isAlive()) {
            return;
        }
        List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        if (!awaitGone(tree, grace)) {
            tree.forEach(ProcessHandle::destroyForcibly);
            awaitGone(tree, Duration.ofSeconds(10));
        }
        reap(process);
    }

    /** Our own child is a zombie until the JDK reaps it; wait for that so isAlive() is false after. */
    private static void reap(Process process) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls rather than using onExit(): the JDK polls non-child processes with long back-offs. */
    private static boolean awaitGone(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (handles.stream().anyMatch(Processes::running)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Alive and not a zombie. A killed grandchild is re-parented to init and stays a zombie
     * until init reaps it, which can take seconds in a container; it no longer runs.
     */
    static boolean running(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", String.valueOf(handle.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return handle.isAlive();
        }
    }

    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buffer);
            } catch (IOException ignored) {
                // the stream closes when the process is killed
            }
        }

        String text() {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }
}
