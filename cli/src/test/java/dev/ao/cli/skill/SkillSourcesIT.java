package dev.ao.cli.skill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.GitDaemon;
import dev.ao.testkit.GitRepo;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import dev.ao.testkit.FreePort;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Git sources end to end: the real ao jar against a real repository served by {@code git daemon} on 127.0.0.1
 * and a bare repository on disk.
 */
class SkillSourcesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    TestProject project;
    Ao ao;
    GitRepo upstream;
    Path served;

    @BeforeEach
    void setUp() throws Exception {
        project = TestProject.create("sources");
        ao = project.ao();
        upstream = GitRepo.init(project.base().resolve("upstream"));
        upstream.write("ops/hello/SKILL.md", """
                ---
                name: hello
                description: Greet someone from the team's skill source and say which version of the skill ran.
                tags: [demo]
                ---
                # ops/hello

                Run it: `ao run ops/hello -p who=you`.
                """);
        upstream.write("ops/hello/script.json", """
                {"name": "hello", "description": "Greet", "script_file": "hello.py",
                 "parameters_schema": {"type": "object", "properties": {"who": {"type": "string", "default": "world"}}},
                 "demands": {"binaries": ["python3"]}, "timeout": 30}
                """);
        upstream.write("ops/hello/hello.py", hello("v1"));
        upstream.write("ops/notes/SKILL.md", "---\nname: notes\ndescription: Know-how only, no script.\n---\nRead me.\n");
        upstream.commit("hello v1 and notes");
        Files.createDirectories(project.base().resolve("served"));
        served = upstream.bareClone(project.base().resolve("served/team.git"));
    }

    static String hello(String version) {
        return "import json, os\n"
                + "params = json.load(open(os.environ['AO_PARAMS']))\n"
                + "with open(os.environ['AO_SUMMARY'], 'w') as f:\n"
                + "    f.write('hello ' + params['who'] + ' from " + version + "\\n')\n";
    }

    private JsonNode lock() throws Exception {
        return JSON.readTree(project.root().resolve("dotcodex/skills.lock").toFile());
    }

    /** Runs the skill and returns its run.json as recorded on disk. */
    private JsonNode run(String skill, String who, String expectedSummary) throws Exception {
        Ao.Result r = ao.run("run", skill, "-p", "who=" + who, "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode out = JSON.readTree(r.stdout());
        assertThat(out.path("summary").asText()).isEqualTo(expectedSummary);
        return JSON.readTree(project.root().resolve(".ao/runs").resolve(out.path("id").asText()).resolve("run.json").toFile());
    }

    @Test
    void addRunUpdateAndRunOfflineFromThePin() throws Exception {
        String c1 = upstream.head();
        String url;
        try (GitDaemon daemon = GitDaemon.start(project.base().resolve("served"))) {
            url = daemon.url("team.git");
            Ao.Result add = ao.run("skill", "add", url);
            assertThat(add.exit()).as(add.toString()).isZero();
            assertThat(add.stdout()).contains("added team (" + url + ") at main " + c1.substring(0, 12) + ": 2 skills: team/ops/hello, team/ops/notes");
            JsonNode pin = lock().path("sources").get(0);
            assertThat(pin.path("name").asText()).isEqualTo("team");
            assertThat(pin.path("url").asText()).isEqualTo(url);
            assertThat(pin.path("ref").asText()).isEqualTo("main");
            assertThat(pin.path("commit").asText()).isEqualTo(c1);
            assertThat(project.root().resolve(".ao/sources/team/ops/hello/SKILL.md")).isRegularFile();

            Ao.Result list = ao.run("skill", "list", "-o", "json");
            assertThat(list.exit()).isZero();
            JsonNode hello = null;
            for (JsonNode s : JSON.readTree(list.stdout())) if (s.path("id").asText().equals("team/ops/hello")) hello = s;
            assertThat(hello).isNotNull();
            assertThat(hello.path("runnable").asBoolean()).isTrue();
            assertThat(hello.path("source").path("commit").asText()).isEqualTo(c1);
            assertThat(hello.path("origin").asText()).isEqualTo("git:team@" + c1.substring(0, 12));

            JsonNode run1 = run("team/ops/hello", "ci", "hello ci from v1");
            assertThat(run1.path("source").path("name").asText()).isEqualTo("team");
            assertThat(run1.path("source").path("url").asText()).isEqualTo(url);
            assertThat(run1.path("source").path("commit").asText()).isEqualTo(c1);

            upstream.write("ops/hello/hello.py", hello("v2"));
            upstream.write("ops/fresh/SKILL.md", "---\nname: fresh\ndescription: Added upstream later.\n---\nNew.\n");
            upstream.git("rm", "-rq", "ops/notes");
            upstream.write("README.md", "not a skill\n");
            String c2 = upstream.commit("hello v2, fresh added, notes removed");
            upstream.git("push", "-q", served.toString(), "main");

            Ao.Result update = ao.run("skill", "update");
            assertThat(update.exit()).as(update.toString()).isZero();
            assertThat(update.stdout()).contains("team: " + c1.substring(0, 12) + " -> " + c2.substring(0, 12) + " (main)",
                    "+ team/ops/fresh", "~ team/ops/hello", "- team/ops/notes");
            assertThat(update.stdout()).doesNotContain("README");
            assertThat(lock().path("sources").get(0).path("commit").asText()).isEqualTo(c2);

            JsonNode run2 = run("team/ops/hello", "ci", "hello ci from v2");
            assertThat(run2.path("source").path("commit").asText()).isEqualTo(c2);

            Ao.Result again = ao.run("skill", "update", "team", "-o", "json");
            assertThat(again.exit()).isZero();
            assertThat(JSON.readTree(again.stdout()).get(0).path("moved").asBoolean()).isFalse();
        }

        // the daemon is gone: the pinned clone still serves every command, with no network
        JsonNode offline = run("team/ops/hello", "offline", "hello offline from v2");
        assertThat(offline.path("source").path("commit").asText()).isEqualTo(upstream.head());
        assertThat(ao.run("skill", "sync").stdout()).contains("team: ok at " + upstream.head().substring(0, 12));

        String lockBefore = project.read("dotcodex/skills.lock");
        Ao.Result failed = ao.run("skill", "update", "team");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.stderr().strip()).startsWith("ao: cannot fetch " + url + ": ").doesNotContain("\n");
        assertThat(project.read("dotcodex/skills.lock")).isEqualTo(lockBefore);
        assertThat(project.countNamed(".tmp-")).isZero();
    }

    @Test
    void aBareRepositoryOnDiskAndAFreshCheckoutOfTheProject() throws Exception {
        String c1 = upstream.head();
        Ao.Result add = ao.run("skill", "add", served.toString(), "--name", "disk");
        assertThat(add.exit()).as(add.toString()).isZero();
        assertThat(lock().path("sources").get(0).path("url").asText()).isEqualTo(served.toString());

        upstream.write("ops/hello/hello.py", hello("v2"));
        upstream.commit("v2 upstream, not pinned here");
        upstream.git("push", "-q", served.toString(), "main");

        // a teammate clones the project: the lock is there, the clone is not; first use clones the pinned commit
        Files.walk(project.root().resolve(".ao")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        JsonNode run = run("disk/ops/hello", "teammate", "hello teammate from v1");
        assertThat(run.path("source").path("commit").asText()).isEqualTo(c1);

        Files.walk(project.root().resolve(".ao/sources")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Ao.Result sync = ao.run("skill", "sync");
        assertThat(sync.exit()).as(sync.toString()).isZero();
        assertThat(sync.stdout()).contains("disk: cloned at " + c1.substring(0, 12));
        assertThat(ao.run("skill", "sync").stdout()).contains("disk: ok at " + c1.substring(0, 12));

        Ao.Result sources = ao.run("skill", "sources", "-o", "json");
        assertThat(JSON.readTree(sources.stdout()).get(0).path("cloned").asBoolean()).isTrue();

        Ao.Result remove = ao.run("skill", "remove", "disk");
        assertThat(remove.exit()).as(remove.toString()).isZero();
        assertThat(lock().path("sources")).isEmpty();
        assertThat(project.root().resolve(".ao/sources/disk")).doesNotExist();
        assertThat(ao.run("run", "disk/ops/hello").exit()).isEqualTo(2);
    }

    @Test
    void aCloneThatFailsLeavesNothingAndSaysWhyInOneLine() throws Exception {
        try (GitDaemon daemon = GitDaemon.start(project.base().resolve("served"))) {
            for (String url : new String[] {daemon.url("missing.git"), "git://127.0.0.1:" + FreePort.find() + "/team.git",
                    project.base().resolve("no-such-repo").toString(), "https://bob:hunter2@example.com/x.git"}) {
                Ao.Result r = ao.run("skill", "add", url, "--name", "broken");
                assertThat(r.exit()).as(url + "\n" + r).isIn(1, 2);
                String err = r.stderr().lines().filter(l -> l.startsWith("ao: ")).findFirst().orElse("");
                assertThat(err).as(r.toString()).isNotEmpty();
                assertThat(r.stderr().lines().filter(l -> !l.startsWith("cloning ")).count()).as(r.toString()).isEqualTo(1);
                assertThat(project.root().resolve(".ao/sources/broken")).doesNotExist();
                assertThat(project.root().resolve("dotcodex/skills.lock")).doesNotExist();
                assertThat(project.countNamed(".tmp-")).isZero();
            }
            Ao.Result missing = ao.run("skill", "add", daemon.url("missing.git"));
            assertThat(missing.stderr()).contains("ao: cannot clone " + daemon.url("missing.git") + ": ");
        }
    }
}
