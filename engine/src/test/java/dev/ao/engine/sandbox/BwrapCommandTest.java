package dev.ao.engine.sandbox;

import dev.ao.engine.script.Demands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Fixtures for the policy -> bwrap argument list translation. */
class BwrapCommandTest {
    private static final Limits LIMITS = new Limits(64, 1 << 20, 1L << 30, 1L << 30);
    private static final Identity USER = new Identity(1000, 1000, Path.of("/nonexistent-home"));

    private static SandboxPolicy plan(SandboxMode mode, boolean network, Path ws, Path io, List<Path> readable, List<Path> writable,
                                      List<Path> deny, List<Path> store, Demands demands, Map<String, String> env, Identity id) {
        return SandboxPlanner.plan(new SandboxPlanner.Request(mode, network, ws, io, null, readable, List.of(), List.of(), writable,
                deny, store, demands, env, id, 61000, Optional.empty(), LIMITS));
    }

    private static SandboxPolicy plan(SandboxMode mode, boolean network, Path dir, List<Path> readable, List<Path> writable,
                                      List<Path> deny, Demands demands, Map<String, String> env) {
        return plan(mode, network, dir, dir, readable, writable, deny, List.of(), demands, env, USER);
    }

    private static String wrap(SandboxPolicy p, String... cmd) {
        return String.join(" ", BwrapCommand.wrap("bwrap", "/usr/bin/setpriv", p, List.of(cmd)).argv());
    }

    @Test
    void workspaceWriteBindsTheWorkspaceAndHidesCredentials(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".netrc"), "machine x");
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path io = Files.createDirectories(dir.resolve("io"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, ws, io, List.of(), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", home.toString()), USER);
        List<String> a = BwrapCommand.wrap("bwrap", "setpriv", p, List.of("python3", "s.py", "--x", "1")).argv();
        String s = String.join(" ", a);
        assertThat(a.subList(0, 4)).containsExactly("bwrap", "--ro-bind", "/", "/");
        assertThat(s).contains("--dev /dev").contains("--proc /proc").contains("--ro-bind /proc/sys /proc/sys")
                .contains("--perms 1777 --size " + (1L << 30) + " --tmpfs /tmp").contains("--tmpfs /dev/shm").contains("--tmpfs /run")
                .contains("--bind " + ws + " " + ws)
                .contains("--bind " + io + " " + io)
                .contains("--file " + BwrapCommand.PARAMS_FD + " " + SandboxPolicy.PARAMS)
                .contains("--tmpfs " + home.resolve(".ssh")).contains("--remount-ro " + home.resolve(".ssh"))
                .contains("--ro-bind /dev/null " + home.resolve(".netrc"))
                .contains("--unshare-pid").contains("--die-with-parent").contains("--new-session")
                .contains("--unshare-net").contains("--cap-drop ALL")
                .contains("--chdir " + ws)
                .endsWith("-- python3 s.py --x 1");
        // not root: no uid drop, no capability kept
        assertThat(s).doesNotContain("setpriv").doesNotContain("--cap-add");
        // hidden paths come after every bind, so a writable root cannot un-hide them
        assertThat(s.indexOf("--tmpfs " + home.resolve(".ssh"))).isGreaterThan(s.indexOf("--bind " + ws));
        // missing credential paths are not mounted (bwrap would fail on them)
        assertThat(s).doesNotContain(home.resolve(".gnupg").toString());
    }

    @Test
    void aRootAoRunsTheScriptAsTheSandboxUidWithNoCapabilityLeft(@TempDir Path dir) {
        Identity root = new Identity(0, 0, dir.resolve("roothome"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()), root);
        String s = wrap(p, "sh", "x.sh");
        assertThat(s).contains("--cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP")
                .endsWith("-- /usr/bin/setpriv --reuid 61000 --regid 61000 --clear-groups --inh-caps=-all --bounding-set=-all"
                        + " --no-new-privs -- sh x.sh");
        // danger-full-access has no sandbox to drop root in
        assertThat(plan(SandboxMode.DANGER_FULL_ACCESS, false, dir, dir, List.of(), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()), root).runAs()).isEmpty();
    }

    @Test
    void theRunStoreIsHiddenButTheRunsOwnWorkspaceShowsThrough(@TempDir Path dir) throws Exception {
        Path store = Files.createDirectories(dir.resolve(".ao"));
        Path ws = Files.createDirectories(store.resolve("runs/1/workspace"));
        Path io = Files.createDirectories(store.resolve("runs/1/io"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, ws, io, List.of(dir), List.of(dir), List.of(), List.of(store),
                Demands.NONE, Map.of("HOME", dir.toString()), USER);
        String s = wrap(p, "true");
        int hide = s.indexOf("--tmpfs " + store);
        assertThat(s.indexOf("--remount-ro " + store)).isGreaterThan(s.lastIndexOf("--bind " + io));
        assertThat(hide).isPositive();
        // the project is a writable root: its bind comes first, the store's tmpfs covers .ao, then the run's folders come back
        assertThat(s.indexOf("--bind " + dir + " " + dir)).isLessThan(hide);
        assertThat(s.lastIndexOf("--bind " + ws + " " + ws)).isGreaterThan(hide);
        assertThat(s.lastIndexOf("--bind " + io + " " + io)).isGreaterThan(hide);
    }

    @Test
    void aSkillFromAGitSourceShowsThroughTheHiddenStoreAndNothingElseOfIt(@TempDir Path dir) throws Exception {
        Path store = Files.createDirectories(dir.resolve(".ao"));
        Path skill = Files.createDirectories(store.resolve("sources/team/ops/hello"));
        Path runs = Files.createDirectories(store.resolve("runs/other"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(skill, runs), List.of(), List.of(), List.of(store),
                Demands.NONE, Map.of("HOME", dir.toString()), USER);
        String s = wrap(p, "true");
        assertThat(s.lastIndexOf("--ro-bind " + skill + " " + skill)).isGreaterThan(s.indexOf("--tmpfs " + store));
        assertThat(s).doesNotContain("--ro-bind " + runs);
    }

    @Test
    void aStoreUnderTmpGetsItsFoldersMadeAgainInsideTheHidingTmpfs() throws Exception {
        Path base = Files.createTempDirectory("ao-bwrap-test-");
        try {
            Path store = Files.createDirectories(base.resolve("project/.ao"));
            Path ws = Files.createDirectories(store.resolve("runs/1/workspace"));
            Path io = Files.createDirectories(store.resolve("runs/1/io"));
            SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, ws, io, List.of(base.resolve("project")), List.of(), List.of(),
                    List.of(store), Demands.NONE, Map.of("HOME", base.toString()), USER);
            String s = wrap(p, "true");
            int hide = s.indexOf("--tmpfs " + store);
            // the run's folders are made (0755, passable for the sandbox uid) after the store's tmpfs covered the first ones
            assertThat(s.indexOf("--perms 0755 --dir " + store.resolve("runs/1"), hide)).isPositive();
        } finally {
            try (var files = Files.walk(base)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void closedFoldersOnTheWayAreMaskedAndOnlyWhatIsNeededIsBoundBack(@TempDir Path dir) throws Exception {
        Path closed = Files.createDirectories(dir.resolve("root"));
        Path tool = Files.createDirectories(closed.resolve(".pyenv/shims"));
        Files.createDirectories(closed.resolve("secret"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Identity root = new Identity(0, 0, closed);
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", closed.toString(), "PATH", tool + ":/usr/bin"), root);
        String s = wrap(p, "true");
        assertThat(s).contains("--perms 0755 --tmpfs " + closed + " --ro-bind " + closed.resolve(".pyenv") + " " + closed.resolve(".pyenv"))
                .doesNotContain(closed.resolve("secret").toString());
    }

    @Test
    void aClosedFolderThatIsItselfNeededIsMaskedAndItsEntriesBoundBack(@TempDir Path dir) throws Exception {
        Path closed = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(closed.resolve("x.sh"), "echo hi");
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Identity root = new Identity(0, 0, dir.resolve("roothome"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(closed), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()), root);
        assertThat(wrap(p, "true")).contains("--perms 0755 --tmpfs " + closed + " --ro-bind " + closed.resolve("x.sh") + " " + closed.resolve("x.sh"));
    }

    @Test
    void networkOnDropsUnshareNetAndTheSocketFilter(@TempDir Path dir) {
        SandboxPolicy on = SandboxPlanner.plan(new SandboxPlanner.Request(SandboxMode.WORKSPACE_WRITE, true, dir, dir, null, List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), Demands.NONE, Map.of("HOME", dir.toString()), USER, 61000,
                Optional.of(dir.resolve("f.bpf")), LIMITS));
        assertThat(wrap(on, "true")).doesNotContain("--unshare-net").doesNotContain("--seccomp");
        SandboxPolicy off = SandboxPlanner.plan(new SandboxPlanner.Request(SandboxMode.WORKSPACE_WRITE, false, dir, dir, null, List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), Demands.NONE, Map.of("HOME", dir.toString()), USER, 61000,
                Optional.of(dir.resolve("f.bpf")), LIMITS));
        BwrapCommand.Launch l = BwrapCommand.wrap("bwrap", "setpriv", off, List.of("true"));
        assertThat(String.join(" ", l.argv())).contains("--unshare-net").contains("--seccomp " + BwrapCommand.FIRST_FILE_FD);
        assertThat(l.fdFiles()).containsExactly(dir.resolve("f.bpf"));
    }

    @Test
    void readOnlyBindsNoWorkspace(@TempDir Path dir) throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path io = Files.createDirectories(dir.resolve("io"));
        SandboxPolicy p = plan(SandboxMode.READ_ONLY, false, ws, io, List.of(), List.of(dir), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()), USER);
        String s = wrap(p, "true");
        assertThat(s).doesNotContain("--bind " + ws).contains("--bind " + io).contains("--chdir " + ws);
        assertThat(p.writable()).isEmpty();
    }

    @Test
    void writableRootsKeepGitAndDotcodexReadOnly(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("repo"));
        Files.createDirectories(root.resolve(".git"));
        Files.createDirectories(root.resolve("dotcodex"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, List.of(), List.of(root), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()));
        String s = wrap(p, "true");
        assertThat(s).contains("--bind " + root + " " + root)
                .contains("--ro-bind " + root.resolve(".git") + " " + root.resolve(".git"))
                .contains("--ro-bind " + root.resolve("dotcodex") + " " + root.resolve("dotcodex"));
        assertThat(s.indexOf("--ro-bind " + root.resolve(".git"))).isGreaterThan(s.indexOf("--bind " + root));
    }

    @Test
    void demandedBinariesUnhideTheirCredentialsOnly(@TempDir Path dir) {
        Path home = dir;
        SandboxPolicy none = plan(SandboxMode.WORKSPACE_WRITE, false, dir, List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", home.toString(), "KUBECONFIG", "/srv/kube/config"));
        assertThat(none.hidden()).contains(home.resolve(".kube"), home.resolve(".aws"), Path.of("/srv/kube/config"), home.resolve(".ssh"),
                home.resolve(".npmrc"), home.resolve(".config/gcloud"));
        SandboxPolicy kube = plan(SandboxMode.WORKSPACE_WRITE, false, dir, List.of(), List.of(), List.of(),
                new Demands(List.of("kubectl"), List.of(), null), Map.of("HOME", home.toString(), "KUBECONFIG", "/srv/kube/config"));
        assertThat(kube.hidden()).doesNotContain(home.resolve(".kube"), Path.of("/srv/kube/config")).contains(home.resolve(".aws"), home.resolve(".ssh"));
    }

    @Test
    void theRealHomeIsHiddenToo(@TempDir Path dir) {
        Identity id = new Identity(1000, 1000, dir.resolve("real"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, dir, List.of(), List.of(), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.resolve("fake").toString()), id);
        assertThat(p.hidden()).contains(dir.resolve("real/.ssh"), dir.resolve("fake/.ssh"));
    }

    @Test
    void denyReadFromConfigIsHidden(@TempDir Path dir) throws Exception {
        Path secret = Files.createDirectories(dir.resolve("vault"));
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, List.of(), List.of(), List.of(secret), Demands.NONE,
                Map.of("HOME", dir.toString()));
        assertThat(wrap(p, "true")).contains("--tmpfs " + secret).contains("--remount-ro " + secret);
    }

    @Test
    void projectsUnderTmpStayVisibleReadOnly(@TempDir Path dir) {
        Path tmpProject = Path.of("/tmp");
        SandboxPolicy p = plan(SandboxMode.WORKSPACE_WRITE, false, dir, List.of(tmpProject), List.of(), List.of(), Demands.NONE,
                Map.of("HOME", dir.toString()));
        assertThat(wrap(p, "true")).contains("--tmpfs /dev/shm --ro-bind /tmp /tmp");
    }
}
