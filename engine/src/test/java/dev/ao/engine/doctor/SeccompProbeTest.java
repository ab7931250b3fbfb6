package dev.ao.engine.doctor;

import dev.ao.engine.doctor.Check.Status;
import dev.ao.engine.sandbox.SeccompFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SeccompProbeTest {
    @TempDir Path tmp;

    private static Optional<Path> bwrap() {
        Optional<Path> b = SandboxProbe.locate(System.getenv());
        assumeTrue(b.isPresent(), "bwrap is not installed here");
        return b;
    }

    @Test
    void theRealFilterIsActive() {
        Check c = SeccompProbe.check(bwrap(), SeccompFilter.denyUnixSockets());
        assertThat(c.status()).as(c.detail()).isEqualTo(Status.OK);
        assertThat(c.detail()).startsWith("unix-socket filter active (" + SeccompFilter.arch().orElseThrow().id() + ")");
    }

    @Test
    void aFilterThatLetsAfUnixThroughIsNotActive() {
        byte[] allowAll = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x06).put((byte) 0).put((byte) 0)
                .putInt(0x7fff0000).array();
        Check c = SeccompProbe.check(bwrap(), Optional.of(allowAll));
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("bwrap loaded it but socket(AF_UNIX) was not refused (seccomp=2 unix-socket=allowed)", "/run/docker.sock");
    }

    @Test
    void bwrapRefusingTheProgramIsReportedWithItsOwnLine() {
        Check c = SeccompProbe.check(bwrap(), Optional.of(new byte[] {1, 2, 3}));
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).contains("--seccomp failed: bwrap: Invalid seccomp data, must be multiple of 8");
    }

    @Test
    void aBwrapWithoutSeccompIsAWarning() throws Exception {
        Path fake = tmp.resolve("bwrap");
        Files.writeString(fake, "#!/bin/sh\necho 'bwrap: Unknown option --seccomp' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Check c = SeccompProbe.check(Optional.of(fake), SeccompFilter.denyUnixSockets());
        assertThat(c).isEqualTo(new Check("seccomp", Status.WARN, "unix-socket filter not active: " + fake
                + " --seccomp failed: bwrap: Unknown option --seccomp; with network off a run can still connect to the host unix"
                + " sockets it can see (/run/docker.sock, D-Bus)"));
    }

    @Test
    void noProgramForThisArchitectureIsAWarning() {
        Check c = SeccompProbe.check(Optional.empty(), Optional.empty());
        assertThat(c.status()).isEqualTo(Status.WARN);
        assertThat(c.detail()).startsWith("unix-socket filter not available");
    }
}
