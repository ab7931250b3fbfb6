package dev.ao.cli.e2e;

import dev.ao.testkit.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The installable distribution, as a person gets it: the tarball this build wrote (dist/ao-VERSION.tar.gz, passed
 * by failsafe as ao.dist) unpacked into a fresh folder, run with a fresh HOME from a fresh folder with only the
 * unpacked bin, Java's bin and /usr/bin:/bin on PATH: no Maven, no source tree, no JAVA_HOME.
 */
class DistIT {
    private Path base;
    private Path home;
    private Path work;
    private Path root;
    private String version;

    @BeforeEach
    void unpack() throws IOException {
        Path tarball = Path.of(System.getProperty("ao.dist", "../dist/missing.tar.gz")).toAbsolutePath().normalize();
        assertThat(tarball).as("the build's tarball (failsafe's ao.dist)").isRegularFile();
        Matcher m = Pattern.compile("ao-(.+)\\.tar\\.gz").matcher(tarball.getFileName().toString());
        assertThat(m.matches()).isTrue();
        version = m.group(1);
        // a temporary folder outside the repository: under it ao would find the repository's dotcodex/ and skills/
        base = Files.createTempDirectory("ao-dist-").toRealPath();
        home = Files.createDirectories(base.resolve("home"));
        work = Files.createDirectories(base.resolve("work"));
        Path install = Files.createDirectories(base.resolve("opt"));
        Processes.run(List.of("tar", "-xzf", tarball.toString(), "-C", install.toString()), Map.of("PATH", "/usr/bin:/bin"), null,
                Duration.ofSeconds(120)).orThrow();
        root = install.resolve("ao-" + version);
        assertThat(root.resolve("bin/ao")).isExecutable();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (base == null) return;
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private Map<String, String> env(Path bin) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", bin + ":" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        return env;
    }

    private Processes.Result ao(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ao"));
        cmd.addAll(List.of(args));
        // through bash's PATH lookup, as a person types it
        return Processes.run(concat(List.of("bash", "-c", "exec \"$@\"", "bash"), cmd), env(root.resolve("bin")), work, Duration.ofSeconds(300));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void theUnpackedTarballRunsTheReadmesMainJobWithNoSourceTree() throws Exception {
        Path jsa = home.resolve(".cache/ao/" + version + "/ao.jsa");
        assertThat(jsa).doesNotExist();

        // the README's first command, on the sample log that ships with the bundled skill
        Path sample = root.resolve("share/ao/skills/logs/error-summary/sample/app.log");
        assertThat(sample).isRegularFile();
        Processes.Result run = ao("run", "logs/error-summary", "-p", "path=" + sample);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stdout()).as(run.toString()).contains("# Error summary: app.log", "8 error types", "java.net.SocketTimeoutException");
        assertThat(run.stderr()).doesNotContain("Exception");
        assertThat(jsa).as("the class-data-sharing archive, prepared by the first run").isRegularFile();
        assertThat(Files.size(jsa)).isGreaterThan(100_000);
        try (Stream<Path> s = Files.list(jsa.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary file left").noneMatch(n -> n.endsWith(".tmp"));
        }
        long archived = Files.getLastModifiedTime(jsa).toMillis();

        Processes.Result skills = ao("skill", "list");
        assertThat(skills.exit()).as(skills.toString()).isZero();
        assertThat(skills.stdout()).contains("logs/error-summary", "k8s/bulk-restart", "core/orchestrator");

        Processes.Result runs = ao("runs", "list");
        assertThat(runs.exit()).as(runs.toString()).isZero();
        assertThat(runs.stdout()).contains("logs/error-summary", "succeeded");
        assertThat(home.resolve(".local/state/ao/runs")).isDirectory();
        assertThat(work).isEmptyDirectory();

        Processes.Result v = ao("--version");
        assertThat(v.exit()).as(v.toString()).isZero();
        assertThat(v.stdout().strip()).isEqualTo("ao " + version);
        assertThat(Files.getLastModifiedTime(jsa).toMillis()).as("later runs map the archive, not write it again").isEqualTo(archived);

        // through a relative symlink in another folder (~/.local/bin), the launcher still finds lib/ and share/
        Path links = Files.createDirectories(home.resolve(".local/bin"));
        Files.createSymbolicLink(links.resolve("ao"), links.relativize(root.resolve("bin/ao")));
        Processes.Result linked = Processes.run(List.of("bash", "-c", "ao skill show logs/error-summary"), env(links), work, Duration.ofSeconds(120));
        assertThat(linked.exit()).as(linked.toString()).isZero();
        assertThat(linked.stdout()).contains(root.resolve("share/ao/skills/logs/error-summary").toString());

        // the completion scripts shipped are what this ao prints
        Processes.Result bash = ao("completion", "bash");
        assertThat(bash.exit()).isZero();
        assertThat(Files.readString(root.resolve("share/completions/ao.bash"))).isEqualTo(bash.stdout());
        assertThat(root.resolve("share/completions/_ao")).isNotEmptyFile();
        assertThat(root.resolve("share/completions/ao.fish")).isNotEmptyFile();

        // the man pages render with the real man, without warnings
        Processes.Result man = Processes.run(List.of("man", "--warnings", "-l", root.resolve("share/man/man1/ao-run.1").toString()),
                Map.of("PATH", "/usr/bin:/bin", "MANWIDTH", "80", "LC_ALL", "C.UTF-8", "MANPAGER", "cat"), work, Duration.ofSeconds(60));
        assertThat(man.exit()).as(man.toString()).isZero();
        assertThat(man.stderr()).isEmpty();
        assertThat(man.stdout()).contains("--timeout", "EXIT STATUS", "ao " + version);
    }

    @Test
    void theActionInstallsTheTarballItNamesAndPutsItsBinOnPath() throws Exception {
        // action.yml's install step, run by bash as the runner would, with the tarball in the action's dist/
        com.fasterxml.jackson.databind.JsonNode action = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(Path.of(System.getProperty("ao.repo", "..")).resolve("action.yml").toFile());
        String script = null;
        for (var step : action.path("runs").path("steps")) if ("install".equals(step.path("id").asText())) script = step.path("run").asText();
        assertThat(script).isNotNull();
        Path actionPath = Files.createDirectories(base.resolve("action/dist"));
        Path tarball = Path.of(System.getProperty("ao.dist")).toAbsolutePath();
        Files.createSymbolicLink(actionPath.resolve(tarball.getFileName()), tarball);
        Path runnerTemp = Files.createDirectories(base.resolve("runner-temp"));
        Path ghPath = base.resolve("github-path");
        Path ghEnv = base.resolve("github-env");
        Map<String, String> env = env(Path.of("/nonexistent"));
        env.putAll(Map.of("AO_VERSION", version, "AO_ACTION_PATH", actionPath.getParent().toString(), "RUNNER_TEMP", runnerTemp.toString(),
                "GITHUB_PATH", ghPath.toString(), "GITHUB_ENV", ghEnv.toString()));
        Processes.Result r = Processes.run(List.of("bash", "-c", script), env, work, Duration.ofSeconds(300));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).as("installed, not built").doesNotContain("building").contains("ao " + version);
        Path bin = runnerTemp.resolve("ao/bin");
        assertThat(Files.readString(ghPath).strip()).isEqualTo(bin.toString());
        assertThat(Files.readString(ghEnv)).contains("AO_BIN=" + bin.resolve("ao"));
        Processes.Result skills = Processes.run(List.of("bash", "-c", "ao skill list"), env(bin), work, Duration.ofSeconds(120));
        assertThat(skills.exit()).as(skills.toString()).isZero();
        assertThat(skills.stdout()).contains("logs/error-summary");
    }

    @Test
    void aJavaOlderThan17IsRefusedInOneLine() throws Exception {
        // a fake JDK whose release file says 11: the launcher reads it and stops before starting any JVM
        Path jdk = Files.createDirectories(base.resolve("jdk11/bin"));
        Path java = jdk.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho started > \"$0.ran\"\n");
        java.toFile().setExecutable(true);
        Files.writeString(jdk.getParent().resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"11.0.22\"\n");
        Map<String, String> env = env(root.resolve("bin"));
        env.put("JAVA_HOME", jdk.getParent().toString());
        Processes.Result r = Processes.run(List.of(root.resolve("bin/ao").toString(), "--version"), env, work, Duration.ofSeconds(60));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().strip()).doesNotContain("\n").contains("Java 17", "11.0.22");
        assertThat(jdk.resolve("java.ran")).doesNotExist();
    }
}
