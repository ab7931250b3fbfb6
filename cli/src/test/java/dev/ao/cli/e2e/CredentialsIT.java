package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.KubePeer;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ao credentials push/list}, a run that demands a pushed credential, and {@code ao doctor}'s k8s checks, through
 * the real jar against the testkit's Kubernetes API peer. Values are canaries: the peer's Secret must hold them, and
 * nothing ao prints or writes locally may.
 */
class CredentialsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestProject project;
    private KubePeer peer;

    @BeforeEach
    void setUp() {
        ItUser.assumeUsable();
        project = TestProject.create("creds");
        peer = new KubePeer().start();
        peer.writeKubeconfig(project.home().resolve(".kube/config"));
        peer.seedNamespace("jobs");
        project.config("[runners.k8s]\nnamespace = \"jobs\"\nttl_seconds_after_finished = 30\nschedule_timeout = 5\n");
        project.write("skills/deploy/SKILL.md", "---\nname: deploy\ndescription: deploys with the prod key\n---\n");
        project.write("skills/deploy/script.json", "{\"script_file\": \"d.sh\", \"demands\": {\"credentials\": [\"aws-prod\"]}}");
        // prints the credential on purpose: the run's logs must mask it
        project.script("skills/deploy/d.sh", "#!/bin/sh\necho \"key is $TOKEN\"\necho \"len ${#TOKEN}\" > \"$AO_SUMMARY\"\n");
        project.write("skills/backup/SKILL.md", "---\nname: backup\ndescription: needs gcp and the prod key\n---\n");
        project.write("skills/backup/script.json", "{\"script_file\": \"b.sh\", \"demands\": {\"credentials\": [\"gcp\", \"aws-prod\"]}}");
        project.script("skills/backup/b.sh", "#!/bin/sh\necho backing up\n");
        project.giveToItUser();
    }

    @AfterEach
    void tearDown() {
        try {
            if (peer != null) peer.close();
        } finally {
            if (project != null) project.close();
        }
    }

    private Ao ao() {
        return project.ao().env("KUBECONFIG", project.home().resolve(".kube/config").toString());
    }

    private static String decoded(ObjectNode secret, String key) {
        return new String(Base64.getDecoder().decode(secret.path("data").path(key).asText()), StandardCharsets.UTF_8);
    }

    /** No canary in what ao printed, nor in any file under the project or its HOME. */
    private void nowhereLocal(List<Ao.Result> results, String... canaries) throws Exception {
        List<Path> files = new ArrayList<>(TestProject.filesUnder(project.root()));
        files.addAll(TestProject.filesUnder(project.home()));
        for (String c : canaries) {
            for (Ao.Result r : results) assertThat(r.stdout() + r.stderr()).doesNotContain(c);
            for (Path f : files) assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(c);
        }
    }

    @Test
    void pushFromEnvAndFileThenListShowsKeysWhereAndWhoDemandsItNeverValues() throws Exception {
        String fromEnv = "env-canary-" + Long.toHexString(System.nanoTime());
        String fromFile = "file-canary-" + Long.toHexString(System.nanoTime());
        Path sa = Files.writeString(project.base().resolve("sa.json"), fromFile);
        project.giveToItUser();
        List<Ao.Result> seen = new ArrayList<>();

        Ao.Result push = ao().env("TOKEN", fromEnv).run("credentials", "push", "aws-prod", "--from-env", "TOKEN", "--from-file", sa.toString());
        seen.add(push);
        assertThat(push.exit()).as(push.toString()).isZero();
        assertThat(push.stdout()).startsWith("pushed aws-prod (keys: TOKEN, sa.json) to jobs/ao-cred-aws-prod");
        ObjectNode secret = peer.get("secrets", "jobs", "ao-cred-aws-prod").orElseThrow();
        assertThat(decoded(secret, "TOKEN")).isEqualTo(fromEnv);
        assertThat(decoded(secret, "sa.json")).isEqualTo(fromFile);
        assertThat(secret.path("metadata").path("labels").path("ao.dev/credential").asText()).isEqualTo("aws-prod");
        assertThat(secret.path("metadata").path("labels").path("app.kubernetes.io/managed-by").asText()).isEqualTo("ao");
        assertThat(secret.path("metadata").path("annotations").toString()).doesNotContain(fromEnv).doesNotContain(fromFile);
        String version = secret.path("metadata").path("resourceVersion").asText();

        Ao.Result list = ao().run("credentials", "list", "-o", "json");
        seen.add(list);
        assertThat(list.exit()).as(list.toString()).isZero();
        JsonNode arr = JSON.readTree(list.stdout());
        assertThat(arr).hasSize(2);
        JsonNode aws = arr.get(0);
        assertThat(aws.path("name").asText()).isEqualTo("aws-prod");
        assertThat(aws.path("status").asText()).isEqualTo("pushed");
        assertThat(aws.path("keys").toString()).isEqualTo("[\"TOKEN\",\"sa.json\"]");
        assertThat(aws.path("namespace").asText()).isEqualTo("jobs");
        assertThat(aws.path("secret").asText()).isEqualTo("ao-cred-aws-prod");
        assertThat(aws.path("context").asText()).isNotBlank();
        assertThat(aws.path("updated").asText()).isNotBlank();
        assertThat(aws.path("demanded_by").toString()).isEqualTo("[\"backup\",\"deploy\"]");
        JsonNode gcp = arr.get(1);
        assertThat(gcp.path("name").asText()).isEqualTo("gcp");
        assertThat(gcp.path("status").asText()).isEqualTo("missing");
        assertThat(gcp.path("demanded_by").toString()).isEqualTo("[\"backup\"]");
        Ao.Result text = ao().run("credentials", "list");
        seen.add(text);
        assertThat(text.stdout()).containsPattern("aws-prod +pushed +TOKEN, sa.json +[^ ]+/jobs/ao-cred-aws-prod")
                .containsPattern("gcp +missing +- ");

        // an update replaces the keys, on the version it read
        String second = "second-canary-" + Long.toHexString(System.nanoTime());
        Ao.Result again = ao().env("TOKEN", second).run("credentials", "push", "aws-prod", "--from-env", "TOKEN");
        seen.add(again);
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.stdout()).contains("pushed aws-prod (keys: TOKEN) to jobs/ao-cred-aws-prod (updated)");
        ObjectNode updated = peer.get("secrets", "jobs", "ao-cred-aws-prod").orElseThrow();
        assertThat(decoded(updated, "TOKEN")).isEqualTo(second);
        assertThat(updated.path("data").has("sa.json")).isFalse();
        assertThat(updated.path("metadata").path("resourceVersion").asText()).isNotEqualTo(version);

        // bad input: one line naming what is wrong, nothing created
        Ao.Result noVar = ao().run("credentials", "push", "other", "--from-env", "NOT_SET_ANYWHERE");
        assertThat(noVar.exit()).isEqualTo(2);
        assertThat(noVar.stderr().strip()).doesNotContain("\n").contains("NOT_SET_ANYWHERE").contains("not set");
        Ao.Result noFile = ao().run("credentials", "push", "other", "--from-file", project.base().resolve("absent.json").toString());
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.stderr().strip()).doesNotContain("\n").contains("absent.json").contains("no such file");
        Ao.Result dir = ao().run("credentials", "push", "other", "--from-file", project.root().toString());
        assertThat(dir.exit()).isEqualTo(2);
        assertThat(dir.stderr().strip()).doesNotContain("\n").contains("directory");
        Ao.Result badName = ao().env("TOKEN", "x").run("credentials", "push", "Bad_Name", "--from-env", "TOKEN");
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.stderr().strip()).doesNotContain("\n").contains("Bad_Name");
        assertThat(peer.list("secrets", "jobs")).extracting(s -> s.path("metadata").path("name").asText()).containsExactly("ao-cred-aws-prod");
        // a Secret ao did not make is left alone
        ObjectNode foreign = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
        foreign.putObject("metadata").put("name", "ao-cred-foreign").put("namespace", "jobs");
        foreign.putObject("data").put("k", Base64.getEncoder().encodeToString("theirs".getBytes(StandardCharsets.UTF_8)));
        peer.put(foreign);
        Ao.Result notOurs = ao().env("TOKEN", "x").run("credentials", "push", "foreign", "--from-env", "TOKEN");
        assertThat(notOurs.exit()).isEqualTo(1);
        assertThat(notOurs.stderr()).contains("not labelled ao.dev/credential=foreign");
        assertThat(decoded(peer.get("secrets", "jobs", "ao-cred-foreign").orElseThrow(), "k")).isEqualTo("theirs");
        Ao.Result help = ao().run("help", "credentials");
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.stdout()).contains("push").contains("list");

        nowhereLocal(seen, fromEnv, fromFile, second);
    }

    @Test
    void aRunOfASkillDemandingTheCredentialGetsItAsEnvAndItsLogsMaskIt() throws Exception {
        String value = "run-canary-" + Long.toHexString(System.nanoTime());
        List<Ao.Result> seen = new ArrayList<>();
        Ao.Result push = ao().env("TOKEN", value).run("credentials", "push", "aws-prod", "--from-env", "TOKEN");
        seen.add(push);
        assertThat(push.exit()).as(push.toString()).isZero();

        // a skill naming a pushed credential gets it only with a person's yes: without a terminal, refused, no Job
        Ao.Result refused = ao().run(120, "run", "deploy", "--on", "k8s");
        seen.add(refused);
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(126);
        assertThat(refused.stderr()).contains("aws-prod");
        assertThat(peer.list("jobs", "jobs")).isEmpty();

        Ao.Result r = ao().run(120, "run", "deploy", "--on", "k8s", "--approve", "-o", "json");
        seen.add(r);
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode run = JSON.readTree(r.stdout());
        assertThat(run.path("summary").asText()).contains("len " + value.length());
        String id = run.path("id").asText();
        assertThat(Files.readString(project.runDir(id).resolve("stdout.log"))).isEqualTo("key is ***\n");
        // the pod got it from the Secret by reference: the Job spec names the Secret, not the value
        ObjectNode job = peer.get("jobs", "jobs", "ao-" + id).orElseThrow();
        assertThat(job.toString()).contains("ao-cred-aws-prod").doesNotContain(value);

        // a credential that was never pushed stops the run before anything is created
        int jobs = peer.list("jobs", "jobs").size();
        Ao.Result missing = ao().run(120, "run", "backup", "--on", "k8s", "--approve");
        seen.add(missing);
        assertThat(missing.exit()).as(missing.toString()).isEqualTo(127);
        assertThat(missing.stderr()).contains("credential gcp is demanded but not pushed to namespace jobs").contains("ao credentials push gcp");
        assertThat(peer.list("jobs", "jobs")).hasSize(jobs);

        nowhereLocal(seen, value);
    }

    private static JsonNode check(JsonNode arr, String name) {
        List<JsonNode> found = new ArrayList<>();
        arr.forEach(n -> { if (n.path("check").asText().equals(name)) found.add(n); });
        assertThat(found).as(name + " in " + arr).isNotEmpty();
        return found.get(0);
    }

    @Test
    void doctorChecksTheContextNamespaceAndPermissionsAndSaysHowToFixADeniedOne() throws Exception {
        Ao.Result ok = ao().run("doctor", "-o", "json");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        JsonNode arr = JSON.readTree(ok.stdout());
        assertThat(check(arr, "k8s-context").path("status").asText()).as(arr.toString()).isEqualTo("ok");
        assertThat(check(arr, "k8s-context").path("detail").asText()).contains(peer.url()).contains("answers");
        assertThat(check(arr, "k8s-namespace").path("status").asText()).isEqualTo("ok");
        JsonNode perms = check(arr, "k8s-permissions");
        assertThat(perms.path("status").asText()).isEqualTo("ok");
        assertThat(perms.path("detail").asText()).contains("create jobs (batch)").contains("get pods/log").contains("create secrets")
                .contains("update leases (coordination.k8s.io)");

        peer.deny("create", "jobs", "jobs");
        Ao.Result denied = ao().run("doctor", "-o", "json");
        assertThat(denied.exit()).as(denied.toString()).isEqualTo(1);
        JsonNode d = JSON.readTree(denied.stdout());
        JsonNode failed = check(d, "k8s-permissions");
        assertThat(failed.path("status").asText()).isEqualTo("fail");
        assertThat(failed.path("detail").asText()).contains("may not create jobs (batch) in namespace jobs")
                .contains("kubectl create role").contains("--verb=create --resource=jobs.batch").doesNotContain("\n");
        Ao.Result text = ao().run("doctor");
        assertThat(text.stdout()).containsPattern("(?m)^fail +k8s-permissions +may not create jobs");

        project.config("[runners.k8s]\nnamespace = \"nope\"\n");
        JsonNode ns = JSON.readTree(ao().run("doctor", "-o", "json").stdout());
        assertThat(check(ns, "k8s-namespace").path("status").asText()).isEqualTo("fail");
        assertThat(check(ns, "k8s-namespace").path("detail").asText()).contains("kubectl create namespace nope");

        // no kubeconfig and no [runners.k8s]: one quiet line
        project.config("[scripts]\nexecution_timeout = 60\n");
        Files.delete(project.home().resolve(".kube/config"));
        Ao.Result none = project.ao().run("doctor", "-o", "json");
        JsonNode n = JSON.readTree(none.stdout());
        assertThat(check(n, "k8s-context").path("status").asText()).isEqualTo("ok");
        assertThat(check(n, "k8s-context").path("detail").asText()).startsWith("skipped: no kubeconfig");
        assertThat(n.toString()).doesNotContain("k8s-permissions");
    }
}
