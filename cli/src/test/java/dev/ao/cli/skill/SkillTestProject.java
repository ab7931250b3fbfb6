package dev.ao.cli.skill;

import dev.ao.testkit.Ao;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A throwaway project for one test under the module's target/ (runs execute in a sandbox whose /tmp is private),
 * with its own HOME.
 */
record SkillTestProject(Path base, Path root, Path home) {

    static SkillTestProject create(String name) {
        try {
            Path base = Path.of("target", "it-skills").toAbsolutePath().resolve(name + "-" + UUID.randomUUID().toString().substring(0, 8));
            Path root = Files.createDirectories(base.resolve("project"));
            Path home = Files.createDirectories(base.resolve("home"));
            Files.createDirectories(root.resolve("dotcodex"));
            Files.writeString(root.resolve("dotcodex/config.toml"), "[scripts]\nexecution_timeout = 60\n");
            return new SkillTestProject(base, root, home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Ao ao() {
        return new Ao(root, home);
    }

    Path write(String rel, String content) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String read(String rel) {
        try {
            return Files.readString(root.resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every path under the project whose name starts with the prefix (leftover temporary folders). */
    long countNamed(String prefix) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
