package dev.ao.engine.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * SQLite's native library, extracted once into the user's cache folder instead of into {@code java.io.tmpdir} on
 * every start (sqlite-jdbc writes, compares and loads a fresh 1 MB copy per process, and asks {@code uname -o} which
 * platform it is on: a fifth of what opening the index cost). The copy is keyed by the driver's version and the
 * CRC-32 the jar records for the library, written atomically, and checked against that CRC before each load; a
 * folder others could write to is not used. Anything unexpected leaves the driver to do what it always did.
 */
final class SqliteLibrary {
    private static final String NAME = "libsqlitejdbc.so";
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static boolean prepared;

    private SqliteLibrary() {}

    /** Points the driver at the cached copy (made now if needed). Once per JVM; never throws. */
    static synchronized void prepare() {
        if (prepared) return;
        prepared = true;
        if (System.getProperty("org.sqlite.lib.path") != null || System.getProperty("org.sqlite.lib.name") != null) return;
        try {
            Path lib = cached(System.getenv());
            if (lib == null) return;
            System.setProperty("org.sqlite.lib.path", lib.getParent().toString());
            System.setProperty("org.sqlite.lib.name", NAME);
        } catch (IOException | RuntimeException e) {
            // the driver extracts its own copy, as without this cache
        }
    }

    /** The verified cached library, made from the jar if missing or damaged; null where this cache does not apply. */
    static Path cached(Map<String, String> env) throws IOException {
        String folder = platformFolder();
        if (folder == null) return null;
        URL url = SqliteLibrary.class.getResource("/org/sqlite/native/" + folder + "/" + NAME);
        if (url == null) return null;
        URLConnection c = url.openConnection();
        c.setUseCaches(true);   // the jar the class loader already holds open
        if (!(c instanceof JarURLConnection jar)) return null;
        long crc = jar.getJarEntry().getCrc();
        long size = jar.getJarEntry().getSize();
        if (crc < 0 || size < 0) return null;
        Path base = cacheHome(env);
        if (base == null) return null;
        Path dir = base.resolve("ao").resolve("sqlite").resolve(driverVersion() + "-" + folder.replace('/', '-') + "-" + String.format("%08x", crc));
        Path lib = dir.resolve(NAME);
        if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS) && trusted(dir) && Files.size(lib) == size && crcOf(lib) == crc) return lib;
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made by an earlier start, or by another ao right now
        }
        if (!trusted(dir)) return null;
        Path tmp = dir.resolve("." + NAME + "." + ProcessHandle.current().pid() + ".tmp");
        CRC32 sum = new CRC32();
        try (InputStream in = jar.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                sum.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (sum.getValue() != crc || Files.size(tmp) != size) {
            Files.deleteIfExists(tmp);
            return null;
        }
        try {
            Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            return null;
        }
        return lib;
    }

    /** sqlite-jdbc's folder for this platform, for the platforms decided without running a process; else null. */
    static String platformFolder() {
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux") || System.getProperty("java.runtime.name", "").toLowerCase(Locale.ROOT).contains("android")) return null;
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
        if (arch == null) return null;
        return (musl() ? "Linux-Musl/" : "Linux/") + arch;
    }

    /** Whether this JVM runs on musl (Alpine): its C library shows in the process's own mappings. */
    private static boolean musl() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("musl");
        } catch (IOException | RuntimeException e) {
            return Files.exists(Path.of("/etc/alpine-release"));
        }
    }

    /** The driver's own VERSION file ({@code version=3.54.1}); the CRC in the key tells builds of one version apart. */
    private static String driverVersion() {
        try (InputStream in = SqliteLibrary.class.getResourceAsStream("/META-INF/maven/org.xerial/sqlite-jdbc/VERSION")) {
            if (in != null) {
                String v = new String(in.readNBytes(200), java.nio.charset.StandardCharsets.UTF_8).strip().replaceFirst("^version=", "");
                if (v.matches("[0-9A-Za-z._-]{1,40}")) return v;
            }
        } catch (IOException e) {
            // unnamed: the CRC still keys it
        }
        return "unknown";
    }

    private static Path cacheHome(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg);
        String home = env.get("HOME");
        if (home == null || home.isBlank()) home = System.getProperty("user.home");
        if (home == null || home.isBlank() || !Path.of(home).isAbsolute()) return null;
        return Path.of(home, ".cache");
    }

    /** Our own folder, written by nobody else: a library loaded from it runs as us. */
    private static boolean trusted(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        String me = System.getProperty("user.name");
        if (me == null || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(me)) return false;
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        return !p.contains(PosixFilePermission.GROUP_WRITE) && !p.contains(PosixFilePermission.OTHERS_WRITE)
                && EnumSet.copyOf(p).containsAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE));
    }

    private static long crcOf(Path file) throws IOException {
        CRC32 sum = new CRC32();
        sum.update(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)));
        return sum.getValue();
    }
}
