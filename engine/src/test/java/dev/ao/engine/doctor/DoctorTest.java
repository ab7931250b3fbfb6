package dev.ao.engine.doctor;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.doctor.Check.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DoctorTest {
    @TempDir Path tmp;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HOME", tmp.resolve("home").toString());
        env.remove("XDG_CONFIG_HOME");
        env.remove("XDG_STATE_HOME");
        return env;
    }

    private Path project(String toml) throws Exception {
        Path p = tmp.resolve("proj");
        Files.createDirectories(p.resolve("dotcodex"));
        Files.writeString(p.resolve("dotcodex/config.toml"), toml);
        return p;
    }

    private AoConfig config(Path project, String mode) {
        return new ConfigLoader(project, env()).load(mode == null ? Map.of() : Map.of("sandbox_mode", mode));
    }

    @Test
    void missingBwrapFailsWhenTheConfiguredModeNeedsIt() throws Exception {
        Path p = project("");
        Check c = SandboxProbe.check(Optional.empty(), p, config(p, null), env(), false);
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).contains("bwrap", "not on PATH", "sandbox_mode = workspace-write (default)", "apt-get install bubblewrap");
    }

    @Test
    void missingBwrapIsOnlyAWarningUnderDangerFullAccess() throws Exception {
        Path p = project("sandbox_mode = \"danger-full-access\"\n");
        Check c = SandboxProbe.check(Optional.empty(), p, config(p, null), env(), false);
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("not needed by sandbox_mode = danger-full-access (" + p.resolve("dotcodex/config.toml") + ":1)");
    }

    @Test
    void realBwrapStartsARealSandbox() throws Exception {
        Optional<Path> bwrap = SandboxProbe.locate(env());
        assumeTrue(bwrap.isPresent(), "bwrap is not installed here");
        Check c = SandboxProbe.check(bwrap, tmp, config(project(""), null), env(), false);
        assertThat(c.status()).as(c.detail()).isEqualTo(Status.OK);
        assertThat(c.detail()).contains("started a workspace-write sandbox");
    }

    @Test
    void aBwrapThatCannotStartIsReportedWithItsOwnErrorLine() throws Exception {
        Path fake = tmp.resolve("bin/bwrap");
        Files.createDirectories(fake.getParent());
        Files.writeString(fake, "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'bubblewrap 0.8.0'; exit 0; }\n"
                + "echo 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Check c = SandboxProbe.check(Optional.of(fake), tmp, config(project(""), null), env(), false);
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).contains("cannot start a workspace-write sandbox: bwrap: No permissions to creating new namespace",
                "unprivileged user namespaces", "danger-full-access");
        Check danger = SandboxProbe.check(Optional.of(fake), tmp, config(project(""), "danger-full-access"), env(), false);
        assertThat(danger.status()).isEqualTo(Status.WARN);
    }

    @Test
    void runStoreProbeLeavesNoFoldersBehind() throws Exception {
        Path runs = tmp.resolve("state/.ao/runs");
        Check c = Doctor.runStore(runs);
        assertThat(c.status()).as(c.detail()).isEqualTo(Status.OK);
        assertThat(tmp.resolve("state")).doesNotExist();
    }

    @Test
    void runStoreThatCannotBeCreatedFails() throws Exception {
        Files.writeString(tmp.resolve("state"), "a file where the state folder should be");
        Check c = Doctor.runStore(tmp.resolve("state/runs"));
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).startsWith("cannot write to " + tmp.resolve("state/runs")).contains("no run can be recorded");
    }

    @Test
    void brokenConfigIsOneFailedLineAndTheOtherChecksStillRun() throws Exception {
        Path p = project("[scripts]\nexecution_timeout = 60\ntimeout = 5\n");
        Doctor.Report r = new Doctor(p, env()).run();
        Check config = r.checks().get(0);
        assertThat(config.status()).isEqualTo(Status.FAIL);
        assertThat(config.detail()).startsWith(p.resolve("dotcodex/config.toml") + ":3: unknown key 'scripts.timeout'");
        assertThat(r.checks()).extracting(Check::name).contains("sandbox", "seccomp", "run-store", "skills", "python3", "kubectl", "aws");
        assertThat(r.failed()).isTrue();
        assertThat(p.resolve(".ao")).doesNotExist();
    }

    @Test
    void toolsDemandedBySkillsAreNamedWithTheSkills() throws Exception {
        Path p = project("");
        Path skill = p.resolve("skills/ops/probe");
        Files.createDirectories(skill);
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: probe\ndescription: d\n---\nbody\n");
        Files.writeString(skill.resolve("probe.py"), "print('x')\n");
        Files.writeString(skill.resolve("script.json"), "{\"name\":\"probe\",\"script_file\":\"probe.py\","
                + "\"demands\":{\"binaries\":[\"kubectl\",\"no-such-tool-ao\"]}}");
        Doctor.Report r = new Doctor(p, env()).run();
        Check missing = r.checks().stream().filter(c -> c.name().equals("no-such-tool-ao")).findFirst().orElseThrow();
        assertThat(missing.status()).isEqualTo(Status.WARN);
        assertThat(missing.detail()).isEqualTo("not found on PATH; needed by ops/probe");
        Check py = r.checks().stream().filter(c -> c.name().equals("python3")).findFirst().orElseThrow();
        assertThat(py.detail()).contains("needed by ops/probe");
        assertThat(r.failed()).as(r.toString()).isFalse();
    }

    @Test
    void missingToolIsAWarning() {
        Map<String, String> env = env();
        env.put("PATH", tmp.toString());
        Check c = ToolProbe.check("node", env, List.of());
        assertThat(c).isEqualTo(new Check("node", Status.WARN, "not found on PATH; no skill here needs it"));
    }

    @Test
    void versionsAreReadFromWhatTheToolsPrint() {
        assertThat(ToolProbe.kubectl("{\"clientVersion\":{\"major\":\"1\",\"gitVersion\":\"v1.31.2\"},\"kustomizeVersion\":\"v5\"}"))
                .isEqualTo("kubectl v1.31.2");
        assertThat(ToolProbe.kubectl("error: unknown flag")).isNull();
        assertThat(ToolProbe.aws("aws-cli/2.17.20 Python/3.11.9 Linux/6.1.0 exe/x86_64.debian.12\n")).isEqualTo("aws-cli/2.17.20");
        assertThat(ToolProbe.aws("pyenv: aws: command not found")).isNull();
        assertThat(ToolProbe.offline(Map.of())).containsEntry("AWS_MAX_ATTEMPTS", "1").containsEntry("AWS_EC2_METADATA_DISABLED", "true");
    }
}
