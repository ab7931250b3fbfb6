package dev.ao.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real git repository on disk, driven with the git binary and isolated from user and system config. */
public final class GitRepo {

    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;

    private GitRepo(Path dir) {
        this.dir = dir;
    }

    /** {@code git init -b main} in {@code dir} (created if missing). */
    public static GitRepo init(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        run(dir, "init", "-q", "-b", "main");
        return new GitRepo(dir);
    }

    /** An existing repository, e.g. a clone. */
    public static GitRepo open(Path dir) {
        return new GitRepo(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes a file (parents created) without staging it. */
    public GitRepo write(String relPath, String content) {
        Path file = dir.resolve(relPath);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return this;
    }

    /** Stages everything and commits; returns the new commit id. */
    public String commit(String message) {
        run(dir, "add", "-A");
        run(dir, "commit", "-q", "--allow-empty", "-m", message);
        return head();
    }

    public GitRepo tag(String name) {
        run(dir, "tag", name);
        return this;
    }

    public String head() {
        return run(dir, "rev-parse", "HEAD").stdout().trim();
    }

    /** {@code git clone --bare} of this repository into {@code dest}; returns {@code dest}. */
    public Path bareClone(Path dest) {
        run(dir, "clone", "-q", "--bare", dir.toAbsolutePath().toString(), dest.toAbsolutePath().toString());
        return dest;
    }

    /** Runs any git command in this repository; fails with git's output when it fails. */
    public Processes.Result git(String... args) {
        return run(dir, args);
    }

    /**
     * An environment for git processes: no system or global config, a fixed identity, no
     * prompts, no proxies.
     */
    public static Map<String, String> gitEnv() {
        Map<String, String> env = Processes.baseEnv();
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_AUTHOR_NAME", "ao test");
        env.put("GIT_AUTHOR_EMAIL", "test@ao.invalid");
        env.put("GIT_COMMITTER_NAME", "ao test");
        env.put("GIT_COMMITTER_EMAIL", "test@ao.invalid");
        return env;
    }

    /** Runs {@code git args...} in {@code cwd} with {@link #gitEnv()}; throws with the output on failure. */
    public static Processes.Result run(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.add("-c");
        cmd.add("commit.gpgsign=false");
        cmd.addAll(List.of(args));
        return Processes.run(cmd, gitEnv(), cwd, GIT_TIMEOUT).orThrow();
    }
}
