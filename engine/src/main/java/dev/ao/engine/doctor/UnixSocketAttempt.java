package dev.ao.engine.doctor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The program {@link SeccompProbe} runs inside a sandbox: it says whether a seccomp filter is loaded and whether
 * {@code socket(AF_UNIX)} was refused. The JVM ao runs on is the one interpreter every machine with ao has.
 */
public final class UnixSocketAttempt {
    private UnixSocketAttempt() {}

    public static void main(String[] args) {
        String seccomp = "?";
        try {
            seccomp = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Seccomp:"))
                    .map(l -> l.substring("Seccomp:".length()).strip()).findFirst().orElse("?");
        } catch (IOException ignored) {
            // no /proc: the answer below still says what matters
        }
        try (SocketChannel ignored = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            System.out.println("seccomp=" + seccomp + " unix-socket=allowed");
        } catch (IOException e) {
            System.out.println("seccomp=" + seccomp + " unix-socket=refused " + e.getMessage());
        }
    }
}
