package dev.ao.engine.skill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bundled library an installed ao ships comes after the project's skills and never fights them. */
class SkillCatalogTest {
    @TempDir Path dir;

    private Path skill(Path root, String id, String description) throws IOException {
        Path d = Files.createDirectories(root.resolve(id));
        Files.writeString(d.resolve("SKILL.md"), "---\nname: " + d.getFileName() + "\ndescription: " + description + "\n---\nbody\n");
        return d;
    }

    @Test
    void aBundledSkillIsShadowedSilentlyByTheProjectsOwnCopy() throws IOException {
        Path project = dir.resolve("project/skills");
        Path bundled = dir.resolve("opt/share/ao/skills");
        Path mine = skill(project, "logs/error-summary", "the project's copy");
        skill(bundled, "logs/error-summary", "the bundled copy");
        Path onlyBundled = skill(bundled, "k8s/bulk-restart", "bundled only");

        SkillCatalog c = SkillCatalog.scan(List.of(new SkillCatalog.Root(project, null)), List.of(), bundled);
        assertThat(c.find("logs/error-summary").orElseThrow().dir()).isEqualTo(mine);
        assertThat(c.find("k8s/bulk-restart").orElseThrow().dir()).isEqualTo(onlyBundled);
        assertThat(c.conflicts()).isEmpty();
        assertThat(c.problems()).isEmpty();

        // without the bundled folder, only the project's skills
        assertThat(SkillCatalog.scan(List.of(new SkillCatalog.Root(project, null)), List.of(), null).find("k8s/bulk-restart")).isEmpty();
    }

    @Test
    void aBuildTreeHasNoBundledSkills() {
        // engine/target/classes, not lib/ao.jar beside share/ao/skills
        assertThat(BundledSkills.dir()).isEmpty();
    }
}
