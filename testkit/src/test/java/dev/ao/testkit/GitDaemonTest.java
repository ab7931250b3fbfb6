package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitDaemonTest {

    @TempDir
    Path tmp;

    @Test
    void clonesAndPushesOverGitProtocol() throws Exception {
        GitRepo source = GitRepo.init(tmp.resolve("source"));
        String first = source.write("skills/restart/SKILL.md", "---\nname: restart\ndescription: Restart things\n---\n")
                .commit("add restart skill");
        assertThat(first).matches("[0-9a-f]{40}");
        Path base = Files.createDirectories(tmp.resolve("served"));
        source.bareClone(base.resolve("skills.git"));

        long pid;
        try (GitDaemon daemon = GitDaemon.start(base)) {
            pid = daemon.pid();
            assertThat(daemon.url("skills.git")).matches("git://127\\.0\\.0\\.1:\\d+/skills\\.git");

            Path clone = tmp.resolve("clone");
            GitRepo.run(tmp, "clone", "-q", daemon.url("skills.git"), clone.toString());
            assertThat(clone.resolve("skills/restart/SKILL.md")).content().contains("name: restart");
            GitRepo cloned = GitRepo.open(clone);
            assertThat(cloned.head()).isEqualTo(first);

            String second = cloned.write("skills/restart/run.sh", "echo hi\n").commit("add script");
            cloned.git("push", "-q", "origin", "main");
            String served = GitRepo.run(base.resolve("skills.git"), "rev-parse", "main").stdout().trim();
            assertThat(served).isEqualTo(second);

            Processes.Result missing = Processes.run(List.of("git", "ls-remote", daemon.url("nope.git")),
                    GitRepo.gitEnv(), tmp, Duration.ofSeconds(20));
            assertThat(missing.exit()).isNotZero();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void repoHelpersMakeRealCommits() {
        GitRepo repo = GitRepo.init(tmp.resolve("r"));
        String a = repo.write("a.txt", "1").commit("one");
        String b = repo.write("a.txt", "2").tag("v1").commit("two");
        assertThat(a).isNotEqualTo(b);
        assertThat(repo.git("log", "--format=%s").stdout().lines().toList()).containsExactly("two", "one");
        assertThat(repo.git("rev-parse", "v1").stdout().trim()).isEqualTo(a);
        Path bare = repo.bareClone(tmp.resolve("r.git"));
        assertThat(GitRepo.run(bare, "rev-parse", "--is-bare-repository").stdout().trim()).isEqualTo("true");
    }
}
