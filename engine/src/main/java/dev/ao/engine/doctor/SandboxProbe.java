package dev.ao.engine.doctor;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.ProcessSupervisor;
import dev.ao.engine.sandbox.BwrapCommand;
import dev.ao.engine.sandbox.EnvPolicy;
import dev.ao.engine.sandbox.Identity;
import dev.ao.engine.sandbox.SeccompFilter;
import dev.ao.engine.sandbox.Limits;
import dev.ao.engine.sandbox.SandboxMode;
import dev.ao.engine.sandbox.SandboxPlanner;
import dev.ao.engine.sandbox.SandboxPolicy;
import dev.ao.engine.script.Demands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a real, trivial sandbox the way a run would (same planner, same bwrap command line) and says whether
 * it came up. Finding bwrap on the PATH is not enough: in containers and on hardened kernels it is installed
 * but cannot create namespaces.
 */
public final class SandboxProbe {
    static final String NAME = "sandbox";
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String MARK = "ao-doctor-sandbox";

    private SandboxProbe() {}

    /** The bwrap a run would use: the one on PATH, as {@code RunService} looks it up. */
    public static Optional<Path> locate(Map<String, String> env) {
        return Binaries.which("bwrap", env.get("PATH"));
    }

    /** @param cwd where ao runs: a run sees it (and the project) even when it lies under /tmp */
    public static Check check(Path cwd, AoConfig config, Map<String, String> env, boolean configBroken) {
        return check(locate(env), cwd, config, env, configBroken);
    }

    /**
     * @param bwrap        the binary to try, or empty when there is none
     * @param configBroken the config did not load: {@code config} holds the defaults it is judged against
     */
    static Check check(Optional<Path> bwrap, Path cwd, AoConfig config, Map<String, String> env, boolean configBroken) {
        SandboxMode configured = SandboxMode.parse(config.sandboxMode(), config.origin(ConfigKey.SANDBOX_MODE));
        boolean needed = configured != SandboxMode.DANGER_FULL_ACCESS;
        String mode = "sandbox_mode = " + configured.id() + " (" + (configBroken ? "default; the config did not load" : config.origin(ConfigKey.SANDBOX_MODE)) + ")";
        if (bwrap.isEmpty()) {
            String what = "bubblewrap (bwrap) is not on PATH";
            return needed
                    ? Check.fail(NAME, what + "; " + mode + " cannot run any script: install it (apt-get install bubblewrap) or set sandbox_mode = \"danger-full-access\" to run unsandboxed")
                    : Check.warn(NAME, what + "; not needed by " + mode + ", but a script or --sandbox asking for a sandbox will be refused");
        }
        Path bin = bwrap.get();
        String where = bin.toString();
        ProcessSupervisor.Captured v = ProcessSupervisor.capture(List.of(bin.toString(), "--version"), Map.of(), Duration.ofSeconds(3));
        String version = v.exitCode() == 0 && !v.stdout().isBlank() ? v.stdout().strip().lines().findFirst().orElse("") + " at " : "";
        // a script that asks for a sandbox under danger-full-access gets workspace-write: probe what it would get
        SandboxMode probed = needed ? configured : SandboxMode.WORKSPACE_WRITE;
        Probe p = start(bin, probed, cwd, config, env);
        if (p.error() == null) {
            Identity me = Identity.current();
            String ok = version + where + " started a " + probed.id() + " sandbox (network " + (config.networkAccess() ? "on" : "off")
                    + ") in " + p.millis() + " ms; scripts run as uid " + p.uid()
                    + (me.root() ? " (ao is root: never root inside; sandbox.run_as_uid)" : " (your own, in bwrap's user namespace)");
            return Check.ok(NAME, needed ? ok : ok + "; not needed by " + mode);
        }
        String what = version + where + " cannot start a " + probed.id() + " sandbox: " + p.error() + hint(p.error());
        return needed
                ? Check.fail(NAME, what + "; " + mode + " cannot run any script: fix bwrap, or set sandbox_mode = \"danger-full-access\" to run unsandboxed")
                : Check.warn(NAME, what + "; not needed by " + mode + ", but runs that ask for a sandbox will fail");
    }

    private record Probe(String error, long millis, String uid) {}

    private static Probe start(Path bwrap, SandboxMode mode, Path cwd, AoConfig config, Map<String, String> env) {
        Path workspace = null;
        Path priv = null;
        Path filterDir = null;
        try {
            workspace = Files.createTempDirectory("ao-doctor-ws-");
            priv = Files.createTempDirectory("ao-doctor-priv-");
            filterDir = Files.createTempDirectory("ao-doctor-seccomp-");   // the doctor writes nothing into the project
            Limits limits = new Limits((Integer) config.get(ConfigKey.MAX_PROCESSES), config.size(ConfigKey.MAX_FILE_SIZE),
                    config.size(ConfigKey.MAX_MEMORY), config.size(ConfigKey.MAX_DISK));
            List<Path> readable = new ArrayList<>(List.of(cwd));
            config.projectRoot().ifPresent(readable::add);
            Identity me = Identity.current();
            int uid = (Integer) config.get(ConfigKey.RUN_AS_UID);
            SandboxPolicy policy = SandboxPlanner.plan(new SandboxPlanner.Request(mode, config.networkAccess(), workspace, priv, null,
                    readable, List.of(), List.of(), config.writableRoots(), config.denyRead(), List.of(config.stateDir()),
                    Demands.NONE, env, me, uid, config.networkAccess() ? Optional.empty() : SeccompFilter.installIfSupported(filterDir), limits));
            if (policy.runAs().isPresent()) {
                // as a run's: the sandbox uid's, and open for bwrap's chdir, which it makes before it drops root
                for (Path d : List.of(workspace, priv)) {
                    Files.setAttribute(d, "unix:uid", uid);
                    Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            // in workspace-write the probe also writes its workspace, which is what every run needs
            // only shell builtins: the probe must not depend on what PATH holds
            String who = "while read k v rest; do [ \"$k\" = Uid: ] && echo \"uid=$v\"; done < /proc/self/status; ";
            String script = who + (mode == SandboxMode.WORKSPACE_WRITE ? "echo " + MARK + " > probe && echo " + MARK : "echo " + MARK);
            String setpriv = Binaries.which("setpriv", env.get("PATH")).or(() -> Binaries.which("/usr/bin/setpriv", null))
                    .map(Path::toString).orElse("setpriv");
            BwrapCommand.Launch launch = BwrapCommand.wrap(bwrap.toString(), setpriv, policy, List.of("/bin/sh", "-c", script));
            // the descriptors a run's launch shim would open: the parameters (none here) and the seccomp program
            List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                    "exec 9</dev/null; i=3; for f in $1; do eval \"exec $i<\\\"\\$f\\\"\"; i=$((i+1)); done; shift; exec \"$@\"", "ao-probe",
                    String.join(" ", launch.fdFiles().stream().map(Path::toString).toList())));
            cmd.addAll(launch.argv());
            long t0 = System.nanoTime();
            ProcessSupervisor.Captured c = ProcessSupervisor.capture(cmd, EnvPolicy.apply(env, Demands.NONE, List.of()).env(), TIMEOUT);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (c.timedOut()) return new Probe("it did not finish within " + TIMEOUT.toSeconds() + " s", ms, null);
            List<String> lines = c.stdout().strip().lines().toList();
            String seenUid = lines.stream().filter(l -> l.startsWith("uid=")).map(l -> l.substring(4)).findFirst().orElse("?");
            if (c.exitCode() != 0 || lines.isEmpty() || !lines.get(lines.size() - 1).equals(MARK)) return new Probe(firstError(c), ms, null);
            if (mode == SandboxMode.WORKSPACE_WRITE && !(Files.isRegularFile(workspace.resolve("probe"))
                    && Files.readString(workspace.resolve("probe")).strip().equals(MARK))) {
                return new Probe("a file written in the sandbox's workspace did not reach " + workspace, ms, null);
            }
            return new Probe(null, ms, seenUid);
        } catch (IOException e) {
            return new Probe("cannot prepare the probe: " + e.getMessage(), 0, null);
        } finally {
            TempDirs.delete(workspace);
            TempDirs.delete(priv);
            TempDirs.delete(filterDir);
        }
    }

    /** bwrap's own error line if it printed one, else the first line of stderr, else the exit code. */
    static String firstError(ProcessSupervisor.Captured c) {
        List<String> lines = c.stderr().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        Optional<String> bw = lines.stream().filter(l -> l.startsWith("bwrap:")).findFirst();
        if (bw.isPresent()) return bw.get();
        if (!lines.isEmpty()) return lines.get(0);
        return "exit code " + c.exitCode() + (c.stdout().isBlank() ? "" : ", printed '" + c.stdout().strip() + "'");
    }

    private static String hint(String error) {
        String e = error.toLowerCase(java.util.Locale.ROOT);
        if (e.contains("namespace") || e.contains("uid map") || e.contains("operation not permitted")) {
            return " (unprivileged user namespaces look disabled: allow them with sysctl kernel.unprivileged_userns_clone=1,"
                    + " on Ubuntu 23.10+ kernel.apparmor_restrict_unprivileged_userns=0; in a container, run it with --privileged)";
        }
        return "";
    }
}
