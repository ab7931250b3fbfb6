package dev.ao.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real {@code git daemon} serving every repository under a base directory on 127.0.0.1. */
public final class GitDaemon implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final int PORT_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path baseDir;
    private final Path log;

    private GitDaemon(Process process, int port, Path baseDir, Path log) {
        this.process = process;
        this.port = port;
        this.baseDir = baseDir;
        this.log = log;
    }

    /** Serves {@code baseDir/<name>} as {@code git://127.0.0.1:PORT/<name>}, with push (receive-pack) enabled. */
    public static GitDaemon start(Path baseDir) {
        Path base;
        Path log;
        try {
            base = baseDir.toRealPath();
            log = Files.createTempFile("git-daemon-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare git daemon for " + baseDir, e);
        }
        String failure = "";
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = FreePort.find();
            ProcessBuilder builder = new ProcessBuilder("git", "daemon", "--reuseaddr", "--base-path=" + base,
                    "--export-all", "--enable=receive-pack", "--informative-errors", "--listen=127.0.0.1",
                    "--port=" + port, base.toString());
            builder.environment().clear();
            builder.environment().putAll(GitRepo.gitEnv());
            builder.redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start git daemon", e);
            }
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && process.isAlive()) {
                if (FreePort.accepting(port)) {
                    return new GitDaemon(process, port, base, log);
                }
                FreePort.sleep(50);
            }
            String output = read(log);
            Processes.kill(process);
            failure = "git daemon on port " + port + (process.isAlive() ? " did not listen" : " exited")
                    + "; its output:\n" + output;
            if (!output.contains("Address already in use")) {
                break;
            }
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
        throw new IllegalStateException("GitDaemon failed to start: " + failure);
    }

    /** {@code git://127.0.0.1:PORT/<repoName>}. */
    public String url(String repoName) {
        return "git://127.0.0.1:" + port + "/" + repoName;
    }

    public int port() {
        return port;
    }

    public Path baseDir() {
        return baseDir;
    }

    public long pid() {
        return process.pid();
    }

    /** Stops the daemon and the per-connection children it forked. */
    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(5));
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
