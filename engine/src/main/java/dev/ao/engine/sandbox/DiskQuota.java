package dev.ao.engine.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

/**
 * {@code sandbox.max_disk} for the folders a run writes on the host's disk (its workspace and io folder; its
 * {@code /tmp} and {@code /dev/shm} are tmpfs mounts bounded by size). ao measures what the run added since it
 * started, twice a second, and stops the run when it is over the limit. A per-file limit (RLIMIT_FSIZE, set to
 * the same bound) stops one huge file between two measurements; many files stop here.
 */
public final class DiskQuota {
    /** A walk stops counting after this many entries; a run that makes more is stopped as over the limit. */
    static final int MAX_ENTRIES = 500_000;

    private final List<Path> roots;
    private final long limit;
    private final String limitText;
    private final long baseline;

    public DiskQuota(List<Path> roots, long limit, String limitText) {
        this.roots = roots;
        this.limit = limit;
        this.limitText = limitText;
        this.baseline = limit > 0 ? usage(roots) : 0;
    }

    /** A reason to stop the run, or empty while it is within the limit. */
    public Optional<String> check() {
        if (limit <= 0) return Optional.empty();
        long added = usage(roots) - baseline;
        return added > limit
                ? Optional.of("disk limit reached (sandbox.max_disk = " + limitText + "): the run wrote " + human(added) + " to its workspace")
                : Optional.empty();
    }

    /** Bytes in regular files under {@code roots}, links not followed; {@link Long#MAX_VALUE} past MAX_ENTRIES. */
    static long usage(List<Path> roots) {
        long[] total = {0, 0};
        for (Path root : roots) {
            if (!Files.isDirectory(root)) continue;
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                        if (a.isRegularFile()) total[0] += a.size();
                        return ++total[1] > MAX_ENTRIES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;   // removed while we counted
                    }
                });
            } catch (IOException e) {
                // a folder vanished: count what was there
            }
        }
        return total[1] > MAX_ENTRIES ? Long.MAX_VALUE : total[0];
    }

    static String human(long b) {
        if (b == Long.MAX_VALUE) return "more than " + MAX_ENTRIES + " files";
        if (b >= 1L << 30) return String.format("%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        return b + " bytes";
    }
}
