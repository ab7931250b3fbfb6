package dev.ao.engine.skill;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The skill library an installed ao ships: {@code share/ao/skills/} beside the {@code lib/} holding ao's jar
 * (the layout of {@code dist/ao-<version>.tar.gz}). It is searched after {@code [skills] paths} and git sources,
 * and a skill of the same id there wins silently, so a project (this repository too) sees its own copy.
 * Run from a build tree ({@code cli/target/ao.jar}) there is none: the repository's own {@code skills/} is a
 * project skill path.
 */
public final class BundledSkills {
    private BundledSkills() {}

    /** The bundled skills folder, if this ao was installed from the distribution. */
    public static Optional<Path> dir() {
        try {
            var source = BundledSkills.class.getProtectionDomain().getCodeSource();
            if (source == null) return Optional.empty();
            Path jar = Path.of(source.getLocation().toURI());
            Path lib = jar.getParent();
            if (lib == null || lib.getParent() == null || !Files.isRegularFile(jar)) return Optional.empty();
            Path dir = lib.getParent().resolve("share").resolve("ao").resolve("skills");
            return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException | SecurityException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
    }
}
