package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.CiFiles;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import javax.xml.transform.stream.StreamSource;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;



import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** ao run in GitHub Actions and GitLab CI, JUnit reports, reruns, artifacts and listings, against the built jar. */
class CiReportIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "s3cr3t-Value-42";
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("ci");
        project.write("skills/demo/ci/SKILL.md", "---\nname: ci\ndescription: A CI demo.\n---\nBody.\n");
        project.write("skills/demo/ci/script.json", """
                {"name": "ci", "description": "ci demo", "script_file": "ci.py",
                 "parameters_schema": {"type": "object",
                   "properties": {"mode": {"type": "string", "enum": ["ok", "fail", "sleep", "quiet"], "default": "ok"},
                                  "name": {"type": "string", "default": "nobody"},
                                  "token": {"type": "string", "secret": true}}},
                 "demands": {"binaries": ["python3"]}, "timeout": 30}
                """);
        project.script("skills/demo/ci/ci.py", """
                #!/usr/bin/env python3
                import json, os, sys, time
                p = json.load(open(os.environ["AO_PARAMS"]))
                mode, token = p["mode"], p.get("token") or ""
                art = os.environ["AO_ARTIFACTS"]
                with open(os.path.join(art, "report.txt"), "w") as f:
                    f.write("twelve bytes")
                os.symlink("/etc/passwd", os.path.join(art, "passwd"))
                if mode == "fail":
                    print("token was", token, file=sys.stderr)
                    print("::warning::from the script", file=sys.stderr)
                    print("boom <&> failed hard", file=sys.stderr)
                    sys.exit(3)
                if mode == "sleep":
                    time.sleep(30)
                with open(os.environ["AO_OUTPUT"], "a") as f:
                    f.write("count=3\\nname=%s\\ntoken_ok=%s\\n" % (p["name"], token == os.environ.get("AO_PARAM_TOKEN", "")))
                if mode == "quiet":
                    print("first line")
                    print("the last line")
                    sys.exit(0)
                with open(os.environ["AO_SUMMARY"], "w") as f:
                    f.write("# Report for %s\\nall %d fine (token %s)\\n" % (p["name"], 3, token))
                """);
        project.write("skills/demo/risky/SKILL.md", "---\nname: risky\ndescription: Needs approval.\n---\nBody.\n");
        project.write("skills/demo/risky/script.json", """
                {"name": "risky", "description": "risky", "script_file": "risky.sh", "risk": "approval_required"}
                """);
        project.script("skills/demo/risky/risky.sh", "#!/bin/sh\necho done\n");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    private Ao github(Path out, Path summary) {
        return project.ao().env("GITHUB_ACTIONS", "true").env("GITHUB_OUTPUT", out.toString())
                .env("GITHUB_STEP_SUMMARY", summary.toString()).env("MY_TOKEN", SECRET);
    }

    /** The runner's reading of $GITHUB_OUTPUT, each heredoc delimiter the random one ao makes. */
    static Map<String, String> parseGithubOutput(String text) {
        CiFiles.GithubOutput o = CiFiles.githubOutput(text);
        assertThat(o.delimiters()).allSatisfy(d -> assertThat(d).startsWith("ghadelimiter_"));
        return o.values();
    }

    static void validJunit(Path xml) throws Exception {
        CiFiles.validateJunit(new StreamSource(xml.toFile()));
    }

    private String lastRun() {
        List<String> ids = project.runIds();
        return ids.get(ids.size() - 1);
    }

    @Test
    void githubSuccessMasksFirstWritesOutputsStepSummaryAndJunit() throws Exception {
        Path out = project.base().resolve("gh-output");
        Path sum = project.base().resolve("gh-summary.md");
        Files.writeString(sum, "earlier step\n");
        project.giveToItUser();
        Ao.Result r = github(out, sum).run("run", "demo/ci", "-p", "name=Ada", "-p", "token=env:MY_TOKEN", "--junit", "reports/ao.xml");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stderr().lines().findFirst().orElse("")).isEqualTo("::add-mask::" + SECRET);
        Map<String, String> o = parseGithubOutput(Files.readString(out));
        String id = lastRun();
        assertThat(o).containsEntry("count", "3").containsEntry("name", "Ada").containsEntry("ao_state", "succeeded")
                .containsEntry("ao_exit_code", "0").containsEntry("ao_run_id", id)
                .containsEntry("ao_summary", "# Report for Ada\nall 3 fine (token ***)");
        String md = Files.readString(sum);
        assertThat(md).startsWith("earlier step\n### ✅ demo/ci · succeeded · run `" + id + "`").contains("all 3 fine");
        Path junit = project.root().resolve("reports/ao.xml");
        validJunit(junit);
        assertThat(Files.readString(junit)).contains("tests=\"1\" failures=\"0\"").contains("<property name=\"ao.run_id\" value=\"" + id + "\"/>");
        // the secret is masked before anything else and appears nowhere else
        String everything = r.stdout() + r.stderr().substring(r.stderr().indexOf('\n') + 1) + Files.readString(out) + md + Files.readString(junit);
        assertThat(everything).doesNotContain(SECRET);
        assertThat(r.stderr()).doesNotContain("::error");
    }

    @Test
    void githubFailureAnnotatesGroupsTheLogAndStopsCommandsFromTheScript() throws Exception {
        Path out = project.base().resolve("gh-output");
        Path sum = project.base().resolve("gh-summary.md");
        Ao.Result r = github(out, sum).run("run", "demo/ci", "-p", "mode=fail", "-p", "token=env:MY_TOKEN", "--junit", "ao.xml");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        List<String> err = r.stderr().lines().toList();
        assertThat(err.get(0)).isEqualTo("::add-mask::" + SECRET);
        assertThat(err).contains("::error title=ao%3A demo/ci failed::exit code 3 (run " + lastRun() + ")");
        int group = err.indexOf(err.stream().filter(l -> l.startsWith("::group::stderr of run")).findFirst().orElseThrow());
        assertThat(err.get(group + 1)).startsWith("::stop-commands::");
        String token = err.get(group + 1).substring("::stop-commands::".length());
        assertThat(err.subList(group, err.size())).contains("  ::warning::from the script", "::" + token + "::", "::endgroup::");
        assertThat(err.indexOf("::" + token + "::")).isGreaterThan(err.indexOf("  ::warning::from the script"));
        Path junit = project.root().resolve("ao.xml");
        validJunit(junit);
        String xml = Files.readString(junit);
        assertThat(xml).contains("<failure type=\"exit:3\" message=\"exit code 3\">").contains("boom &lt;&amp;&gt; failed hard")
                .contains("token was ***").doesNotContain(SECRET);
        assertThat(parseGithubOutput(Files.readString(out))).containsEntry("ao_state", "failed").containsEntry("ao_exit_code", "3");
        assertThat(Files.readString(sum)).startsWith("### ❌ demo/ci · failed").contains("exit code 3");
        assertThat(r.stdout() + r.stderr().substring(r.stderr().indexOf('\n') + 1)).doesNotContain(SECRET);
    }

    @Test
    void junitForTimeoutAndRejectionIsValid() throws Exception {
        Ao.Result t = project.ao().run("run", "demo/ci", "-p", "mode=sleep", "--timeout", "1", "--ci", "none", "--junit", "t.xml");
        assertThat(t.exit()).as(t.toString()).isEqualTo(124);
        validJunit(project.root().resolve("t.xml"));
        assertThat(project.read("t.xml")).contains("<failure type=\"timed_out\" message=\"timed out after 1 s\"");

        Ao.Result rj = project.ao().run("run", "demo/risky", "--junit", "r.xml");
        assertThat(rj.exit()).as(rj.toString()).isEqualTo(126);
        assertThat(rj.stderr()).contains("approval required; not at a terminal (pass --approve)").doesNotContain("rejected by nobody");
        validJunit(project.root().resolve("r.xml"));
        assertThat(project.read("r.xml")).contains("skipped=\"1\"")
                .contains("<skipped message=\"approval required; not at a terminal (pass --approve)\"/>");
    }

    @Test
    void gitlabSectionsAroundTheLogAndOutputsInDotenv() throws Exception {
        Ao gl = project.ao().env("GITLAB_CI", "true");
        Ao.Result ok = gl.run("run", "demo/ci", "-p", "name=Bo");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(project.read("ao.env")).contains("count=3\n").contains("name=Bo\n").contains("AO_STATE=succeeded\n")
                .contains("AO_RUN_ID=" + lastRun() + "\n");
        Ao.Result bad = gl.run("run", "demo/ci", "-p", "mode=fail", "--dotenv", "out/vars.env");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(3);
        assertThat(bad.stderr()).containsPattern("\u001b\\[0Ksection_start:\\d+:ao_stderr_of_run_[\\w-]+\\[collapsed=true\\]\r\u001b\\[0Kstderr of run ")
                .containsPattern("\u001b\\[0Ksection_end:\\d+:ao_stderr_of_run_[\\w-]+\r\u001b\\[0K").contains("boom <&> failed hard");
        assertThat(project.read("out/vars.env")).contains("AO_STATE=failed\n").contains("AO_EXIT_CODE=3\n");
        assertThat(bad.stderr()).doesNotContain("::group::");
    }

    @Test
    void rerunKeepsParametersTakesOverridesAndAsksForSecretsAgain() throws Exception {
        Ao ao = project.ao().env("MY_TOKEN", SECRET).env("OTHER_TOKEN", "other-secret-9");
        Ao.Result first = ao.run("run", "demo/ci", "-p", "name=Ada", "-p", "token=env:MY_TOKEN", "--ci", "none");
        assertThat(first.exit()).as(first.toString()).isZero();
        String id = lastRun();
        assertThat(project.read(project.runDir(id).resolve("params.json"))).contains("***").doesNotContain(SECRET);

        Ao.Result missing = ao.run("runs", "rerun", id, "--ci", "none");
        assertThat(missing.exit()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.stderr().strip()).contains("secret parameter token").contains("-p token=").doesNotContain("\n");
        assertThat(project.runIds()).hasSize(1);

        Ao.Result again = ao.run("runs", "rerun", id.substring(0, 22), "-p", "token=env:OTHER_TOKEN", "-o", "json", "--ci", "none");
        assertThat(again.exit()).as(again.toString()).isZero();
        JsonNode j = JSON.readTree(again.stdout());
        assertThat(j.path("id").asText()).isNotEqualTo(id);
        assertThat(j.path("outputs").path("name").asText()).isEqualTo("Ada");
        assertThat(j.path("outputs").path("token_ok").asText()).isEqualTo("True");
        assertThat(j.path("summary").asText()).contains("Report for Ada").doesNotContain("other-secret-9");

        Ao.Result over = ao.run("runs", "rerun", id, "-p", "name=Cy", "-p", "token=env:OTHER_TOKEN", "-o", "json", "--ci", "none");
        assertThat(over.exit()).as(over.toString()).isZero();
        assertThat(JSON.readTree(over.stdout()).path("outputs").path("name").asText()).isEqualTo("Cy");
    }

    @Test
    void artifactsAreKeptListedWithSizesAndALinkIsNotFollowed() throws Exception {
        Ao.Result r = project.ao().run("run", "demo/ci", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = lastRun();
        Path dir = project.runDir(id);
        assertThat(dir.resolve("workspace")).doesNotExist();
        assertThat(dir.resolve("io")).doesNotExist();
        assertThat(Files.readString(dir.resolve("artifacts/report.txt"))).isEqualTo("twelve bytes");
        assertThat(Files.isSymbolicLink(dir.resolve("artifacts/passwd"))).isTrue();
        JsonNode arts = JSON.readTree(r.stdout()).path("artifacts");
        assertThat(arts).hasSize(2);
        assertThat(arts.get(0).path("path").asText()).isEqualTo("passwd");
        assertThat(arts.get(0).has("size")).isFalse();
        assertThat(arts.get(0).path("refused").asText()).contains("symbolic link");
        assertThat(arts.get(1).path("path").asText()).isEqualTo("report.txt");
        assertThat(arts.get(1).path("size").asLong()).isEqualTo(12);

        Ao.Result show = project.ao().run("runs", "show", id);
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.stdout()).contains("  artifacts     " + dir.resolve("artifacts")).contains("    report.txt  12 B")
                .contains("    passwd  not read:").doesNotContain("root:x:0")
                .contains("  outputs\n    count = 3\n    name = nobody\n").doesNotContain("{count=");
        assertThat(Files.readAttributes(dir.resolve("artifacts/report.txt"), "unix:uid", LinkOption.NOFOLLOW_LINKS).get("uid"))
                .isEqualTo(Files.readAttributes(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS).get("uid"));
    }

    @Test
    void listFiltersBySkillAndTimeAndLabelsScriptsByTheirProjectPath() throws Exception {
        project.script("a/migrate.py", "#!/usr/bin/env python3\nprint('a done')\n");
        project.script("b/migrate.py", "#!/usr/bin/env python3\nprint('b done')\n");
        Ao ao = project.ao();
        assertThat(ao.run("run", "a/migrate.py").exit()).isZero();
        assertThat(ao.run("run", "b/migrate.py").exit()).isZero();
        assertThat(ao.run("run", "demo/ci").exit()).isZero();

        JsonNode all = JSON.readTree(ao.run("runs", "list", "-o", "json").stdout());
        assertThat(all).extracting(n -> n.path("label").asText()).containsExactly("demo/ci", "b/migrate.py", "a/migrate.py");
        JsonNode a = JSON.readTree(ao.run("runs", "list", "--skill", "a/migrate.py", "-o", "json").stdout());
        assertThat(a).hasSize(1);
        assertThat(JSON.readTree(ao.run("runs", "list", "--skill", "demo/ci", "--since", "1h", "--limit", "5", "-o", "json").stdout())).hasSize(1);
        assertThat(JSON.readTree(ao.run("runs", "list", "--until", "2h", "-o", "json").stdout())).isEmpty();
        assertThat(JSON.readTree(ao.run("runs", "list", "--until", "2999-01-01T00:00:00Z", "--limit", "2", "-o", "json").stdout())).hasSize(2);
        Ao.Result badTime = ao.run("runs", "list", "--since", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.stderr()).contains("--since 'yesterday' is neither a duration");
    }

    @Test
    void followDoesNotPrintTheLastLineTwice() {
        Ao.Result r = project.ao().run("run", "demo/ci", "-p", "mode=quiet", "-f");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("first line\nthe last line\n");
    }

    @Test
    void theActionsRunStepPassesItsInputsAsParameters() throws Exception {
        // action.yml's own run step, executed by bash as the runner would, with ao as its AO_BIN
        JsonNode action = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(Ao.repo().resolve("action.yml").toFile());
        String script = null;
        for (JsonNode step : action.path("runs").path("steps")) if ("run".equals(step.path("id").asText())) script = step.path("run").asText();
        assertThat(script).contains("--ci github --junit");
        Ao ao = project.ao();
        StringBuilder wrapper = new StringBuilder("#!/bin/sh\nexec");
        for (String a : ao.command()) wrapper.append(" '").append(a.replace("'", "'\\''")).append('\'');
        Path bin = project.script("bin/ao", wrapper.append(" \"$@\"\n").toString());
        Path out = project.base().resolve("gh-output");
        Path sum = project.base().resolve("gh-summary.md");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(project.root().toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(ao.env());
        pb.environment().putAll(Map.of("AO_BIN", bin.toString(), "AO_SKILL", "demo/ci", "AO_PARAMS_IN", "name=Ada Lovelace\r\n\n  \nmode=ok",
                "AO_APPROVE", "false", "AO_JUNIT", "ao-junit.xml", "GITHUB_ACTIONS", "true", "GITHUB_OUTPUT", out.toString(),
                "GITHUB_STEP_SUMMARY", sum.toString()));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(parseGithubOutput(Files.readString(out))).containsEntry("name", "Ada Lovelace").containsEntry("ao_state", "succeeded");
        validJunit(project.root().resolve("ao-junit.xml"));
    }
}
