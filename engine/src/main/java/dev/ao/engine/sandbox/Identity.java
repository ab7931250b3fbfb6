package dev.ao.engine.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Who ao runs as, and who a script runs as. When ao is the real root (CI containers), a script never is: it runs
 * as {@link #DEFAULT_SANDBOX_UID} (outside any login range, no entry in /etc/passwd needed), so the kernel's own
 * permission checks keep it from {@code /proc/sys}, root-owned files and setuid tricks even where a mount was
 * missed. As a normal user, the script runs as that user, as bwrap's user namespace has it.
 *
 * @param uid     ao's real uid
 * @param gid     ao's real gid
 * @param home    the home directory the password database gives for {@code uid} (not {@code $HOME})
 */
public record Identity(int uid, int gid, Path home) {
    /** In systemd's unused 60578–61183 band: no login user, no dynamic service user. */
    public static final int DEFAULT_SANDBOX_UID = 61000;

    public boolean root() {
        return uid == 0;
    }

    /** The uid and gid a script runs as, or empty when it runs as ao's own user. */
    public Optional<RunAs> runAs(int sandboxUid) {
        return root() ? Optional.of(new RunAs(sandboxUid, sandboxUid)) : Optional.empty();
    }

    /** An unprivileged uid/gid pair a root ao drops to inside the sandbox. */
    public record RunAs(int uid, int gid) {}

    private static final class Current {
        static final Identity VALUE = read();
    }

    public static Identity current() {
        return Current.VALUE;
    }

    private static Identity read() {
        int uid = -1;
        int gid = -1;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) uid = Integer.parseInt(l.substring(4).trim().split("\\s+")[0]);
                if (l.startsWith("Gid:")) gid = Integer.parseInt(l.substring(4).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ao's sandbox needs bwrap anyway; treat as an ordinary user
        }
        Path home = passwdHome(uid).orElse(Path.of(System.getProperty("user.home")));
        return new Identity(uid, gid, home);
    }

    /** The user name the password database gives {@code uid}, if any. */
    public static Optional<String> passwdName(int uid) {
        return passwdField(uid, 0);
    }

    /** The home directory of {@code uid} in /etc/passwd. */
    static Optional<Path> passwdHome(int uid) {
        return passwdField(uid, 5).filter(h -> h.startsWith("/")).map(Path::of);
    }

    private static Optional<String> passwdField(int uid, int field) {
        try {
            for (String l : Files.readAllLines(Path.of("/etc/passwd"))) {
                List<String> f = List.of(l.split(":", -1));
                if (f.size() >= 6 && f.get(2).equals(Integer.toString(uid))) return Optional.of(f.get(field));
            }
        } catch (IOException | RuntimeException e) {
            // no password database: $HOME is all we know
        }
        return Optional.empty();
    }
}
