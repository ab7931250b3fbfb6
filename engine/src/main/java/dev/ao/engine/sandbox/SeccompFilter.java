package dev.ao.engine.sandbox;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The seccomp program that keeps a run with network off from reaching host unix sockets ({@code /run/docker.sock},
 * D-Bus, any {@code *.sock} it can see): {@code --unshare-net} isolates TCP, not the filesystem namespace of
 * AF_UNIX. Given to bwrap as {@code --seccomp FD}: classic BPF, {@code struct sock_filter[]}, 8 bytes per instruction.
 *
 * <p>What it refuses, with EPERM: {@code socket(AF_UNIX, ...)}; {@code io_uring_setup}, because
 * {@code IORING_OP_SOCKET} creates sockets without the {@code socket} syscall; on x86_64 every x32-ABI call.
 * A syscall of a foreign architecture (i386 {@code int 0x80}, whose {@code socketcall} the check would not see)
 * kills the process. {@code socketpair} stays allowed: it connects to nothing outside the sandbox.
 */
public final class SeccompFilter {

    /** The fd the launch shim opens the installed filter on, and bwrap reads it from. */
    public static final int FD = 3;

    /**
     * Shell text that opens {@code $0} on fd 3 and execs the rest: {@code sh -c SHIM filter bwrap ...}. Exit 125
     * (as the launch shim) if it cannot; {@code command} keeps a failed redirection from ending sh with 2.
     */
    public static final String SHIM = "command exec " + FD + "<\"$0\" || exit 125; exec \"$@\"";

    /** The architectures ao has a program for; the numbers are the kernel's, per architecture. */
    public enum Arch {
        X86_64("x86_64", 0xC000003E, 41, true),
        AARCH64("aarch64", 0xC00000B7, 198, false);

        private final String id;
        private final int auditArch;
        private final int socketNr;
        private final boolean hasX32;

        Arch(String id, int auditArch, int socketNr, boolean hasX32) {
            this.id = id;
            this.auditArch = auditArch;
            this.socketNr = socketNr;
            this.hasX32 = hasX32;
        }

        public String id() { return id; }

        /** The arch of a JVM's {@code os.arch}, if ao has a program for it. */
        public static Optional<Arch> of(String osArch) {
            return switch (osArch.toLowerCase(Locale.ROOT)) {
                case "amd64", "x86_64" -> Optional.of(X86_64);
                case "aarch64", "arm64" -> Optional.of(AARCH64);
                default -> Optional.empty();
            };
        }
    }

    // linux/filter.h, linux/seccomp.h
    static final int LD_W_ABS = 0x20;
    static final int JEQ_K = 0x15;
    static final int JGE_K = 0x35;
    static final int RET_K = 0x06;
    static final int RET_ALLOW = 0x7fff0000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_KILL_PROCESS = 0x80000000;
    static final int EPERM = 1;
    static final int AF_UNIX = 1;
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int IO_URING_SETUP = 425; // the same on every architecture since 5.1
    // struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
    static final int OFF_NR = 0;
    static final int OFF_ARCH = 4;
    static final int OFF_ARG0 = 16; // the low half on little-endian; socket's domain is an int

    private static final String DIR = "seccomp";
    private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");

    private SeccompFilter() {}

    /** This machine's architecture, if ao has a program for it. */
    public static Optional<Arch> arch() {
        return Arch.of(System.getProperty("os.arch"));
    }

    /** The program for this machine, or empty on an architecture ao has none for (see {@link #unsupportedReason()}). */
    public static Optional<byte[]> denyUnixSockets() {
        return arch().map(SeccompFilter::denyUnixSockets);
    }

    /** Why there is no program on this machine, or empty when there is one. */
    public static Optional<String> unsupportedReason() {
        if (arch().isPresent()) return Optional.empty();
        return Optional.of("no seccomp filter for architecture " + System.getProperty("os.arch") + " (ao has one for x86_64 and aarch64)");
    }

    /** One line for a person: what this machine gets. */
    public static String describe() {
        return arch().map(a -> "socket(AF_UNIX) refused with EPERM (" + a.id() + ")").orElseGet(() -> unsupportedReason().orElseThrow());
    }

    public static byte[] denyUnixSockets(Arch arch) {
        Program p = new Program();
        p.load(OFF_ARCH);
        // foreign arch: kill, not EPERM; a 32-bit binary would otherwise spin on failing calls (even exit) and die
        // of a confusing SIGSEGV, while SIGSYS says "Bad system call"
        p.jumpIf(JEQ_K, arch.auditArch, "native", "kill");
        p.label("native");
        p.load(OFF_NR);
        if (arch.hasX32) p.jumpIf(JGE_K, X32_SYSCALL_BIT, "deny", "x32-ok");
        p.label("x32-ok");
        p.jumpIf(JEQ_K, IO_URING_SETUP, "deny", "not-uring");
        p.label("not-uring");
        p.jumpIf(JEQ_K, arch.socketNr, "socket", "allow");
        p.label("socket");
        p.load(OFF_ARG0);
        p.jumpIf(JEQ_K, AF_UNIX, "deny", "allow");
        p.label("allow");
        p.ret(RET_ALLOW);
        p.label("deny");
        p.ret(RET_ERRNO | EPERM);
        p.label("kill");
        p.ret(RET_KILL_PROCESS);
        return p.bytes();
    }

    /**
     * Writes this machine's program to {@code <stateDir>/seccomp/deny-unix-<sha12>.bpf} (atomically, mode 0444)
     * unless a byte-identical file is there, and returns it. Whatever is at that path is read and compared every
     * time: a run must never load a program someone else put there.
     *
     * @throws AoException on an unsupported architecture, or when the folder is not safely ours
     */
    public static Path install(Path stateDir) {
        byte[] program = denyUnixSockets().orElseThrow(() -> AoException.refused(unsupportedReason().orElseThrow()
                + "; run with network on, or without the sandbox"));
        return install(stateDir, program);
    }

    /** {@link #install(Path)}, or empty on an architecture the filter does not know (doctor says so). */
    public static Optional<Path> installIfSupported(Path stateDir) {
        return denyUnixSockets().isPresent() ? Optional.of(install(stateDir)) : Optional.empty();
    }

    /** {@link #install(Path)} with a given program: for probes and tests that must try another one. */
    public static Path install(Path stateDir, byte[] program) {
        Path dir = stateDir.resolve(DIR);
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            checkOwnDirectory(dir);
            Path file = dir.resolve("deny-unix-" + sha12(program) + ".bpf");
            if (matches(file, program)) return file;
            Path tmp = Files.createTempFile(dir, ".deny-unix-", ".tmp");
            try {
                Files.write(tmp, program);
                Files.setPosixFilePermissions(tmp, READ_ONLY);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (!matches(file, program)) throw new IOException("it does not read back as written");
            return file;
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot write the seccomp filter to " + dir + ": " + e.getMessage()
                    + "; check that folder's owner and permissions");
        }
    }

    /** What bwrap needs to load the filter opened on {@link #FD}. */
    public static List<String> bwrapArgs() {
        return List.of("--seccomp", Integer.toString(FD));
    }

    /** {@code command} (a bwrap command line carrying {@link #bwrapArgs()}) behind a shim that opens {@code filter} on fd 3. */
    public static List<String> openOnFd(Path filter, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", SHIM, filter.toString()));
        cmd.addAll(command);
        return cmd;
    }

    /**
     * The smallest sandbox that carries the filter, for the doctor's probe: read-only root, no network, the
     * same {@code --seccomp} hand-over as a run. Run it through {@link #openOnFd}.
     */
    public static List<String> probeCommand(String bwrap, List<String> command) {
        List<String> a = new ArrayList<>(List.of(bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session", "--cap-drop", "ALL"));
        a.addAll(bwrapArgs());
        a.add("--");
        a.addAll(command);
        return a;
    }

    /** A real directory (not a link), ours, writable by nobody else: else someone else could swap the file. */
    private static void checkOwnDirectory(Path dir) throws IOException {
        PosixFileAttributes a = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        if (!a.isDirectory()) throw new IOException("it is not a directory");
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!owner.equals(self)) throw new IOException("it belongs to uid " + owner + ", not to uid " + self);
        if (a.permissions().contains(PosixFilePermission.GROUP_WRITE) || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("others can write to it (" + PosixFilePermissions.toString(a.permissions()) + ")");
        }
    }

    /** A regular file (links are not followed) holding exactly {@code program}, and not writable by anyone. */
    private static boolean matches(Path file, byte[] program) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!a.isRegularFile() || !a.permissions().equals(READ_ONLY) || a.size() != program.length) return false;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return Arrays.equals(in.readNBytes(program.length + 1), program);
        } catch (FileSystemException e) {
            return false; // swapped since the stat (gone, or now a link): rewrite it
        }
    }

    static String sha12(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Classic BPF with named jump targets, resolved to the relative offsets the kernel wants. */
    private static final class Program {
        private record Insn(int code, int k, String jt, String jf) {}

        private final List<Insn> insns = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();

        void load(int offset) { insns.add(new Insn(LD_W_ABS, offset, null, null)); }

        void jumpIf(int code, int k, String jt, String jf) { insns.add(new Insn(code, k, jt, jf)); }

        void ret(int k) { insns.add(new Insn(RET_K, k, null, null)); }

        void label(String name) { labels.put(name, insns.size()); }

        byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int pc = 0; pc < insns.size(); pc++) {
                Insn i = insns.get(pc);
                b.putShort((short) i.code()).put((byte) offset(pc, i.jt())).put((byte) offset(pc, i.jf())).putInt(i.k());
            }
            return b.array();
        }

        private int offset(int pc, String label) {
            if (label == null) return 0;
            int off = labels.get(label) - pc - 1;
            if (off < 0 || off > 255) throw new IllegalStateException("jump to " + label + " out of range");
            return off;
        }
    }
}
