package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The adversarial suite: each script tries to get out of the real bwrap sandbox. Each attempt must be refused or
 * contained, the run recorded, and ao still answering afterwards.
 */
class SandboxIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("sandbox");
    }

    @AfterEach
    void tearDown() {
        try {
            assertThat(project.ao().run("runs", "list").exit()).as("ao is alive and the store readable").isZero();
        } finally {
            project.close();
        }
    }

    private JsonNode lastRun() throws Exception {
        List<String> ids = project.runIds();
        assertThat(ids).as("the run is recorded").isNotEmpty();
        return JSON.readTree(project.runDir(ids.get(ids.size() - 1)).resolve("run.json").toFile());
    }

    private Ao.Result run(String script, String... args) {
        project.script("attack.sh", script);
        String[] all = new String[args.length + 2];
        all[0] = "run";
        all[1] = "attack.sh";
        System.arraycopy(args, 0, all, 2, args.length);
        return project.ao().run(120, all);
    }

    @Test
    void writesOutsideTheWorkspaceAreRefused() throws Exception {
        Path homeTarget = project.home().resolve("owned.txt");
        String etcTarget = "/etc/ao-owned-" + UUID.randomUUID();
        Files.createDirectories(project.root().resolve(".git"));
        Path gitTarget = project.root().resolve(".git/hooks-owned");
        Path projectTarget = project.root().resolve("owned.txt");
        Ao.Result r = run("#!/bin/bash\n"
                + "for f in '" + homeTarget + "' '" + etcTarget + "' '" + gitTarget + "' '" + projectTarget + "'; do\n"
                + "  if echo owned > \"$f\" 2>/dev/null; then echo \"WROTE $f\"; else echo \"refused $f\"; fi\n"
                + "done\n"
                + "echo ok > inside.txt && echo 'workspace writable'\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("workspace writable\n");
        String log = project.read(project.runDir(project.runIds().get(0)).resolve("stdout.log"));
        assertThat(log).doesNotContain("WROTE").contains("refused " + homeTarget).contains("refused " + etcTarget);
        assertThat(homeTarget).doesNotExist();
        assertThat(Path.of(etcTarget)).doesNotExist();
        assertThat(gitTarget).doesNotExist();
        assertThat(projectTarget).doesNotExist();
    }

    @Test
    void gitAndDotcodexStayReadOnlyInsideAWritableRoot() throws Exception {
        project.config("[sandbox_workspace_write]\nwritable_roots = [\".\"]\n");
        Files.createDirectories(project.root().resolve(".git"));
        Ao.Result r = run("#!/bin/bash\ncd \"$AO_CWD\"\n"
                + "echo yes > allowed.txt && echo 'root writable'\n"
                + "echo x > .git/config 2>/dev/null && echo 'GIT WRITTEN'\n"
                + "echo x >> dotcodex/config.toml 2>/dev/null && echo 'DOTCODEX WRITTEN'\n"
                + "echo done\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        String log = project.read(project.runDir(project.runIds().get(0)).resolve("stdout.log"));
        assertThat(log).contains("root writable").doesNotContain("GIT WRITTEN").doesNotContain("DOTCODEX WRITTEN");
        assertThat(project.root().resolve("allowed.txt")).hasContent("yes\n");
        assertThat(project.root().resolve(".git/config")).doesNotExist();
        assertThat(lastRun().path("sandbox").path("read_only").toString()).contains(".git").contains("dotcodex");
    }

    @Test
    void credentialsAreHiddenUnlessDemanded() throws Exception {
        Path ssh = Files.createDirectories(project.home().resolve(".ssh"));
        Files.writeString(ssh.resolve("id_rsa"), "PRIVATE-KEY-MATERIAL");
        Path aws = Files.createDirectories(project.home().resolve(".aws"));
        Files.writeString(aws.resolve("credentials"), "[default]\naws_secret_access_key = AWS-SECRET-MATERIAL\n");
        String probe = "#!/bin/bash\ncat ~/.ssh/id_rsa 2>&1 || echo 'no ssh key'\ncat ~/.aws/credentials 2>&1 || echo 'no aws creds'\nls -a ~/.ssh\n";
        Ao.Result r = run(probe);
        assertThat(r.exit()).as(r.toString()).isZero();
        String log = project.read(project.runDir(project.runIds().get(0)).resolve("stdout.log"));
        assertThat(log).doesNotContain("PRIVATE-KEY-MATERIAL").doesNotContain("AWS-SECRET-MATERIAL")
                .contains("no ssh key").contains("no aws creds");
        assertThat(lastRun().path("sandbox").path("hidden").toString()).contains(".ssh").contains(".aws");

        // a script that demands aws may read ~/.aws, still not ~/.ssh
        project.write("skills/awsy/SKILL.md", "---\nname: awsy\ndescription: reads aws creds\n---\n");
        project.write("skills/awsy/script.json", "{\"script_file\": \"p.sh\", \"demands\": {\"binaries\": [\"aws\"]}}");
        project.script("skills/awsy/p.sh", probe);
        Ao.Result demanded = project.ao().run("run", "awsy");
        // the non-root pass's user cannot reach an aws that lives under root's 0700 home (pyenv): nothing to demand there
        org.junit.jupiter.api.Assumptions.assumeFalse(demanded.exit() == 127 && Ao.itUid().isPresent(), demanded.stderr());
        assertThat(demanded.exit()).as(demanded.toString()).isZero();
        String log2 = project.read(project.runDir(project.runIds().get(1)).resolve("stdout.log"));
        assertThat(log2).contains("aws_secret_access_key").doesNotContain("PRIVATE-KEY-MATERIAL");
    }

    @Test
    void networkIsOffByDefaultAndOnWhenAskedFor() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        server.accept().close();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String script = "#!/usr/bin/env python3\nimport socket, sys\ntry:\n"
                    + "    socket.create_connection(('127.0.0.1', " + server.getLocalPort() + "), timeout=3).close()\n"
                    + "    print('CONNECTED')\nexcept OSError as e:\n    print('blocked:', e)\n    sys.exit(3)\n";
            project.script("net.py", script);
            Ao.Result off = project.ao().run("run", "net.py");
            assertThat(off.exit()).as(off.toString()).isEqualTo(3);
            assertThat(off.stdout()).startsWith("blocked:");
            assertThat(lastRun().path("sandbox").path("network").asBoolean()).isFalse();

            Ao.Result on = project.ao().run("run", "net.py", "--network");
            assertThat(on.exit()).as(on.toString()).isZero();
            assertThat(on.stdout()).isEqualTo("CONNECTED\n");

            project.config("[sandbox_workspace_write]\nnetwork_access = true\n");
            assertThat(project.ao().run("run", "net.py").stdout()).isEqualTo("CONNECTED\n");
            Ao.Result wins = project.ao().run("run", "net.py", "--no-network");
            assertThat(wins.exit()).isEqualTo(3);
        }
    }

    @Test
    void aForkBombIsStoppedAndRecordedAsFailed() throws Exception {
        project.config("[sandbox]\nmax_processes = 64\n[scripts]\nexecution_timeout = 60\n");
        project.script("bomb.py", """
                #!/usr/bin/env python3
                import os, sys, time
                children = 0
                try:
                    while True:
                        if os.fork() == 0:
                            time.sleep(30)
                            os._exit(0)
                        children += 1
                except OSError as e:
                    print("fork refused after", children, "children:", e, file=sys.stderr)
                    sys.exit(1)
                """);
        Ao.Result r = project.ao().run(90, "run", "bomb.py");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode run = lastRun();
        assertThat(run.path("state").asText()).isEqualTo("failed");
        assertThat(run.path("reason").asText()).contains("process limit").contains("max_processes = 64");
        assertThat(project.read(project.runDir(project.runIds().get(0)).resolve("stderr.log"))).contains("fork refused after");
    }

    @Test
    void aFilePastMaxFileSizeIsStopped() throws Exception {
        project.config("[sandbox]\nmax_file_size = \"1M\"\n");
        Ao.Result r = run("#!/bin/bash\nset -e\nhead -c 3000000 /dev/zero > big.bin\necho \"size $(stat -c %s big.bin)\"\n", "--keep-workspace");
        JsonNode run = lastRun();
        assertThat(run.path("state").asText()).as(r.toString()).isEqualTo("failed");
        assertThat(run.path("reason").asText()).contains("file size limit").contains("1M");
        assertThat(Files.size(project.runDir(project.runIds().get(0)).resolve("workspace/big.bin"))).isLessThanOrEqualTo(1 << 20);
    }

    @Test
    void aDoubleForkedGrandchildIsGoneAfterTheRun() throws Exception {
        String token = "ao-escapee-" + UUID.randomUUID();
        Ao.Result r = run("#!/bin/bash\n( setsid bash -c 'exec -a \"$0\" sleep 300' " + token + " & ) &\nsleep 0.5\necho parent-done\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end && ProcessHandle.allProcesses().anyMatch(p -> cmd(p).contains(token))) Thread.sleep(50);
        assertThat(ProcessHandle.allProcesses().filter(p -> cmd(p).contains(token)).toList()).isEmpty();
    }

    private static String cmd(ProcessHandle p) {
        return p.info().commandLine().orElse("");
    }

    @Test
    void symlinkPlantedInTheWorkspaceCannotWriteOutside() throws Exception {
        Path victim = project.write("victim.txt", "original");
        Ao.Result r = run("#!/bin/bash\nln -s '" + victim + "' link\nln -s /etc/hostname link2\n"
                + "echo overwritten > link 2>/dev/null && echo 'WROTE THROUGH LINK'\n"
                + "echo overwritten > link2 2>/dev/null && echo 'WROTE ETC'\necho done\n");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(project.read(project.runDir(project.runIds().get(0)).resolve("stdout.log"))).doesNotContain("WROTE");
        assertThat(victim).hasContent("original");
    }

    @Test
    void aDotDotPathParameterCannotEscape() throws Exception {
        project.write("skills/writer/SKILL.md", "---\nname: writer\ndescription: writes a file\n---\n");
        project.write("skills/writer/script.json", "{\"script_file\": \"w.sh\", \"parameters_schema\": {\"type\": \"object\", "
                + "\"properties\": {\"out\": {\"type\": \"string\"}}}}");
        project.script("skills/writer/w.sh", "#!/bin/bash\necho pwned > \"$AO_PARAM_OUT\" 2>/dev/null && echo WROTE || echo refused\n");
        Path target = project.root().resolve("escaped.txt");
        Ao.Result r = project.ao().run("run", "writer", "-p", "out=../../../../escaped.txt");
        assertThat(r.stdout()).isEqualTo("refused\n");
        assertThat(target).doesNotExist();
        Ao.Result r2 = project.ao().run("run", "writer", "-p", "out=../../../../../../../../etc/ao-escaped");
        assertThat(r2.stdout()).isEqualTo("refused\n");
        assertThat(Path.of("/etc/ao-escaped")).doesNotExist();
    }

    @Test
    void environmentSecretsNotDemandedAreAbsentAndDemandedOnesMasked() throws Exception {
        project.script("env.sh", "#!/bin/bash\nenv | sort\necho \"token=${MY_API_TOKEN:-absent}\"\necho \"db=${DB_PASSWORD:-absent}\"\n");
        Ao ao = project.ao().env("MY_API_TOKEN", "tok-123456").env("DB_PASSWORD", "pw-abcdef").env("HARMLESS_VAR", "fine");
        Ao.Result r = ao.run("run", "env.sh");
        String log = project.read(project.runDir(project.runIds().get(0)).resolve("stdout.log"));
        assertThat(log).contains("token=absent").contains("db=absent").doesNotContain("tok-123456").doesNotContain("HARMLESS_VAR");
        assertThat(lastRun().path("sandbox").path("env_dropped").toString()).contains("MY_API_TOKEN").contains("DB_PASSWORD");

        project.config("[sandbox]\nenv_include = [\"MY_API_*\", \"HARMLESS_VAR\"]\n");
        Ao.Result r2 = ao.run("run", "env.sh");
        String log2 = project.read(project.runDir(project.runIds().get(1)).resolve("stdout.log"));
        assertThat(log2).contains("token=***").contains("HARMLESS_VAR=fine").contains("db=absent").doesNotContain("tok-123456");
        assertThat(r2.stdout()).doesNotContain("tok-123456");
    }

    @Test
    void approvalRequiredUnderCiWithoutApproveNeverStarts() throws Exception {
        Path marker = project.root().resolve("mine");
        Files.createDirectories(marker);
        project.write("skills/risky/SKILL.md", "---\nname: risky\ndescription: needs a person\n---\n");
        project.write("skills/risky/script.json", "{\"script_file\": \"r.sh\", \"risk\": \"approval_required\"}");
        project.script("skills/risky/r.sh", "#!/bin/bash\ntouch started.txt\necho ran\n");
        Ao.Result r = project.ao().run("run", "risky", "--workspace", marker.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.stderr()).contains("rejected").contains("--approve");
        assertThat(marker.resolve("started.txt")).as("the script never started").doesNotExist();
        JsonNode run = lastRun();
        assertThat(run.path("state").asText()).isEqualTo("rejected");
        List<String> events = Files.readAllLines(project.runDir(project.runIds().get(0)).resolve("events.jsonl"));
        assertThat(events).hasSize(3);
        assertThat(events.get(1)).contains("waiting_approval");
        assertThat(events.get(2)).contains("rejected").contains("\"by\"").contains("\"time\"");

        Ao.Result ok = project.ao().run("run", "risky", "--workspace", marker.toString(), "--approve");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(marker.resolve("started.txt")).exists();
        JsonNode approved = lastRun();
        assertThat(approved.path("approval").path("decision").asText()).isEqualTo("approved");
        assertThat(approved.path("approval").path("by").asText()).contains("--approve");
    }

    @Test
    void readOnlyModeWritesNothingButPrivateTmp() throws Exception {
        Ao.Result r = run("#!/bin/bash\necho x > in-workspace.txt 2>/dev/null && echo 'WORKSPACE WRITTEN'\n"
                + "echo y > /tmp/scratch && cat /tmp/scratch\n", "--sandbox", "read-only", "--keep-workspace");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("y\n");
        assertThat(project.runDir(project.runIds().get(0)).resolve("workspace/in-workspace.txt")).doesNotExist();
        assertThat(Path.of("/tmp/scratch")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.readString(p)).isNotEqualTo("y\n"));
    }

    @Test
    void dangerFullAccessWarnsEveryRunAndNeedsApproval() throws Exception {
        Path outside = project.root().resolve("outside.txt");
        project.script("free.sh", "#!/bin/bash\necho free > '" + outside + "'\necho wrote\n");
        Ao.Result refused = project.ao().run("run", "free.sh", "--sandbox", "danger-full-access");
        assertThat(refused.exit()).isEqualTo(126);
        assertThat(outside).doesNotExist();
        Ao.Result r = project.ao().run("run", "free.sh", "--sandbox", "danger-full-access", "--approve");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains("danger-full-access").contains("NOT sandboxed");
        assertThat(outside).hasContent("free\n");
        assertThat(lastRun().path("sandbox").path("mechanism").asText()).isEqualTo("none");
    }

    @Test
    void withoutBwrapItFailsClosed() throws Exception {
        Path bin = Files.createDirectories(project.root().resolve("bin"));
        for (String tool : List.of("bash", "python3", "env")) {
            Path real = Path.of("/usr/bin", tool);
            if (Files.exists(real)) Files.createSymbolicLink(bin.resolve(tool), real);
        }
        project.script("x.sh", "#!/bin/bash\ntouch ran.txt\n");
        Ao.Result r = project.ao().env("PATH", bin.toString()).run("run", "x.sh");
        assertThat(r.exit()).as(r.toString()).isEqualTo(126);
        assertThat(r.stderr().strip()).startsWith("ao: sandbox unavailable").contains("bubblewrap").contains("danger-full-access");
        assertThat(project.runIds()).isEmpty();
    }
}
