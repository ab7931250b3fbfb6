package dev.ao.cli.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ao doctor} as a real process against this machine: real bwrap, real cgroups, real tools. */
class DoctorIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    Path project;
    Path home;

    @BeforeEach
    void setUp() throws Exception {
        project = tmp.resolve("proj");
        home = tmp.resolve("home");
        Files.createDirectories(project.resolve("dotcodex"));
        Files.createDirectories(home);
        Files.writeString(project.resolve("dotcodex/config.toml"), "");
        Path skill = project.resolve("skills/demo/hello");
        Files.createDirectories(skill);
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: hello\ndescription: says hello\n---\nSay hello.\n");
        Files.writeString(skill.resolve("hello.sh"), "echo hello from the sandbox\n");
        Files.writeString(skill.resolve("script.json"), "{\"name\":\"hello\",\"script_file\":\"hello.sh\"}");
    }

    private Ao ao() {
        return new Ao(project, home);
    }

    private static JsonNode check(JsonNode arr, String name) {
        for (JsonNode n : arr) if (n.path("check").asText().equals(name)) return n;
        throw new AssertionError("no check '" + name + "' in " + arr);
    }

    /** A bin folder with only these programs, inside the project so a sandbox can see it. */
    private Path bin(String... programs) throws Exception {
        Path bin = project.resolve("bin");
        Files.createDirectories(bin);
        for (String p : programs) Files.createSymbolicLink(bin.resolve(p), Path.of(p.equals("java") ? System.getProperty("java.home") + "/bin/java" : "/bin/" + p));
        return bin;
    }

    @Test
    void onThisMachineTheSandboxReallyStartsAndEveryCheckHasALine() throws Exception {
        Ao.Result text = ao().run("doctor");
        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(text.out()).containsPattern("(?m)^ok +sandbox +bubblewrap .* started a workspace-write sandbox \\(network off\\)");
        assertThat(text.out()).containsPattern("(?m)^ok +config +" + project.resolve("dotcodex/config.toml") + " parses");
        assertThat(text.out()).containsPattern("(?m)^(ok|warn) +kubectl ");
        assertThat(text.out().lines()).allMatch(l -> l.matches("(ok|warn|fail) +\\S+ +\\S.*"));

        Ao.Result json = ao().run("doctor", "-o", "json");
        assertThat(json.exit()).isZero();
        JsonNode arr = JSON.readTree(json.out());
        assertThat(arr.isArray()).isTrue();
        for (JsonNode n : arr) {
            assertThat(n.fieldNames()).toIterable().containsExactly("check", "status", "detail");
            assertThat(n.path("status").asText()).isIn("ok", "warn", "fail");
        }
        assertThat(check(arr, "sandbox").path("status").asText()).isEqualTo("ok");
        assertThat(check(arr, "run-store").path("status").asText()).isEqualTo("ok");
        assertThat(check(arr, "python3").path("detail").asText()).doesNotContain("not found");
        assertThat(check(arr, "bash").path("detail").asText()).contains("needed by demo/hello");
        // the probe left nothing behind: no run store was created, no cgroup is left
        assertThat(project.resolve(".ao")).doesNotExist();
    }

    @Test
    void aBwrapThatCannotStartFailsUnderWorkspaceWriteAndOnlyWarnsUnderDangerFullAccess() throws Exception {
        // bwrap as it answers in a container that forbids user namespaces, first on PATH
        Path bin = project.resolve("fakebin");
        Files.createDirectories(bin);
        Path fake = bin.resolve("bwrap");
        Files.writeString(fake, "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'bubblewrap 0.8.0'; exit 0; }\n"
                + "echo 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\n"
                + "exit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = bin + ":" + System.getenv("PATH");

        Ao.Result r = ao().env("PATH", path).run("doctor");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).containsPattern("(?m)^fail +sandbox +bubblewrap 0.8.0 at " + fake
                + " cannot start a workspace-write sandbox: bwrap: No permissions to creating new namespace.*sandbox_mode = workspace-write \\(default\\) cannot run any script");
        assertThat(r.err()).contains("1 failure");

        // and it is telling the truth: ao run fails the same way
        Ao.Result run = ao().env("PATH", path).run("run", "demo/hello");
        assertThat(run.exit()).as(run.toString()).isEqualTo(126);
        assertThat(run.err()).contains("No permissions to creating new namespace");

        Files.writeString(project.resolve("dotcodex/config.toml"), "sandbox_mode = \"danger-full-access\"\n");
        Ao.Result danger = ao().env("PATH", path).run("doctor", "-o", "json");
        assertThat(danger.exit()).as(danger.toString()).isZero();
        JsonNode sandbox = check(JSON.readTree(danger.out()), "sandbox");
        assertThat(sandbox.path("status").asText()).isEqualTo("warn");
        assertThat(sandbox.path("detail").asText()).contains("not needed by sandbox_mode = danger-full-access");
    }

    @Test
    void withPathStrippedOfBwrapTheSandboxFailsAndRunsAgree() throws Exception {
        Path bin = bin("sh", "bash");
        Ao.Result r = ao().env("PATH", bin.toString()).run("doctor", "-o", "json");
        JsonNode arr = JSON.readTree(r.out());
        JsonNode sandbox = check(arr, "sandbox");
        List<String> missing = new ArrayList<>();
        for (JsonNode n : arr) if (n.path("detail").asText().startsWith("not found on PATH")) missing.add(n.path("check").asText());
        assertThat(missing).contains("python3", "node", "git", "kubectl", "aws");
        assertThat(check(arr, "node").path("status").asText()).isEqualTo("warn");
        // ao takes bwrap from PATH only, runs and doctor alike: without it the sandbox fails closed
        assertThat(sandbox.path("status").asText()).as(sandbox.toString()).isEqualTo("fail");
        assertThat(sandbox.path("detail").asText()).contains("not on PATH").contains("apt-get install bubblewrap");
        assertThat(r.exit()).isEqualTo(1);
        Ao.Result run = ao().env("PATH", bin.toString()).run("run", "demo/hello");
        assertThat(run.exit()).as(run.toString()).isEqualTo(126);
        assertThat(run.err()).contains("sandbox unavailable");
    }

    @Test
    void aBrokenProjectConfigIsAFailLineWithFileAndLine() throws Exception {
        Path file = project.resolve("dotcodex/config.toml");
        Files.writeString(file, "[scripts]\nexecution_timeout = 60\nallowed_extension = [\".py\"]\n");
        Ao.Result r = ao().run("doctor");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).containsPattern("(?m)^fail +config +" + file + ":3: unknown key 'scripts.allowed_extension'");
        // not a crash: the other checks ran against the defaults
        assertThat(r.out()).containsPattern("(?m)^ok +sandbox ");
        assertThat(r.err()).doesNotContain("Exception");

        Files.writeString(file, "sandbox_mode = \"workspace-write\"\n[scripts\n");
        JsonNode arr = JSON.readTree(ao().run("doctor", "-o", "json").out());
        assertThat(check(arr, "config").path("status").asText()).isEqualTo("fail");
        assertThat(check(arr, "config").path("detail").asText()).startsWith(file + ":2: TOML syntax error");
    }

    @Test
    void aRunStoreThatCannotBeWrittenFails() throws Exception {
        Files.writeString(project.resolve(".ao"), "not a folder");
        Ao.Result r = ao().run("doctor");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).containsPattern("(?m)^fail +run-store +cannot write to " + project.resolve(".ao/runs") + ": .*no run can be recorded");
    }
}
