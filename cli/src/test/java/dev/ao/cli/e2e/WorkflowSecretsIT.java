package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A workflow's secret parameter stays secret wherever its templates carry it: into a child's with: (whose own schema
 * does not say secret), the child's output and the workflow's summary and outputs. The canary is in no file and no
 * output, while the child did receive it.
 */
class WorkflowSecretsIT {
    private static final String CANARY = "Canary-7f3a9c1e";
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("wf-secrets");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    @Test
    void aSecretParameterIsInNoRecordNoLogAndNoOutput() throws Exception {
        Path proof = project.root().resolve("proof");
        Files.createDirectories(proof);
        project.write("sec.yml", "name: sec\n"
                + "parameters_schema: {type: object, required: [token], properties: {token: {type: string, secret: true}}}\n"
                + "jobs:\n"
                + "  use:\n"
                + "    shell: bash\n"
                + "    with: {auth: \"Bearer ${{ params.token }}\", proof: \"" + proof + "\"}\n"
                + "    run: |\n"
                + "      echo \"auth is $AO_PARAM_AUTH\"; echo \"auth on stderr $AO_PARAM_AUTH\" >&2\n"
                + "      echo \"leak=$AO_PARAM_AUTH\" >> \"$AO_OUTPUT\"\n"
                + "      printf %s \"$AO_PARAM_AUTH\" | sha256sum | cut -d' ' -f1 > \"$AO_PARAM_PROOF/received\"\n"
                + "  next:\n"
                + "    needs: [use]\n"
                + "    shell: bash\n"
                + "    with: {seen: \"${{ jobs.use.outputs.leak }}\"}\n"
                + "    run: echo \"next saw $AO_PARAM_SEEN\"\n"
                + "summary: \"token ${{ params.token }}, output ${{ jobs.use.outputs.leak }}\"\n"
                + "outputs: {t: \"${{ params.token }}\"}\n");
        project.giveToItUser();
        Ao.Result r = project.ao().run("run", "sec.yml", "-p", "token=" + CANARY, "--allow-write", proof.toString(), "-f", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(("Bearer " + CANARY).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(Files.readString(proof.resolve("received")).strip()).as("the child got the real value").isEqualTo(sha);
        assertThat(r.out()).doesNotContain(CANARY).contains("***");
        assertThat(r.err()).doesNotContain(CANARY);
        Ao.Result list = project.ao().run("runs", "list", "--all", "-o", "json");
        assertThat(list.out()).doesNotContain(CANARY);
        for (Path f : TestProject.filesUnder(project.root().resolve(".ao"))) {
            // binary files too (the seccomp program, lock files): bytes read as Latin-1 keep any ASCII canary whole
            assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(CANARY);
        }
    }
}
