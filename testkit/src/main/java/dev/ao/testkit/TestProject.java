package dev.ao.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A throwaway ao project for one test: {@code dotcodex/config.toml}, a {@code skills/} folder and a private HOME.
 * Lives under the module's {@code target/} (not /tmp: the sandbox gives scripts a private /tmp).
 */
public final class TestProject implements AutoCloseable {
    private final Path root;
    private final Path home;

    private TestProject(Path root, Path home) {
        this.root = root;
        this.home = home;
    }

    public static TestProject create(String name) {
        try {
            Path base = Path.of(System.getProperty("ao.it.dir", "target/it")).toAbsolutePath();
            Path dir = base.resolve(name + "-" + UUID.randomUUID().toString().substring(0, 8));
            Path root = Files.createDirectories(dir.resolve("project"));
            Path home = Files.createDirectories(dir.resolve("home"));
            Files.createDirectories(root.resolve("dotcodex"));
            Files.createDirectories(root.resolve("skills"));
            Files.writeString(root.resolve("dotcodex/config.toml"), "[scripts]\nexecution_timeout = 60\n");
            TestProject t = new TestProject(root, home);
            t.giveToItUser();
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * In the suite's non-root pass ({@link Ao#itUid()}), the project and its HOME belong to the user ao runs as, as
     * they would on a developer's machine. Call again after writing files ao must change.
     */
    public void giveToItUser() {
        Ao.itUid().ifPresent(uid -> {
            try (Stream<Path> s = Files.walk(root.getParent())) {
                for (Path p : s.toList()) {
                    try {
                        Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        Files.setAttribute(p, "unix:gid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    } catch (IOException gone) {
                        // removed while we walked (a run's temporary file)
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public Path root() { return root; }

    public Path home() { return home; }

    /** The folder holding the project and its HOME: room for repositories and other peers of the test. */
    public Path base() { return root.getParent(); }

    public Path runs() { return root.resolve(".ao/runs"); }

    /** A new {@link Ao} that runs in this project with this project's HOME. */
    public Ao ao() {
        return new Ao(root, home);
    }

    public Path write(String rel, String content) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            giveToItUser();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path script(String rel, String content) {
        Path p = write(rel, content);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public String config(String toml) {
        write("dotcodex/config.toml", toml);
        return toml;
    }

    /** Run ids in the store, oldest first. */
    public List<String> runIds() {
        if (!Files.isDirectory(runs())) return List.of();
        try (Stream<Path> s = Files.list(runs())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path runDir(String id) { return runs().resolve(id); }

    public String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String read(String rel) {
        return read(root.resolve(rel));
    }

    /** How many paths under the project have a name starting with {@code prefix} (leftover temporary folders). */
    public long countNamed(String prefix) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file under a folder, for "the secret is in no file" checks. */
    public static List<Path> filesUnder(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> s = Files.walk(root.getParent())) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leave it for mvn clean
        }
    }
}
