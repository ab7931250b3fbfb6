package dev.ao.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built {@code ao} jar as a real process, the way a person or CI would.
 * Each instance has its own HOME and working directory so tests never share state.
 */
public final class Ao {

    /** What one {@code ao} invocation left behind. */
    public record Result(int exit, String stdout, String stderr) {
        public String out() { return stdout; }
        public String err() { return stderr; }
        @Override public String toString() {
            return "exit=" + exit + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private final Path jar;
    private final Path cwd;
    private final Map<String, String> env = new HashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();

    public Ao(Path cwd, Path home) {
        this.jar = jar();
        this.cwd = cwd;
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv("PATH"));
        env.put("LANG", "C.UTF-8");
        env.put("CI", "true");
        env.put("XDG_STATE_HOME", home.resolve(".local/state").toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    }

    /** The shaded jar built by the cli module; failsafe passes its path as {@code ao.jar}. */
    public static Path jar() {
        String p = System.getProperty("ao.jar");
        if (p == null) {
            p = repo().resolve("cli/target/ao.jar").toString();
        }
        return Path.of(p);
    }

    /** The repository root; failsafe passes it as {@code ao.repo}. */
    public static Path repo() {
        String p = System.getProperty("ao.repo");
        if (p != null) return Path.of(p);
        Path here = Path.of("").toAbsolutePath();
        while (here != null && !Files.exists(here.resolve("dotcodex"))) here = here.getParent();
        if (here == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        return here;
    }

    public Ao env(String key, String value) {
        if (value == null) env.remove(key); else env.put(key, value);
        return this;
    }

    public Map<String, String> env() { return env; }

    public Ao jvm(String arg) { jvmArgs.add(arg); return this; }

    public Path cwd() { return cwd; }

    /**
     * The uid ao runs as in this suite: {@code -Dao.it.uid=N} makes a root test run start ao as that unprivileged
     * user (the suite's non-root pass); empty runs ao as the test's own user.
     */
    public static java.util.Optional<Integer> itUid() {
        String u = System.getProperty("ao.it.uid", "");
        return u.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Integer.parseInt(u.trim()));
    }

    public List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        itUid().ifPresent(u -> cmd.addAll(List.of("setpriv", "--reuid=" + u, "--regid=" + u, "--clear-groups", "--")));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts ao without waiting; stdout and stderr go to the given files. */
    public Process start(Path stdout, Path stderr, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(stdout.toFile());
        pb.redirectError(stderr.toFile());
        return pb.start();
    }

    /** Runs ao to completion (at most {@code timeoutSeconds}) and returns what it printed. */
    public Result run(long timeoutSeconds, String... args) {
        try {
            Path out = Files.createTempFile("ao-out", ".txt");
            Path err = Files.createTempFile("ao-err", ".txt");
            try {
                Process p = start(out, err, args);
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor();
                    throw new AssertionError("ao " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s\n"
                            + Files.readString(out) + "\n" + Files.readString(err));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public Result run(String... args) { return run(120, args); }
}
