package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Fixtures for the policy -> bwrap argument list translation. */
class BwrapCommandTest {
    private static final Limits LIMITS = new Limits(64, 1 << 20, 1L << 30);

    private static String joined(List<String> args) {
        return String.join(" ", args);
    }

    @Test
    void workspaceWriteBindsTheWorkspaceAndHidesCredentials(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".netrc"), "machine x");
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path priv = Files.createDirectories(dir.resolve("priv"));
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, ws, priv, List.of(), List.of(), List.of(),
                Demands.NONE, Map.of("HOME", home.toString()), LIMITS);
        List<String> a = BwrapCommand.wrap("bwrap", p, List.of("python3", "s.py", "--x", "1"));
        String s = joined(a);
        assertThat(a.subList(0, 4)).containsExactly("bwrap", "--ro-bind", "/", "/");
        assertThat(s).contains("--dev /dev").contains("--proc /proc").contains("--tmpfs /tmp")
                .contains("--bind " + ws + " " + ws)
                .contains("--bind " + priv + " " + priv)
                .contains("--tmpfs " + home.resolve(".ssh") + " --remount-ro " + home.resolve(".ssh"))
                .contains("--ro-bind /dev/null " + home.resolve(".netrc"))
                .contains("--unshare-pid").contains("--die-with-parent").contains("--new-session")
                .contains("--unshare-net").contains("--cap-drop ALL")
                .contains("--chdir " + ws)
                .endsWith("-- python3 s.py --x 1");
        // hidden paths come after every bind, so a writable root cannot un-hide them
        assertThat(s.indexOf("--tmpfs " + home.resolve(".ssh"))).isGreaterThan(s.indexOf("--bind " + ws));
        // missing credential paths are not mounted (bwrap would fail on them)
        assertThat(s).doesNotContain(home.resolve(".gnupg").toString());
    }

    @Test
    void networkOnDropsUnshareNet(@TempDir Path dir) {
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, true, dir, dir, List.of(), List.of(), List.of(),
                Demands.NONE, Map.of("HOME", dir.toString()), LIMITS);
        assertThat(BwrapCommand.wrap("bwrap", p, List.of("true"))).doesNotContain("--unshare-net");
    }

    @Test
    void readOnlyBindsNoWorkspace(@TempDir Path dir) throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path priv = Files.createDirectories(dir.resolve("priv"));
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.READ_ONLY, false, ws, priv, List.of(), List.of(dir), List.of(),
                Demands.NONE, Map.of("HOME", dir.toString()), LIMITS);
        String s = joined(BwrapCommand.wrap("bwrap", p, List.of("true")));
        assertThat(s).doesNotContain("--bind " + ws).contains("--bind " + priv).contains("--chdir " + ws);
        assertThat(p.writable()).isEmpty();
    }

    @Test
    void writableRootsKeepGitAndDotcodexReadOnly(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("repo"));
        Files.createDirectories(root.resolve(".git"));
        Files.createDirectories(root.resolve("dotcodex"));
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(root), List.of(),
                Demands.NONE, Map.of("HOME", dir.toString()), LIMITS);
        String s = joined(BwrapCommand.wrap("bwrap", p, List.of("true")));
        assertThat(s).contains("--bind " + root + " " + root)
                .contains("--ro-bind " + root.resolve(".git") + " " + root.resolve(".git"))
                .contains("--ro-bind " + root.resolve("dotcodex") + " " + root.resolve("dotcodex"));
        assertThat(s.indexOf("--ro-bind " + root.resolve(".git"))).isGreaterThan(s.indexOf("--bind " + root));
    }

    @Test
    void demandedBinariesUnhideTheirCredentialsOnly(@TempDir Path dir) {
        Path home = dir;
        SandboxPolicy none = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(),
                Demands.NONE, Map.of("HOME", home.toString(), "KUBECONFIG", "/srv/kube/config"), LIMITS);
        assertThat(none.hidden()).contains(home.resolve(".kube"), home.resolve(".aws"), Path.of("/srv/kube/config"), home.resolve(".ssh"));
        SandboxPolicy kube = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(),
                new Demands(List.of("kubectl"), List.of(), null), Map.of("HOME", home.toString(), "KUBECONFIG", "/srv/kube/config"), LIMITS);
        assertThat(kube.hidden()).doesNotContain(home.resolve(".kube"), Path.of("/srv/kube/config")).contains(home.resolve(".aws"), home.resolve(".ssh"));
    }

    @Test
    void denyReadFromConfigIsHidden(@TempDir Path dir) throws Exception {
        Path secret = Files.createDirectories(dir.resolve("vault"));
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(secret),
                Demands.NONE, Map.of("HOME", dir.toString()), LIMITS);
        assertThat(joined(BwrapCommand.wrap("bwrap", p, List.of("true")))).contains("--tmpfs " + secret + " --remount-ro " + secret);
    }

    @Test
    void projectsUnderTmpStayVisibleReadOnly(@TempDir Path dir) {
        Path tmpProject = Path.of("/tmp");
        SandboxPolicy p = SandboxPlanner.plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(tmpProject), List.of(), List.of(),
                Demands.NONE, Map.of("HOME", dir.toString()), LIMITS);
        String s = joined(BwrapCommand.wrap("bwrap", p, List.of("true")));
        assertThat(s).contains("--tmpfs /tmp --ro-bind /tmp /tmp");
    }
}
