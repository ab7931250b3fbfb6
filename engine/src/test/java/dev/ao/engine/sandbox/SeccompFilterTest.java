package dev.ao.engine.sandbox;

import dev.ao.engine.AoException;
import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.ProcessSupervisor;
import dev.ao.engine.sandbox.SeccompFilter.Arch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SeccompFilterTest {
    private static final int X86_64 = 0xC000003E;
    private static final int AARCH64 = 0xC00000B7;
    private static final int I386 = 0x40000003;
    private static final int ALLOW = 0x7fff0000;
    private static final int EPERM = 0x00050001;
    private static final int KILL = 0x80000000;

    /** Under target/, not /tmp: a unix socket in a shared /tmp is what the filter is about. */
    private Path dir;

    @BeforeEach
    void folder() throws IOException {
        dir = Path.of("target", "seccomp-test", UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(dir);
    }

    @AfterEach
    void clean() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    // ---- the bytes, run through a classic-BPF interpreter

    @Test
    void programShape() {
        byte[] x = SeccompFilter.denyUnixSockets(Arch.X86_64);
        assertThat(x.length % 8).isZero();
        assertThat(x.length / 8).isEqualTo(11);
        ByteBuffer b = ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN);
        // the arch is loaded before anything else: a syscall number means nothing without it
        assertThat(b.getShort(0)).isEqualTo((short) 0x20);
        assertThat(b.getInt(4)).isEqualTo(4);
        assertThat(b.getShort(8)).isEqualTo((short) 0x15);
        assertThat(b.getInt(12)).isEqualTo(X86_64);
        assertThat(SeccompFilter.denyUnixSockets(Arch.AARCH64).length / 8).isEqualTo(10);
        assertThat(SeccompFilter.denyUnixSockets(Arch.AARCH64)).isNotEqualTo(x);
    }

    @Test
    void x86_64Decisions() {
        byte[] p = SeccompFilter.denyUnixSockets(Arch.X86_64);
        assertThat(run(p, X86_64, 41, 1)).as("socket(AF_UNIX)").isEqualTo(EPERM);
        assertThat(run(p, X86_64, 41, 0x7_0000_0001L)).as("only the int's low half counts").isEqualTo(EPERM);
        assertThat(run(p, X86_64, 41, 2)).as("socket(AF_INET)").isEqualTo(ALLOW);
        assertThat(run(p, X86_64, 41, 10)).as("socket(AF_INET6)").isEqualTo(ALLOW);
        assertThat(run(p, X86_64, 53, 1)).as("socketpair(AF_UNIX)").isEqualTo(ALLOW);
        assertThat(run(p, X86_64, 42, 1)).as("connect").isEqualTo(ALLOW);
        assertThat(run(p, X86_64, 0, 1)).as("read").isEqualTo(ALLOW);
        assertThat(run(p, X86_64, 0x40000000 | 41, 1)).as("x32 socket").isEqualTo(EPERM);
        assertThat(run(p, X86_64, 0x40000000, 0)).as("any x32 call").isEqualTo(EPERM);
        assertThat(run(p, X86_64, 425, 0)).as("io_uring_setup").isEqualTo(EPERM);
        assertThat(run(p, I386, 102, 1)).as("i386 socketcall").isEqualTo(KILL);
        assertThat(run(p, I386, 20, 0)).as("i386 getpid").isEqualTo(KILL);
        assertThat(run(p, AARCH64, 198, 1)).isEqualTo(KILL);
    }

    @Test
    void aarch64Decisions() {
        byte[] p = SeccompFilter.denyUnixSockets(Arch.AARCH64);
        assertThat(run(p, AARCH64, 198, 1)).as("socket(AF_UNIX)").isEqualTo(EPERM);
        assertThat(run(p, AARCH64, 198, 2)).isEqualTo(ALLOW);
        assertThat(run(p, AARCH64, 199, 1)).as("socketpair").isEqualTo(ALLOW);
        assertThat(run(p, AARCH64, 41, 1)).as("41 is not socket here").isEqualTo(ALLOW);
        assertThat(run(p, AARCH64, 425, 0)).isEqualTo(EPERM);
        assertThat(run(p, 0x40000028, 281, 1)).as("arm32 compat socket").isEqualTo(KILL);
        assertThat(run(p, X86_64, 41, 1)).isEqualTo(KILL);
    }

    @Test
    void architectureFollowsOsArch() {
        assertThat(Arch.of("amd64")).contains(Arch.X86_64);
        assertThat(Arch.of("aarch64")).contains(Arch.AARCH64);
        assertThat(Arch.of("ppc64le")).isEmpty();
        assertThat(SeccompFilter.denyUnixSockets()).isPresent();
        assertThat(SeccompFilter.unsupportedReason()).isEmpty();
    }

    /** The action a classic-BPF seccomp program returns for one syscall; only the opcodes ao emits. */
    private static int run(byte[] program, int arch, int nr, long arg0) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(16, arg0);
        ByteBuffer p = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int acc = 0;
        for (int pc = 0; pc < program.length / 8; pc++) {
            int code = p.getShort(pc * 8) & 0xffff;
            int jt = p.get(pc * 8 + 2) & 0xff;
            int jf = p.get(pc * 8 + 3) & 0xff;
            int k = p.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> acc = data.getInt(k);
                case 0x15 -> pc += acc == k ? jt : jf;
                case 0x35 -> pc += Integer.compareUnsigned(acc, k) >= 0 ? jt : jf;
                case 0x06 -> { return k; }
                default -> throw new AssertionError("unexpected opcode " + Integer.toHexString(code) + " at " + pc);
            }
        }
        throw new AssertionError("fell off the end of the program");
    }

    // ---- the installed file

    @Test
    void installWritesAReadOnlyFileNamedByItsContent() throws Exception {
        Path f = SeccompFilter.install(dir);
        byte[] program = SeccompFilter.denyUnixSockets().orElseThrow();
        assertThat(f).isEqualTo(dir.resolve("seccomp/deny-unix-" + SeccompFilter.sha12(program) + ".bpf"));
        assertThat(Files.readAllBytes(f)).isEqualTo(program);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("r--r--r--");
        assertThat(SeccompFilter.install(dir)).isEqualTo(f);
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertThat(s.toList()).containsExactly(f);
        }
    }

    @Test
    void aTamperedOrPlantedFileIsReplaced() throws Exception {
        byte[] program = SeccompFilter.denyUnixSockets().orElseThrow();
        Path f = SeccompFilter.install(dir);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(f, allowAll());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
        assertThat(SeccompFilter.install(dir)).isEqualTo(f);
        assertThat(Files.readAllBytes(f)).isEqualTo(program);

        // a link to a file with the right bytes is still replaced: its target could change after the check
        Path elsewhere = dir.resolve("elsewhere.bpf");
        Files.write(elsewhere, program);
        Files.delete(f);
        Files.createSymbolicLink(f, elsewhere);
        assertThat(SeccompFilter.install(dir)).isEqualTo(f);
        assertThat(Files.isSymbolicLink(f)).isFalse();
        assertThat(Files.readAllBytes(f)).isEqualTo(program);
    }

    @Test
    void aFolderOthersCanWriteIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("seccomp"));
        Files.setPosixFilePermissions(dir.resolve("seccomp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> SeccompFilter.install(dir)).isInstanceOf(AoException.class)
                .hasMessageContaining("cannot write the seccomp filter to " + dir.resolve("seccomp"))
                .hasMessageContaining("others can write to it");
    }

    @Test
    void theShimHandsTheFileOverOnFd3OrExits125() {
        ProcessSupervisor.Captured missing = ProcessSupervisor.capture(SeccompFilter.openOnFd(dir.resolve("missing.bpf"),
                List.of("/bin/true")), Map.of(), Duration.ofSeconds(10));
        assertThat(missing.exitCode()).isEqualTo(125);
        Path f = SeccompFilter.install(dir);
        ProcessSupervisor.Captured c = ProcessSupervisor.capture(SeccompFilter.openOnFd(f,
                List.of("/bin/sh", "-c", "wc -c <&" + SeccompFilter.FD)), Map.of(), Duration.ofSeconds(10));
        assertThat(c.stdout().strip()).isEqualTo(Integer.toString(SeccompFilter.denyUnixSockets().orElseThrow().length));
    }

    // ---- real bwrap, real sockets

    private static final String CONNECT = String.join("\n",
            "import errno, socket, sys",
            "try:",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.connect(sys.argv[1])",
            "    s.sendall(b'hello')",
            "    print('connected')",
            "except OSError as e:",
            "    print('refused', errno.errorcode.get(e.errno, e.errno))");

    @Test
    void aSandboxedScriptCannotConnectToAHostUnixSocket() throws Exception {
        Path sock = dir.resolve("host.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock)).configureBlocking(false);

            ProcessSupervisor.Captured with = sandbox(true, true, CONNECT, sock.toString());
            assertThat(with.stdout().strip()).as(with.stderr()).isEqualTo("refused EPERM");
            assertThat(server.accept()).as("a connection reached the host socket").isNull();

            // the same sandbox without the filter does connect: the test sees the hole it is about
            ProcessSupervisor.Captured without = sandbox(false, true, CONNECT, sock.toString());
            assertThat(without.stdout().strip()).as(without.stderr()).isEqualTo("connected");
            try (SocketChannel accepted = server.accept()) {
                assertThat(accepted).isNotNull();
            }
        }
    }

    @Test
    void socketpairFilesAndPipesStillWork() throws Exception {
        Path data = dir.resolve("data.txt");
        String script = String.join("\n",
                "import errno, os, socket, sys",
                "try:",
                "    os.fstat(3); print('fd3 leaked')",
                "except OSError: pass",
                "print(open('/proc/self/status').read().split('Seccomp:')[1].split()[0])",
                "try:",
                "    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print('unix allowed')",
                "except OSError as e: print('unix', errno.errorcode[e.errno])",
                "a, b = socket.socketpair(socket.AF_UNIX)",
                "a.sendall(b'pair-ok'); print(b.recv(16).decode())",
                "r, w = os.pipe(); os.write(w, b'pipe-ok'); print(os.read(r, 16).decode())",
                "open(sys.argv[1], 'w').write('file-ok'); print(open(sys.argv[1]).read())");
        ProcessSupervisor.Captured c = sandbox(true, true, script, data.toString(), "--bind", dir.toString(), dir.toString());
        assertThat(c.stdout().strip().lines()).as(c.stderr()).containsExactly("2", "unix EPERM", "pair-ok", "pipe-ok", "file-ok");
        assertThat(Files.readString(data)).isEqualTo("file-ok");
    }

    @Test
    void tcpStillWorksWhenTheNetworkIsShared() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            String script = String.join("\n",
                    "import errno, socket, sys",
                    "try:",
                    "    socket.socket(socket.AF_UNIX); print('unix allowed')",
                    "except OSError as e: print('unix', errno.errorcode[e.errno])",
                    "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)",
                    "s.sendall(b'tcp-ok'); s.close(); print('sent')");
            ProcessSupervisor.Captured c = sandbox(true, false, script, Integer.toString(port));
            assertThat(c.stdout().strip().lines()).as(c.stderr()).containsExactly("unix EPERM", "sent");
            try (SocketChannel accepted = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(16);
                while (accepted.read(buf) > 0) { /* until the client closes */ }
                assertThat(new String(buf.array(), 0, buf.position())).isEqualTo("tcp-ok");
            }
        }
    }

    /** x32 is compiled out of most kernels (ENOSYS); the filter answers before the kernel looks. */
    @Test
    void x32CallsAreRefused() throws Exception {
        assumeTrue(SeccompFilter.arch().equals(Optional.of(Arch.X86_64)), "x32 exists on x86_64 only");
        String script = String.join("\n",
                "import ctypes, errno",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "r = libc.syscall(0x40000000 | 41, 1, 1, 0)",
                "print('fd' if r >= 0 else errno.errorcode[ctypes.get_errno()])");
        ProcessSupervisor.Captured with = sandbox(true, true, script);
        assertThat(with.stdout().strip()).as(with.stderr()).isEqualTo("EPERM");
        ProcessSupervisor.Captured without = sandbox(false, true, script);
        assertThat(without.stdout().strip()).as(without.stderr()).isIn("ENOSYS", "fd");
    }

    /** IORING_OP_SOCKET makes sockets without the socket syscall, so a ring must not be set up. */
    @Test
    void ioUringCannotBeSetUp() throws Exception {
        String script = String.join("\n",
                "import ctypes, errno, os",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "params = ctypes.create_string_buffer(120)",
                "r = libc.syscall(425, 4, params)",
                "print('ring' if r >= 0 else errno.errorcode[ctypes.get_errno()])");
        ProcessSupervisor.Captured without = sandbox(false, true, script);
        assumeTrue(without.stdout().strip().equals("ring"), "io_uring is not available here: " + without.stdout() + without.stderr());
        ProcessSupervisor.Captured with = sandbox(true, true, script);
        assertThat(with.stdout().strip()).as(with.stderr()).isEqualTo("EPERM");
    }

    /**
     * i386's {@code int 0x80} has {@code socketcall}, which the socket check would not see: the foreign-arch rule
     * kills it. Skipped where the kernel or hypervisor gives 64-bit processes no {@code int 0x80}.
     */
    @Test
    void i386SocketcallIsKilled() throws Exception {
        assumeTrue(SeccompFilter.arch().equals(Optional.of(Arch.X86_64)), "int 0x80 exists on x86_64 only");
        Path sock = dir.resolve("i386.sock");
        // socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0}) through int 0x80, from a page below 4 GiB
        String script = String.join("\n",
                "import ctypes, socket, sys",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "libc.mmap.restype = ctypes.c_void_p",
                "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]",
                "page = libc.mmap(None, 4096, 7, 0x02 | 0x20 | 0x40, -1, 0)",
                "code = bytes([0x53, 0x89, 0xf9, 0xbb, 1, 0, 0, 0, 0xb8, 102, 0, 0, 0, 0xcd, 0x80, 0x5b, 0xc3])",
                "ctypes.memmove(page, code, len(code))",
                "args = (ctypes.c_uint32 * 3).from_address(page + 64)",
                "args[0], args[1], args[2] = 1, 1, 0",
                "print('calling', flush=True)",
                "fd = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(page)(page + 64)",
                "s = socket.socket(fileno=fd)",
                "s.connect(sys.argv[1])",
                "print('connected')");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock)).configureBlocking(false);
            ProcessSupervisor.Captured without = sandbox(false, true, script, sock.toString());
            assumeTrue(without.stdout().contains("connected"), "no int 0x80 for 64-bit processes here: exit " + without.exitCode());
            assertThat(server.accept()).isNotNull();
            ProcessSupervisor.Captured with = sandbox(true, true, script, sock.toString());
            assertThat(with.stdout().strip()).as(with.stderr()).isEqualTo("calling");
            assertThat(with.exitCode()).as("killed by SIGSYS").isEqualTo(128 + 31);
            assertThat(server.accept()).isNull();
        }
    }

    private static byte[] allowAll() {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x06).put((byte) 0).put((byte) 0).putInt(ALLOW).array();
    }

    /** {@code python3 -c script args} in a real bwrap, the way the launch shim will start it. */
    private ProcessSupervisor.Captured sandbox(boolean filter, boolean unshareNet, String script, String... argsThenBinds) {
        Optional<Path> bwrap = Binaries.which("bwrap", System.getenv("PATH"));
        assumeTrue(bwrap.isPresent(), "bwrap is not installed here");
        List<String> args = new ArrayList<>();
        List<String> binds = new ArrayList<>();
        for (int i = 0; i < argsThenBinds.length; i++) {
            if (argsThenBinds[i].startsWith("--")) {
                binds.addAll(List.of(argsThenBinds).subList(i, argsThenBinds.length));
                break;
            }
            args.add(argsThenBinds[i]);
        }
        List<String> cmd = new ArrayList<>(List.of(bwrap.get().toString(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"));
        cmd.addAll(binds);
        cmd.addAll(List.of("--unshare-pid", "--die-with-parent"));
        if (unshareNet) cmd.add("--unshare-net");
        if (filter) cmd.addAll(SeccompFilter.bwrapArgs());
        cmd.addAll(List.of("--", python(), "-c", script));
        cmd.addAll(args);
        Path file = filter ? SeccompFilter.install(dir.resolve("state")) : Path.of("/dev/null");
        ProcessSupervisor.Captured c = ProcessSupervisor.capture(SeccompFilter.openOnFd(file, cmd), Map.of(), Duration.ofSeconds(30));
        assertThat(c.timedOut()).isFalse();
        return c;
    }

    /** The interpreter itself: python3 on PATH may be a pyenv shim, a bash script that needs a writable home. */
    private static String python() {
        for (String p : List.of("/usr/bin/python3", "/usr/local/bin/python3")) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        assumeTrue(false, "no python3 in /usr/bin or /usr/local/bin");
        return null;
    }
}
