package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A list-typed config key set from the environment, as an array or as a path list, reaches config show and the sandbox. */
class ConfigListEnvIT {
    private static final String ROOTS = "AO_SANDBOX_WORKSPACE_WRITE_WRITABLE_ROOTS";
    private TestProject project;

    @BeforeEach
    void setUp() {
        project = TestProject.create("listenv");
    }

    @AfterEach
    void tearDown() {
        project.close();
    }

    @Test
    void configShowListsEachPathOfAnArrayOrAPathList() {
        for (String raw : List.of("[\"/a\",\"/b\"]", "['/a', '/b']", "/a:/b")) {
            Ao.Result r = project.ao().env(ROOTS, raw).run("config", "show");
            assertThat(r.exit()).as(r.toString()).isZero();
            String line = r.stdout().lines().filter(l -> l.startsWith("sandbox_workspace_write.writable_roots")).findFirst().orElseThrow();
            assertThat(line).as(raw).contains("[\"/a\", \"/b\"]").contains("env " + ROOTS);
        }
        Ao.Result ext = project.ao().env("AO_SCRIPTS_ALLOWED_EXTENSIONS", "[\".py\", \".sh\"]").run("config", "show");
        assertThat(ext.stdout()).containsPattern("scripts.allowed_extensions +\\[\"\\.py\", \"\\.sh\"\\] +env AO_SCRIPTS_ALLOWED_EXTENSIONS");
    }

    @Test
    void aMalformedArrayIsOneLineNamingTheEnvVar() {
        Ao.Result r = project.ao().env(ROOTS, "[\"/a\", \"/b\"").run("config", "show");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().strip()).startsWith("ao: env " + ROOTS + ": sandbox_workspace_write.writable_roots is not a valid array of strings")
                .doesNotContain("\n");
    }

    @Test
    void aRunMayWriteToEachRootOfTheOverride() throws Exception {
        ItUser.assumeUsable();
        Path a = Files.createDirectories(project.base().resolve("root-a"));
        Path b = Files.createDirectories(project.base().resolve("root-b"));
        Path c = Files.createDirectories(project.base().resolve("root-c"));
        project.giveToItUser();
        project.script("both.sh", "#!/bin/bash\nfor d in \"$@\"; do echo hi > \"$d/x\" 2>/dev/null && echo \"wrote $d\" || echo \"refused $d\"; done\n");
        for (String raw : List.of("[\"" + a + "\",\"" + b + "\"]", a + ":" + b)) {
            Ao.Result r = project.ao().env(ROOTS, raw).run("run", "both.sh", "--", a.toString(), b.toString(), c.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            String id = project.runIds().get(project.runIds().size() - 1);
            assertThat(project.read(project.runDir(id).resolve("stdout.log")))
                    .contains("wrote " + a).contains("wrote " + b).contains("refused " + c);
            assertThat(a.resolve("x")).hasContent("hi");
            assertThat(b.resolve("x")).hasContent("hi");
            assertThat(c.resolve("x")).doesNotExist();
            Files.delete(a.resolve("x"));
            Files.delete(b.resolve("x"));
        }
    }
}
