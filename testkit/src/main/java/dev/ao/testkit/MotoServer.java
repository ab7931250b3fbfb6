package dev.ao.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real AWS mock, {@code python -m moto.server}, as a child process on 127.0.0.1, for tests
 * that run the real {@code aws} CLI. {@link #env()} is what such a process needs to talk to it.
 */
public final class MotoServer implements AutoCloseable {

    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;
    private static volatile String python;

    private final Process process;
    private final int port;
    private final Path dir;
    private final HttpClient http;

    private MotoServer(Process process, int port, Path dir, HttpClient http) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.http = http;
    }

    public static MotoServer start() {
        return start(DEFAULT_START_TIMEOUT);
    }

    /** Starts moto on a free port and waits until {@code /moto-api/} answers. */
    public static MotoServer start(Duration timeout) {
        Path dir;
        try {
            dir = Files.createTempDirectory("moto-server-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2)).build();
        String failure = "";
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = FreePort.find();
            Path log = dir.resolve("moto-" + port + ".log");
            ProcessBuilder builder = new ProcessBuilder(python(), "-m", "moto.server", "-H", "127.0.0.1",
                    "-p", String.valueOf(port));
            builder.environment().clear();
            builder.environment().putAll(Processes.inheritedEnvWithoutProxies());
            builder.redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start moto with " + python(), e);
            }
            MotoServer server = new MotoServer(process, port, dir, http);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && process.isAlive()) {
                if (server.answers()) {
                    return server;
                }
                FreePort.sleep(100);
            }
            String output = read(log);
            Processes.kill(process);
            if (!process.isAlive() && output.contains("Address already in use") && attempt < PORT_ATTEMPTS) {
                continue;
            }
            failure = (process.isAlive() ? "moto did not answer on 127.0.0.1:" + port + " within " + timeout.toSeconds() + " s"
                    : "moto exited with " + process.exitValue()) + "; its output:\n" + output;
            break;
        }
        deleteQuietly(dir);
        throw new IllegalStateException("MotoServer failed to start: " + failure);
    }

    /**
     * The interpreter that really runs moto. A pyenv shim forks, so killing the shim would
     * orphan the server; asking python for sys.executable gives the binary behind the shim.
     */
    static String python() {
        String p = python;
        if (p == null) {
            String configured = System.getProperty("ao.test.python", System.getenv("AO_TEST_PYTHON"));
            if (configured != null && !configured.isBlank()) {
                p = configured;
            } else {
                Processes.Result r = Processes.run(List.of("python3", "-c", "import sys;print(sys.executable)"),
                        null, null, Duration.ofSeconds(30));
                if (!r.ok() || r.stdout().isBlank()) {
                    throw new IllegalStateException("cannot find the python interpreter for moto: " + r);
                }
                p = r.stdout().trim();
            }
            python = p;
        }
        return p;
    }

    private boolean answers() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/moto-api/"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Forgets every resource in every service (POST /moto-api/reset). */
    public void reset() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/moto-api/reset"))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("moto reset answered " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("moto reset failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Variables that point the real {@code aws} CLI (and boto3) at this server with fake
     * credentials, no retries, no pager, no instance-metadata lookups and no user config.
     */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ENDPOINT_URL", url());
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.put("AWS_PAGER", "");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
        env.put("NO_PROXY", "127.0.0.1,localhost");
        return env;
    }

    /** What the server printed so far, for failure messages. */
    public String output() {
        return read(dir.resolve("moto-" + port + ".log"));
    }

    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(5));
        deleteQuietly(dir);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(paths);
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }
}
