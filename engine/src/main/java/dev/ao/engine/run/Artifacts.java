package dev.ao.engine.run;

import dev.ao.engine.sandbox.UntrustedFiles;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Files a script put in {@code $AO_ARTIFACTS}, kept in the run's {@code artifacts/} folder after its workspace is
 * gone. The script writes them into its {@code io} folder (bound into the sandbox, lent to the sandbox uid); when
 * the run ends the folder is renamed into place: nothing is copied, so no link is ever followed, and a link the
 * script planted stays a link that listings show as refused.
 */
public final class Artifacts {
    /** The folder's name, in the io folder while the run lasts and in the run's folder after. */
    public static final String DIR = "artifacts";
    /** Listings stop here: a script can make a million files, ao shows what a person can read. */
    static final int MAX_LISTED = 1000;

    private Artifacts() {}

    /** One kept file: its path under {@code artifacts/}, its size, and why ao will not read it (a link), or null. */
    public record Artifact(String path, long size, String refused) {}

    /** Moves {@code io/artifacts} to {@code runDir/artifacts} if it is a real folder holding anything. */
    static void keep(Path io, Path runDir) {
        Path from = io.resolve(DIR);
        try {
            if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) return;
            try (var s = Files.list(from)) {
                if (s.findAny().isEmpty()) return;
            }
            Files.move(from, runDir.resolve(DIR), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a folder ao cannot move is removed with io: the run is recorded either way
        }
    }

    /** The files under a run's {@code artifacts/}, sorted, without following links. */
    public static List<Artifact> list(Path runDir) {
        Path root = runDir.resolve(DIR);
        List<Artifact> out = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) return out;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    if (out.size() >= MAX_LISTED) return FileVisitResult.TERMINATE;
                    Optional<String> why = UntrustedFiles.refusal(f);
                    String rel = root.relativize(f).toString();
                    out.add(new Artifact(rel, why.isPresent() ? -1 : a.size(), why.map(w -> w.substring(w.indexOf(' ') + 1)).orElse(null)));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // what was listed stands
        }
        out.sort(java.util.Comparator.comparing(Artifact::path));
        return out;
    }
}
