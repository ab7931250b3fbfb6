package dev.ao.engine.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Git sources against real repositories on disk (JGit on both sides; the e2e tests use git daemon). */
class SkillSourcesTest {
    @TempDir Path tmp;
    Path project;
    Path upstream;
    Git up;

    @BeforeEach
    void setUp() throws Exception {
        project = Files.createDirectories(tmp.resolve("project"));
        Files.createDirectories(project.resolve("dotcodex"));
        Files.writeString(project.resolve("dotcodex/config.toml"), "");
        upstream = tmp.resolve("upstream");
        up = Git.init().setDirectory(upstream.toFile()).setInitialBranch("main").call();
        write("k8s/alpha/SKILL.md", skill("alpha", "First skill"));
        write("k8s/gamma/SKILL.md", skill("gamma", "Doomed skill"));
        write("README.md", "# team skills\n");
        commit("two skills");
    }

    private AoConfig config() {
        return new ConfigLoader(project, Map.of("HOME", tmp.resolve("home").toString())).load(Map.of());
    }

    private SkillSources sources() {
        return new SkillSources(config());
    }

    static String skill(String name, String description) {
        return "---\nname: " + name + "\ndescription: " + description + "\n---\n# " + name + "\n";
    }

    private void write(String rel, String text) throws Exception {
        Path f = upstream.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private String commit(String msg) throws Exception {
        up.add().addFilepattern(".").call();
        up.add().addFilepattern(".").setUpdate(true).call();
        RevCommit c = up.commit().setMessage(msg).setAuthor("t", "t@example.com").setCommitter("t", "t@example.com").call();
        return c.name();
    }

    private String head(Path dir) {
        return SourceGit.head(dir);
    }

    @Test
    void addClonesPinsTheCommitAndTheSkillsAppearInTheCatalog() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        SkillSources.Added a = sources().add(upstream.toString(), null, null, null);
        assertThat(a.pin()).isEqualTo(new SkillSources.Pin("upstream", upstream.toString(), "main", c1, null));
        assertThat(a.skills()).containsExactly("upstream/k8s/alpha", "upstream/k8s/gamma");

        JsonNode lock = new ObjectMapper().readTree(project.resolve("dotcodex/skills.lock").toFile());
        assertThat(lock.toString()).isEqualTo("{\"sources\":[{\"name\":\"upstream\",\"url\":\"" + upstream + "\",\"ref\":\"main\",\"commit\":\"" + c1 + "\"}]}");
        assertThat(head(project.resolve(".ao/sources/upstream"))).isEqualTo(c1);

        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.problems()).isEmpty();
        Skill alpha = cat.find("upstream/k8s/alpha").orElseThrow();
        assertThat(alpha.source().name()).isEqualTo("upstream");
        assertThat(alpha.source().commit()).isEqualTo(c1);
        assertThat(alpha.origin()).isEqualTo("git:upstream@" + c1.substring(0, 12));
        assertThat(noTemps()).isTrue();
    }

    @Test
    void updateMovesThePinAndSaysWhichSkillsChanged() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        sources().add(upstream.toString(), "team", null, null);
        write("k8s/alpha/SKILL.md", skill("alpha", "First skill, now better"));
        write("k8s/beta/SKILL.md", skill("beta", "New skill"));
        Files.delete(upstream.resolve("k8s/gamma/SKILL.md"));
        write("README.md", "# team skills, v2\n");
        String c2 = commit("alpha better, beta new, gamma gone");

        List<SkillSources.Change> changes = sources().update(null, null);
        assertThat(changes).hasSize(1);
        SkillSources.Change ch = changes.get(0);
        assertThat(ch.oldCommit()).isEqualTo(c1);
        assertThat(ch.newCommit()).isEqualTo(c2);
        assertThat(ch.added()).containsExactly("team/k8s/beta");
        assertThat(ch.removed()).containsExactly("team/k8s/gamma");
        assertThat(ch.modified()).containsExactly("team/k8s/alpha");
        assertThat(sources().pin("team").orElseThrow().commit()).isEqualTo(c2);
        assertThat(head(project.resolve(".ao/sources/team"))).isEqualTo(c2);
        assertThat(SkillSources.catalog(config()).find("team/k8s/beta")).isPresent();

        SkillSources.Change again = sources().update("team", null).get(0);
        assertThat(again.moved()).isFalse();
        assertThat(again.added()).isEmpty();
        assertThat(again.modified()).isEmpty();
    }

    @Test
    void aBadUrlLeavesNoCloneAndNoLockEntry() {
        assertThatThrownBy(() -> sources().add(tmp.resolve("no-such-repo").toString(), null, null, null))
                .isInstanceOf(AoException.class)
                .hasMessageStartingWith("cannot clone " + tmp.resolve("no-such-repo"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(project.resolve("dotcodex/skills.lock")).doesNotExist();
        assertThat(project.resolve(".ao/sources/no-such-repo")).doesNotExist();
        assertThat(noTemps()).isTrue();
    }

    @Test
    void anUnknownRefLeavesNothingBehind() {
        assertThatThrownBy(() -> sources().add(upstream.toString(), null, "nope", null))
                .hasMessage("'nope' is not a branch, tag or commit of " + upstream);
        assertThat(project.resolve("dotcodex/skills.lock")).doesNotExist();
        assertThat(project.resolve(".ao/sources/upstream")).doesNotExist();
        assertThat(noTemps()).isTrue();
    }

    @Test
    void aNameIsAddedOnce() {
        sources().add(upstream.toString(), "team", null, null);
        assertThatThrownBy(() -> sources().add(upstream.toString(), "team", null, null)).hasMessageContaining("already in");
        assertThat(sources().pins()).hasSize(1);
    }

    @Test
    void removeDropsThePinAndTheClone() {
        sources().add(upstream.toString(), "team", null, null);
        sources().remove("team");
        assertThat(sources().pins()).isEmpty();
        assertThat(project.resolve(".ao/sources/team")).doesNotExist();
        assertThatThrownBy(() -> sources().remove("team")).hasMessageContaining("no skill source named 'team'");
    }

    @Test
    void aFreshCheckoutOfTheProjectGetsThePinnedCommitNotTheNewestOne() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        sources().add(upstream.toString(), "team", null, null);
        write("k8s/beta/SKILL.md", skill("beta", "Newer"));
        commit("upstream moves on");
        deleteTree(project.resolve(".ao"));

        List<SkillSources.Synced> synced = sources().sync();
        assertThat(synced).extracting(SkillSources.Synced::action).containsExactly("cloned");
        assertThat(head(project.resolve(".ao/sources/team"))).isEqualTo(c1);
        assertThat(sources().sync()).extracting(SkillSources.Synced::action).containsExactly("ok");
    }

    @Test
    void theCatalogClonesAMissingPinOnFirstUse() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        sources().add(upstream.toString(), "team", null, null);
        deleteTree(project.resolve(".ao"));
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.problems()).isEmpty();
        assertThat(cat.find("team/k8s/alpha").orElseThrow().source().commit()).isEqualTo(c1);
    }

    @Test
    void anExistingCloneNeedsNoNetwork() throws Exception {
        sources().add(upstream.toString(), "team", null, null);
        deleteTree(upstream);
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.problems()).isEmpty();
        assertThat(cat.find("team/k8s/alpha")).isPresent();
        assertThat(sources().sync()).extracting(SkillSources.Synced::action).containsExactly("ok");
    }

    @Test
    void aMissingCloneThatCannotBeMadeIsAProblemNotACrash() throws Exception {
        sources().add(upstream.toString(), "team", null, null);
        deleteTree(project.resolve(".ao"));
        deleteTree(upstream);
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.problems()).singleElement().asString().startsWith("source 'team': cannot clone");
        assertThat(project.resolve(".ao/sources/team")).doesNotExist();
        assertThat(noTemps()).isTrue();
    }

    @Test
    void theCloneFollowsThePinWhenTheLockMovesWithoutNetwork() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        sources().add(upstream.toString(), "team", null, null);
        write("k8s/beta/SKILL.md", skill("beta", "Newer"));
        String c2 = commit("two");
        sources().update("team", null);
        // a teammate's lock pins the older commit again: the clone has it, so no network is needed
        Path lock = project.resolve("dotcodex/skills.lock");
        Files.writeString(lock, Files.readString(lock).replace(c2, c1));
        deleteTree(upstream);
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.problems()).isEmpty();
        assertThat(cat.find("team/k8s/beta")).isEmpty();
        assertThat(head(project.resolve(".ao/sources/team"))).isEqualTo(c1);
    }

    @Test
    void tagsCommitsAndSubfolders() throws Exception {
        String c1 = up.getRepository().resolve("HEAD").name();
        up.tag().setName("v1").setAnnotated(true).setMessage("v1").call();
        write("k8s/beta/SKILL.md", skill("beta", "Newer"));
        commit("two");

        SkillSources.Added byTag = sources().add(upstream.toString(), "tagged", "v1", null);
        assertThat(byTag.pin().commit()).isEqualTo(c1);
        SkillSources.Added byCommit = sources().add(upstream.toString(), "fixed", c1.substring(0, 10), null);
        assertThat(byCommit.pin().commit()).isEqualTo(c1);
        assertThat(byCommit.pin().fixed()).isTrue();
        assertThat(sources().update("fixed", null).get(0).moved()).isFalse();

        SkillSources.Added sub = sources().add(upstream.toString(), "k8s-only", null, "k8s");
        assertThat(sub.skills()).containsExactly("k8s-only/alpha", "k8s-only/beta", "k8s-only/gamma");
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.find("k8s-only/alpha").orElseThrow().source().name()).isIn("k8s-only");
        assertThat(cat.conflicts()).as("each source names its own skills").isEmpty();
        assertThat(cat.find("tagged/k8s/alpha")).isPresent();
        assertThat(cat.find("fixed/k8s/alpha")).isPresent();
        assertThatThrownBy(() -> sources().add(upstream.toString(), "nope", null, "missing")).hasMessageContaining("is not a folder");
    }

    @Test
    void aRewrittenHistoryIsReportedBySync() throws Exception {
        sources().add(upstream.toString(), "team", null, null);
        Path lock = project.resolve("dotcodex/skills.lock");
        Files.writeString(lock, Files.readString(lock).replaceAll("\"commit\" ?: ?\"[0-9a-f]{40}\"", "\"commit\": \"" + "1".repeat(40) + "\""));
        deleteTree(project.resolve(".ao"));
        List<SkillSources.Synced> s = sources().sync();
        assertThat(s.get(0).action()).isEqualTo("failed");
        assertThat(s.get(0).error()).contains("is no longer in").contains("ao skill update team");
        assertThat(project.resolve(".ao/sources/team")).doesNotExist();
    }

    @Test
    void urlsWithPasswordsAndSshAreRefusedUpFront() {
        assertThatThrownBy(() -> sources().add("https://bob:secret@example.com/x.git", null, null, null)).hasMessageContaining("password");
        assertThatThrownBy(() -> sources().add("git@github.com:org/skills.git", null, null, null)).hasMessageContaining("ssh");
        assertThat(project.resolve("dotcodex/skills.lock")).doesNotExist();
    }

    @Test
    void aLockThatPointsOutsideTheClonesFolderIsRefusedAndLocalSkillsStillLoad() throws Exception {
        Files.createDirectories(project.resolve("skills/local/mine"));
        Files.writeString(project.resolve("skills/local/mine/SKILL.md"), skill("mine", "Local"));
        Files.writeString(project.resolve("dotcodex/skills.lock"),
                "{\"sources\": [{\"name\": \"../../escape\", \"url\": \"" + upstream + "\", \"commit\": \"" + "a".repeat(40) + "\"}]}");
        assertThatThrownBy(() -> sources().pins()).hasMessageContaining("source name '../../escape' must be");
        SkillCatalog cat = SkillSources.catalog(config());
        assertThat(cat.find("local/mine")).isPresent();
        assertThat(cat.problems()).singleElement().asString().contains("must be lowercase");
        assertThat(tmp.resolve("escape")).doesNotExist();
        Files.writeString(project.resolve("dotcodex/skills.lock"),
                "{\"sources\": [{\"name\": \"ok\", \"url\": \"x\", \"commit\": \"" + "a".repeat(40) + "\", \"path\": \"a/../../b\"}]}");
        assertThatThrownBy(() -> sources().pins()).hasMessageContaining("must be a folder inside the repository");
    }

    @Test
    void defaultNames() {
        assertThat(SkillSources.defaultName("https://github.com/anthropics/skills.git")).isEqualTo("skills");
        assertThat(SkillSources.defaultName("git://127.0.0.1:9418/Team_Ops/")).isEqualTo("team_ops");
        assertThat(SkillSources.defaultName("/srv/git/ops-skills.git")).isEqualTo("ops-skills");
    }

    private boolean noTemps() {
        Path dir = project.resolve(".ao/sources");
        if (!Files.isDirectory(dir)) return true;
        try (Stream<Path> s = Files.list(dir)) {
            return s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path p) {
        SourceGit.deleteTree(p);
    }
}
