package dev.ao.cli.skill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.testkit.Ao;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The skill library that ships in this repository lints clean, and an agent finds the right skill in it. */
class BundledLibraryIT {
    private static final Path REPO = Ao.repo();

    private Ao ao() throws Exception {
        return new Ao(REPO, Files.createDirectories(TestProject.create("bundled").home()));
    }

    @Test
    void theBundledLibraryLintsWithoutErrors() throws Exception {
        List<String> args = new ArrayList<>(List.of("skill", "lint"));
        for (String p : List.of("skills", "dotcodex/skills")) if (Files.isDirectory(REPO.resolve(p))) args.add(p);
        assertThat(args).as("the repository has no skills/ folder").hasSizeGreaterThan(2);
        Ao.Result r = ao().run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).doesNotContain(": error: ");
    }

    @Test
    void restartCrashingPodsFindsCrashloopRestartFirst() throws Exception {
        assumeTrue(Files.isDirectory(REPO.resolve("skills/k8s/crashloop-restart")), "the bundled k8s/crashloop-restart skill is not here yet");
        Ao.Result r = ao().run("skill", "search", "restart crashing pods", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode hits = new ObjectMapper().readTree(r.stdout());
        assertThat(hits.get(0).path("id").asText()).isEqualTo("k8s/crashloop-restart");
    }
}
