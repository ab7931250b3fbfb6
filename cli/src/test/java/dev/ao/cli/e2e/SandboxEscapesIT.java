package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks a hostile script makes on the machine through ao, each against the real bwrap sandbox and the built ao.
 * Each asserts that the attack's effect is absent (the host file unchanged, the canary in no file or output), not
 * only that something failed. Runs as whoever runs the suite: as root, scripts must run as another uid.
 */
class SandboxEscapesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("escape");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private Ao.Result run(String script, String... args) {
        project.script("attack.sh", script);
        String[] all = new String[args.length + 2];
        all[0] = "run";
        all[1] = "attack.sh";
        System.arraycopy(args, 0, all, 2, args.length);
        return project.ao().run(120, all);
    }

    private String stdoutLog() {
        List<String> ids = project.runIds();
        return project.read(project.runDir(ids.get(ids.size() - 1)).resolve("stdout.log"));
    }

    private JsonNode lastRun() throws Exception {
        List<String> ids = project.runIds();
        return JSON.readTree(project.runDir(ids.get(ids.size() - 1)).resolve("run.json").toFile());
    }

    /** No file under the test's folder (project, store, HOME) holds {@code canary}, apart from {@code except}. */
    private void assertNowhere(String canary, Path... except) throws Exception {
        for (Path f : TestProject.filesUnder(project.base())) {
            if (List.of(except).contains(f)) continue;
            assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(canary);
        }
    }

    /** Whether ao (not this test) runs as root. */
    private static boolean root() throws Exception {
        return Ao.itUid().isEmpty() && Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    @Test
    void aScriptIsNeverRootAndCannotWriteTheKernelsSettings() throws Exception {
        String before = Files.readString(Path.of("/proc/sys/kernel/core_pattern"));
        Ao.Result r = run("#!/bin/bash\n"
                + "echo \"uid=$(id -u)\"\n"
                + "echo '|/bin/true' > /proc/sys/kernel/core_pattern 2>/dev/null && echo CORE-WRITTEN\n"
                + "echo \"writable=$(find /proc/sys /sys -type f -writable 2>/dev/null | wc -l)\"\n"
                + "echo 1 > /proc/sysrq-trigger 2>/dev/null && echo SYSRQ-WRITTEN\n"
                + "cp /bin/sh \"$AO_WORKSPACE/s\" && chmod 4755 \"$AO_WORKSPACE/s\" && echo planted\n", "--keep-workspace");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Files.readString(Path.of("/proc/sys/kernel/core_pattern"))).isEqualTo(before);
        String log = stdoutLog();
        assertThat(log).doesNotContain("CORE-WRITTEN").doesNotContain("SYSRQ-WRITTEN").contains("writable=0").contains("planted");
        if (root()) {
            assertThat(log).contains("uid=61000");
            assertThat(lastRun().path("sandbox").path("run_as_uid").asInt()).isEqualTo(61000);
        }
        // the kept workspace holds no setuid program owned by root (or by anyone): taking the file back cleared the bit
        Path s = Path.of(lastRun().path("workspace").asText()).resolve("s");
        assertThat(s).exists();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(s, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(s, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(s, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        assertThat(owner).isEqualTo(Files.getAttribute(project.root(), "unix:uid"));
        assertThat((mode & 04000) != 0 && owner == 0).as("a setuid-root program on " + s + " " + perms).isFalse();
        // as root ao the file went back to root, which cleared the bit; as a user it is that user's own setuid file
        if (root()) assertThat(mode & 04000).as("setuid bit on " + s + " " + perms).isZero();
    }

    @Test
    void aoReadsNoLinkTheScriptPlantedAsSummaryOrOutputs() throws Exception {
        String canary = "KEY-" + UUID.randomUUID();
        Path key = project.write("secret-key.txt", canary + "\n");
        String envCanary = "ENVCANARY-" + UUID.randomUUID();
        project.script("attack.sh", "#!/bin/bash\n"
                + "rm -f \"$AO_SUMMARY\" \"$AO_OUTPUT\"\n"
                + "ln -s '" + key + "' \"$AO_SUMMARY\"\n"
                + "ln -s /proc/self/environ \"$AO_OUTPUT\"\n"
                + "echo last-line\n");
        Ao.Result r = project.ao().env("AO_TEST_CANARY", envCanary).run(60, "run", "attack.sh", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout() + r.stderr()).doesNotContain(canary).doesNotContain(envCanary);
        assertThat(lastRun().path("summary").asText()).isEqualTo("last-line");
        assertNowhere(canary, key);
        assertNowhere(envCanary);

        // a FIFO as the summary cannot make ao wait forever
        Ao.Result fifo = run("#!/bin/bash\nrm -f \"$AO_SUMMARY\"; mkfifo \"$AO_SUMMARY\"; echo fifo-done\n");
        assertThat(fifo.exit()).as(fifo.toString()).isZero();
        assertThat(fifo.stdout()).isEqualTo("fifo-done\n");
    }

    @Test
    void noUnixSocketOutsideTheSandboxIsReachableWithNetworkOff() throws Exception {
        Path sock = project.root().resolve("host.sock");
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Files.setPosixFilePermissions(sock, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            server.configureBlocking(false);
            Ao.Result r = run("#!/bin/bash\n"
                    + "python3 - '" + sock + "' <<'PY'\n"
                    + "import socket, sys\n"
                    + "try:\n"
                    + "    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'hello'); print('CONNECTED')\n"
                    + "except OSError as e:\n"
                    + "    print('refused', e.errno)\n"
                    + "PY\n"
                    + "ls /run /var/run 2>&1 | grep -v '^ao$' | grep -v ':' | head -3; echo run-listed\n");
            assertThat(r.exit()).as(r.toString()).isZero();
            for (int i = 0; i < 5; i++) {
                try (SocketChannel c = server.accept()) {
                    if (c != null) accepted.incrementAndGet();
                }
                Thread.sleep(20);
            }
            assertThat(accepted.get()).as("connections the host socket accepted").isZero();
            assertThat(stdoutLog()).doesNotContain("CONNECTED").contains("refused 1");
            assertThat(lastRun().path("sandbox").path("seccomp").asText()).isEqualTo("unix sockets refused");
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    @Test
    void runsCannotSeeOrChangeEachOtherNorPlantCodeInAosLibrary() throws Exception {
        String canary = "RUN1-" + UUID.randomUUID();
        Ao.Result first = run("#!/bin/bash\necho " + canary + "\n");
        assertThat(first.exit()).isZero();
        String firstId = project.runIds().get(0);
        Path firstJson = project.runDir(firstId).resolve("run.json");
        String firstBefore = Files.readString(firstJson);
        project.config("[scripts]\nexecution_timeout = 60\n[sandbox_workspace_write]\nwritable_roots = [\".\"]\n");
        Ao.Result second = run("#!/bin/bash\ncd \"$AO_CWD\"\n"
                + "cat .ao/runs/*/stdout.log 2>/dev/null\n"
                + "grep -r " + canary.substring(0, 8) + " .ao 2>/dev/null && echo FOUND\n"
                + "echo '{}' > .ao/runs/" + firstId + "/run.json 2>/dev/null && echo REWROTE\n"
                + "for d in .ao/lib/*/python; do echo 'raise SystemExit(\"planted\")' > \"$d/json.py\" 2>/dev/null && echo PLANTED; done\n"
                + "mkdir -p .ao/lib/x/python 2>/dev/null && echo MKDIR\n"
                + "echo attempted\n");
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(stdoutLog()).contains("attempted").doesNotContain(canary).doesNotContain("FOUND").doesNotContain("REWROTE")
                .doesNotContain("PLANTED");
        assertThat(Files.readString(firstJson)).isEqualTo(firstBefore);
        try (var files = Files.walk(project.root().resolve(".ao/lib"))) {
            assertThat(files.filter(f -> f.getFileName().toString().equals("json.py")).toList()).isEmpty();
        }
        // a later Python run still imports the real json
        project.script("later.py", "#!/usr/bin/env python3\nimport json, ao_skill\nprint(json.dumps({'ok': True}))\n");
        Ao.Result later = project.ao().run("run", "later.py");
        assertThat(later.exit()).as(later.toString()).isZero();
        assertThat(later.stdout()).isEqualTo("{\"ok\": true}\n");
    }

    @Test
    void memoryIsLimitedForTheWholeRunNotPerProcess() throws Exception {
        project.config("[scripts]\nexecution_timeout = 60\n[sandbox]\nmax_memory = \"200M\"\n");
        // three processes of 90 MB each and 60 MB in /dev/shm: each alone is under the limit, together they are not
        Ao.Result r = run("#!/bin/bash\n"
                + "head -c 60000000 /dev/zero > /dev/shm/fill\n"
                + "for i in 1 2 3; do python3 -c 'import time; b = bytearray(90*1000*1000); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(20)' & done\n"
                + "wait\necho ALL-HELD\n");
        JsonNode run = lastRun();
        Assumptions.assumeTrue(run.path("sandbox").path("limits").path("memory_enforced_by").asText().startsWith("cgroup"),
                "no writable memory cgroup here: the limit is per process (README)");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(run.path("state").asText()).isEqualTo("failed");
        assertThat(run.path("reason").asText()).contains("memory limit reached (sandbox.max_memory = 200M)");
        assertThat(r.stderr()).contains("memory limit reached");
    }

    @Test
    void diskIsLimitedForTheWholeRunNotPerFile() throws Exception {
        project.config("[scripts]\nexecution_timeout = 60\n[sandbox]\nmax_disk = \"40M\"\n");
        Ao.Result r = run("#!/bin/bash\nfor i in $(seq 1 30); do head -c 5000000 /dev/zero > \"f$i\"; sleep 0.1; done\necho WROTE-ALL\n");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(stdoutLog()).doesNotContain("WROTE-ALL");
        assertThat(lastRun().path("reason").asText()).contains("disk limit reached (sandbox.max_disk = 40M)");
        // /tmp is a tmpfs of that size: one file past it fails inside the script
        Ao.Result tmp = run("#!/bin/bash\nhead -c 60000000 /dev/zero > /tmp/big 2>/dev/null || echo tmp-full\n");
        assertThat(stdoutLog()).contains("tmp-full");
        assertThat(tmp.exit()).isZero();
    }

    @Test
    void noPlaintextSecretOutlivesTheRunEvenWhenAoIsKilled() throws Exception {
        String secret = "S3CR3T-" + UUID.randomUUID();
        project.write("skills/sec/SKILL.md", "---\nname: sec\ndescription: holds a secret\n---\n");
        project.write("skills/sec/script.json", "{\"script_file\": \"s.sh\", \"parameters_schema\": {\"type\": \"object\","
                + " \"properties\": {\"token\": {\"type\": \"string\", \"secret\": true}}}}");
        // masked output reaches the log when the run ends: the script says it is ready with a file
        project.script("skills/sec/s.sh", "#!/bin/bash\ngrep -c S3CR3T \"$AO_PARAMS\" > /dev/null && touch ready\nsleep 30\n");
        Path out = project.base().resolve("out.txt");
        Path err = project.base().resolve("err.txt");
        Process ao = project.ao().start(out, err, "run", "sec", "-p", "token=" + secret);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && (project.runIds().isEmpty()
                    || !Files.exists(project.runDir(project.runIds().get(0)).resolve("workspace/ready")))) {
                Thread.sleep(100);
            }
            assertThat(project.runDir(project.runIds().get(0)).resolve("workspace/ready")).as("the script read its parameters").exists();
            ao.toHandle().destroyForcibly();
            ao.waitFor();
        } finally {
            ao.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        Thread.sleep(500);
        assertNowhere(secret);
        try (var tmp = Files.list(Path.of("/tmp"))) {
            for (Path d : tmp.filter(p -> p.getFileName().toString().startsWith("ao-run-")).toList()) {
                for (Path f : TestProject.filesUnder(d)) assertThat(Files.readString(f)).doesNotContain(secret);
            }
        }
    }

    @Test
    void namingARootOnlyFileAsAPathParameterDoesNotMakeItReadable() throws Exception {
        Assumptions.assumeTrue(root(), "only a root ao runs scripts as another uid");
        String canary = "SHADOW-" + UUID.randomUUID();
        Path secret = project.write("root-only.txt", canary + "\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        project.write("skills/peek/SKILL.md", "---\nname: peek\ndescription: reads a named file\n---\n");
        project.write("skills/peek/script.json", "{\"script_file\": \"p.sh\", \"parameters_schema\": {\"type\": \"object\","
                + " \"properties\": {\"path\": {\"type\": \"string\", \"format\": \"path\"}}}}");
        project.script("skills/peek/p.sh", "#!/bin/bash\ncat \"$AO_PARAM_PATH\"\n");
        Ao.Result r = project.ao().run("run", "peek", "-p", "path=" + secret);
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout() + r.stderr()).doesNotContain(canary);
        assertThat(lastRun().path("reason").asText()).contains(secret + " is not readable by uid 61000");
        assertNowhere(canary, secret);
    }

    @Test
    void aProjectsConfigCannotOpenHiddenCredentialsOnlyAPersonsFlagCan() throws Exception {
        String canary = "SSHKEY-" + UUID.randomUUID();
        Path ssh = Files.createDirectories(project.home().resolve(".ssh"));
        Files.writeString(ssh.resolve("id_rsa"), canary);
        project.giveToItUser();
        project.config("[scripts]\nexecution_timeout = 60\n[sandbox]\nallow_read = [\"~/.ssh\"]\nallow_write = [\"~/.ssh\"]\n");
        String script = "#!/bin/bash\ncat ~/.ssh/id_rsa 2>/dev/null; echo planted > ~/.ssh/authorized_keys 2>/dev/null; echo tried\n";
        Ao.Result r = run(script);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(stdoutLog()).contains("tried").doesNotContain(canary);
        assertThat(ssh.resolve("authorized_keys")).doesNotExist();
        // the person at the keyboard may open it for one run
        Ao.Result allowed = run(script, "--allow-read", ssh.toString());
        assertThat(allowed.exit()).as(allowed.toString()).isZero();
        assertThat(stdoutLog()).contains(canary);
        assertThat(ssh.resolve("authorized_keys")).doesNotExist();
    }

    @Test
    void moreCredentialFilesAreHiddenByDefault() throws Exception {
        String canary = "CRED-" + UUID.randomUUID();
        for (String f : List.of(".npmrc", ".pgpass", ".pypirc", ".config/gcloud/credentials.db", ".azure/accessTokens.json",
                ".cargo/credentials.toml", ".terraform.d/credentials.tfrc.json")) {
            Path p = project.home().resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, canary);
        }
        Ao.Result r = run("#!/bin/bash\ncat ~/.npmrc ~/.pgpass ~/.pypirc ~/.config/gcloud/* ~/.azure/* ~/.cargo/credentials.toml"
                + " ~/.terraform.d/* 2>/dev/null; echo read-attempted\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(stdoutLog()).contains("read-attempted").doesNotContain(canary);
    }

    @Test
    void filesAPersonNamesAreVisibleAndAMissingOneIsExplained() throws Exception {
        // a file under the host's /tmp, which the sandbox replaces by a private one
        Path dir = Files.createTempDirectory("ao-it-named-");
        try {
            Path log = Files.writeString(dir.resolve("app.log"), "ERROR boom\n");
            for (Path p : List.of(dir, log)) {
                // the person's own files: in the non-root pass that person is the user ao runs as
                Ao.itUid().ifPresent(u -> { try { Files.setAttribute(p, "unix:uid", u); } catch (java.io.IOException e) { throw new AssertionError(e); } });
            }
            project.write("skills/reader/SKILL.md", "---\nname: reader\ndescription: reads a file\n---\n");
            project.write("skills/reader/script.json", "{\"script_file\": \"r.sh\", \"parameters_schema\": {\"type\": \"object\","
                    + " \"properties\": {\"path\": {\"type\": \"string\", \"format\": \"path\"}}}}");
            project.script("skills/reader/r.sh", "#!/bin/bash\ncat \"$AO_PARAM_PATH\"\n");
            Ao.Result named = project.ao().run("run", "reader", "-p", "path=" + log);
            assertThat(named.exit()).as(named.toString()).isZero();
            assertThat(named.stdout()).isEqualTo("ERROR boom\n");

            // not named: it is not there, and the failure says why and what fixes it
            Ao.Result hidden = run("#!/bin/bash\ncat '" + log + "'\n");
            assertThat(hidden.exit()).isEqualTo(1);
            assertThat(lastRun().path("reason").asText()).contains(log + " exists on the host but is not visible in the sandbox")
                    .contains("--allow-read");
            Ao.Result allowed = run("#!/bin/bash\ncat '" + log + "'\n", "--allow-read", log.toString());
            assertThat(allowed.exit()).as(allowed.toString()).isZero();
            assertThat(allowed.stdout()).isEqualTo("ERROR boom\n");

            // --allow-write: the script may change it; nothing else next to it
            Ao.Result wrote = run("#!/bin/bash\necho more >> '" + log + "' && echo '" + dir.resolve("other") + "' ; echo x > '"
                    + dir.resolve("other") + "' 2>/dev/null || echo other-refused\n", "--allow-write", log.toString());
            assertThat(wrote.exit()).as(wrote.toString()).isZero();
            assertThat(Files.readString(log)).isEqualTo("ERROR boom\nmore\n");
            assertThat(dir.resolve("other")).doesNotExist();
            assertThat(Files.getAttribute(log, "unix:uid")).isEqualTo(Files.getAttribute(dir, "unix:uid"));

            // a refused connection with network off says so
            Ao.Result net = run("#!/bin/bash\npython3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9), 2)'\n");
            assertThat(net.exit()).isNotZero();
            assertThat(lastRun().path("reason").asText()).contains("network is off for this run").contains("--network");
        } finally {
            for (Path f : TestProject.filesUnder(dir)) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        }
    }
}
