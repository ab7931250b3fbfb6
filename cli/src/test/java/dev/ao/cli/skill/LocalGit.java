package dev.ao.cli.skill;

import dev.ao.testkit.FreePort;
import dev.ao.testkit.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real git for the tests: a working repository driven by the {@code git} binary, and a real {@code git daemon}
 * on 127.0.0.1. (Private stand-ins for the testkit's GitRepo and GitDaemon, which this branch does not have yet.)
 */
final class LocalGit {
    private LocalGit() {}

    /** git with no user or system config, a fixed identity and {@code main} as the first branch. */
    static Map<String, String> env(Path home) {
        Map<String, String> env = Processes.baseEnv();
        env.put("HOME", home.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_AUTHOR_NAME", "ao test");
        env.put("GIT_AUTHOR_EMAIL", "test@example.com");
        env.put("GIT_COMMITTER_NAME", "ao test");
        env.put("GIT_COMMITTER_EMAIL", "test@example.com");
        return env;
    }

    static Processes.Result git(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, env(cwd.getParent()), cwd, Duration.ofSeconds(60)).orThrow();
    }

    /** A working repository that pushes to a bare one. */
    static final class Repo {
        private final Path dir;

        private Repo(Path dir) {
            this.dir = dir;
        }

        static Repo init(Path dir) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            git(dir, "init", "-q");
            return new Repo(dir);
        }

        Path dir() { return dir; }

        Repo write(String rel, String content) {
            try {
                Path f = dir.resolve(rel);
                Files.createDirectories(f.getParent());
                Files.writeString(f, content);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Repo delete(String rel) {
            git(dir, "rm", "-rq", rel);
            return this;
        }

        String commit(String message) {
            git(dir, "add", "-A");
            git(dir, "commit", "-qm", message);
            return head();
        }

        String head() {
            return git(dir, "rev-parse", "HEAD").stdout().strip();
        }

        /** A bare copy at {@code dest}, set as this repo's origin so {@link #push()} updates it. */
        Path bareClone(Path dest) {
            git(dir.getParent(), "clone", "-q", "--bare", dir.toString(), dest.toString());
            git(dir, "remote", "add", "origin", dest.toString());
            return dest;
        }

        void push() {
            git(dir, "push", "-q", "origin", "main");
        }
    }

    /** {@code git daemon} serving every repository under a folder, on a free loopback port. */
    static final class Daemon implements AutoCloseable {
        private final Process process;
        private final int port;

        private Daemon(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Daemon start(Path base) {
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = FreePort.find();
                ProcessBuilder pb = new ProcessBuilder("git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                        "--port=" + port, "--base-path=" + base, base.toString());
                pb.environment().clear();
                pb.environment().putAll(env(base));
                pb.redirectErrorStream(true);
                pb.redirectOutput(base.resolveSibling("git-daemon-" + port + ".log").toFile());
                try {
                    Process p = pb.start();
                    if (FreePort.awaitAccepting(port, Duration.ofSeconds(10))) return new Daemon(p, port);
                    Processes.kill(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            throw new IllegalStateException("git daemon did not start");
        }

        String url(String repo) {
            return "git://127.0.0.1:" + port + "/" + repo;
        }

        int port() { return port; }

        @Override
        public void close() {
            Processes.stop(process, Duration.ofSeconds(5));
        }
    }
}
