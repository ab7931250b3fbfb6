package dev.ao.engine.doctor;

import dev.ao.engine.AoException;
import dev.ao.engine.exec.ProcessSupervisor;
import dev.ao.engine.sandbox.SeccompFilter;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the unix-socket seccomp filter works here: bwrap loads this machine's program and a real
 * {@code socket(AF_UNIX)} inside that sandbox is refused. Not whether bwrap accepts {@code --seccomp}: in a
 * container with its own seccomp policy, or on an old kernel, it may load and still not refuse.
 */
public final class SeccompProbe {
    static final String NAME = "seccomp";
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String EXPOSED = "; with network off a run can still connect to the host unix sockets it can see"
            + " (/run/docker.sock, D-Bus)";

    private SeccompProbe() {}

    public static Check check(Map<String, String> env) {
        return check(SandboxProbe.locate(env), SeccompFilter.arch().map(SeccompFilter::denyUnixSockets));
    }

    /** @param program the filter to try; empty on an architecture ao has none for */
    static Check check(Optional<Path> bwrap, Optional<byte[]> program) {
        if (program.isEmpty()) return Check.warn(NAME, "unix-socket filter not available: " + SeccompFilter.unsupportedReason().orElse("no program for this architecture") + EXPOSED);
        if (bwrap.isEmpty()) return Check.warn(NAME, "unix-socket filter not checked: bwrap is not on PATH (see the sandbox check)");
        String arch = SeccompFilter.arch().map(SeccompFilter.Arch::id).orElse("?");
        Optional<Path> classes = classpath();
        if (classes.isEmpty()) return Check.warn(NAME, "unix-socket filter not checked: cannot locate ao's own classes to run inside the sandbox");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ao-doctor-seccomp-");
            Path filter = SeccompFilter.install(dir, program.get());
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> attempt = List.of(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-XX:-UsePerfData", "-Xmx32m", "-cp", classes.get().toString(), UnixSocketAttempt.class.getName());
            List<String> cmd = SeccompFilter.openOnFd(filter, SeccompFilter.probeCommand(bwrap.get().toString(), attempt));
            long t0 = System.nanoTime();
            ProcessSupervisor.Captured c = ProcessSupervisor.capture(cmd, Map.of(), TIMEOUT);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String out = c.stdout().strip();
            if (c.timedOut()) return Check.warn(NAME, "unix-socket filter not checked: the probe sandbox did not finish within " + TIMEOUT.toSeconds() + " s");
            if (c.exitCode() != 0 || !out.startsWith("seccomp=")) {
                return Check.warn(NAME, "unix-socket filter not active: " + bwrap.get() + " --seccomp failed: " + SandboxProbe.firstError(c) + EXPOSED);
            }
            if (out.contains("unix-socket=refused") && out.contains("Operation not permitted") && out.startsWith("seccomp=2 ")) {
                return Check.ok(NAME, "unix-socket filter active (" + arch + "): with network off, socket(AF_UNIX) fails with EPERM"
                        + " (checked in a sandbox in " + ms + " ms)");
            }
            return Check.warn(NAME, "unix-socket filter not active: bwrap loaded it but socket(AF_UNIX) was not refused (" + out + ")" + EXPOSED);
        } catch (IOException | AoException e) {
            return Check.warn(NAME, "unix-socket filter not checked: " + e.getMessage());
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Where {@link UnixSocketAttempt} lives: ao's jar, or target/classes in a build. */
    static Optional<Path> classpath() {
        try {
            CodeSource cs = UnixSocketAttempt.class.getProtectionDomain().getCodeSource();
            return cs == null ? Optional.empty() : Optional.of(Path.of(cs.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }
}
