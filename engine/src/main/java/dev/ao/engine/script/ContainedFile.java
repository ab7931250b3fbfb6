package dev.ao.engine.script;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files ao reads as a script or a skill (script file, script.json, SKILL.md) must be regular files that live
 * in their folder. A symbolic link {@code key.sh -> ~/.ssh/id_rsa}, in a project or in a skill cloned from
 * someone else's repository, would otherwise be copied into the run folder, shown at the approval prompt and
 * run. Links that stay inside the folder are fine; anything else (a link out, a dangling link, a fifo or a
 * device) is refused.
 */
public final class ContainedFile {
    private ContainedFile() {}

    /** What is wrong with {@code file} as part of {@code folder}, or empty when it is a regular file inside it. */
    public static Optional<String> problem(Path file, Path folder) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();   // the caller says "does not exist"
        boolean link = Files.isSymbolicLink(file);
        Path real;
        Path realFolder;
        try {
            realFolder = folder.toRealPath();
            real = file.toRealPath();
        } catch (IOException e) {
            return Optional.of(file + " is a symbolic link to " + target(file) + ", which does not exist; ao only runs files inside "
                    + folder);
        }
        if (!real.startsWith(realFolder)) {
            return Optional.of(file + (link ? " is a symbolic link to " + target(file) : " resolves to " + real)
                    + ", outside " + folder + "; ao only uses files inside the script's folder (copy the file in instead)");
        }
        if (!Files.isRegularFile(real)) {
            return Optional.of(file + " is not a regular file (" + kind(real) + "); ao only runs regular files");
        }
        return Optional.empty();
    }

    /** Refuses (exit 126) a file that is not a regular file inside {@code folder}. */
    public static void require(Path file, Path folder) {
        problem(file, folder).ifPresent(p -> {
            throw AoException.refused(p);
        });
    }

    /** Every symbolic link under {@code folder} (none followed) that leads outside it or nowhere, with the reason. */
    public static List<String> linksOut(Path folder) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) return out;
        try {
            Files.walkFileTree(folder, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.getFileName() != null && dir.getFileName().toString().equals(".git") ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) linkProblem(file, folder).ifPresent(out::add);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, folder + ": cannot check for links: " + e.getMessage());
        }
        return out;
    }

    /** A link (to a file or a folder) is fine when it resolves inside {@code folder}. */
    private static Optional<String> linkProblem(Path link, Path folder) {
        try {
            Path real = link.toRealPath();
            if (real.startsWith(folder.toRealPath())) return Optional.empty();
            return Optional.of(link + " is a symbolic link to " + target(link) + ", outside " + folder.getFileName() + "/");
        } catch (IOException e) {
            return Optional.of(link + " is a symbolic link to " + target(link) + ", which does not exist");
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "?";
        }
    }

    private static String kind(Path p) {
        if (Files.isDirectory(p)) return "a folder";
        try {
            Object mode = Files.getAttribute(p, "unix:mode");
            int type = ((Integer) mode) & 0170000;
            return switch (type) {
                case 0010000 -> "a fifo";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "not a regular file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a regular file";
        }
    }
}
