package dev.ao.engine.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The Python helper library scripts import ({@code ao_skill.py}: parameters, summary, outputs, kubectl/aws),
 * bundled in the jar and extracted to {@code <state dir>/lib/<first 12 hex of its sha-256>/python/}. Runs put
 * that folder in {@code AO_LIB} and first on {@code PYTHONPATH}. The folder name changes with the content, so
 * a newer ao never serves an older library; the file is written to a temporary file in the same folder and
 * renamed into place, so a concurrent run sees the whole file or none.
 */
public final class SkillLib {
    static final String RESOURCE = "/dev/ao/engine/lib/python/ao_skill.py";
    static final String FILE = "ao_skill.py";

    private SkillLib() {}

    private static final class Bundled {
        static final byte[] CONTENT = load();
        static final String HASH = sha256(CONTENT).substring(0, 12);

        private static byte[] load() {
            try (InputStream in = SkillLib.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the ao jar");
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Extracts the library under {@code stateDir} if it is not there (or not intact) and returns its python folder. */
    /** ao_skill.py as bundled (the k8s runner ships it in the run's ConfigMap). */
    public static byte[] pythonSource() {
        return Bundled.CONTENT.clone();
    }

    public static Path pythonDir(Path stateDir) throws IOException {
        Path dir = stateDir.resolve("lib").resolve(Bundled.HASH).resolve("python");
        Path file = dir.resolve(FILE);
        removeStrangers(dir);
        if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(file) == Bundled.CONTENT.length
                && Arrays.equals(Files.readAllBytes(file), Bundled.CONTENT)) {
            return dir;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + FILE + ".", ".tmp");
        try {
            Files.write(tmp, Bundled.CONTENT);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the default permissions do
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return dir;
    }

    /**
     * The folder is put first on every run's PYTHONPATH: anything in it but {@code ao_skill.py} (a planted
     * {@code json.py}, a {@code __pycache__} a danger-full-access run left) would run inside later runs. Removed.
     */
    private static void removeStrangers(Path dir) throws IOException {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var entries = Files.list(dir)) {
            for (Path e : entries.toList()) {
                String n = e.getFileName().toString();
                if (n.equals(FILE) && Files.isRegularFile(e, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                // another writer's file on its way in (a workflow starts its children at once): not a stranger yet
                if (n.startsWith("." + FILE + ".") && n.endsWith(".tmp") && young(e)) continue;
                RunService.deleteTree(e);
                Files.deleteIfExists(e);
            }
        }
    }

    private static boolean young(Path p) {
        try {
            return Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant()
                    .isAfter(java.time.Instant.now().minusSeconds(60));
        } catch (IOException e) {
            return false;
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
