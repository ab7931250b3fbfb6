package dev.ao.engine.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.Map;

/**
 * Lends writable folders to the sandbox uid for one run and takes them back. A root ao's script runs as an
 * unprivileged uid, which can write only what it owns: before the run, what ao's uid owns under a writable root
 * is handed to the sandbox uid; afterwards everything the sandbox uid owns there goes back to ao's uid. Links are
 * never followed and other owners' files are left alone. Handing a file back to root clears any setuid or setgid
 * bit the script set (the kernel does so on every chown), so no run can leave a setuid-root program behind.
 */
public final class Ownership {
    private Ownership() {}

    /** Runs of this JVM (a workflow's children) that hold each lent path: only the last one out takes it back. */
    private static final java.util.Map<Path, Integer> HOLDERS = new java.util.HashMap<>();

    /**
     * {@link #lend} for one run among others of this JVM that may write the same path (a writable root every child
     * of a workflow gets): counted, so that a child that ends never takes the path back from one still running.
     */
    public static synchronized void lendShared(Path root, int from, int to, Collection<Path> skip) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        HOLDERS.merge(key, 1, Integer::sum);
        try {
            lend(root, from, to, skip);
        } catch (IOException | RuntimeException e) {
            HOLDERS.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
            throw e;
        }
    }

    /** {@link #takeBack} when the last run of this JVM holding {@code root} ends; false while others still hold it. */
    public static synchronized boolean takeBackShared(Path root, int sandboxUid, int sandboxGid, int owner, int ownerGid) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        Integer left = HOLDERS.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
        if (left != null) return false;
        takeBack(root, sandboxUid, sandboxGid, owner, ownerGid);
        return true;
    }

    /** Gives every entry under {@code root} owned by {@code from} to {@code to} (uid only; groups stay). */
    public static int lend(Path root, int from, int to, Collection<Path> skip) throws IOException {
        return walk(root, skip, (p, uid, gid) -> {
            if (uid != from) return false;
            Files.setAttribute(p, "unix:uid", to, LinkOption.NOFOLLOW_LINKS);
            return true;
        });
    }

    /**
     * Gives back every entry under {@code root} owned by {@code sandboxUid} to {@code owner}; files the script made
     * (group {@code sandboxGid}) get {@code ownerGid} too.
     */
    public static int takeBack(Path root, int sandboxUid, int sandboxGid, int owner, int ownerGid) throws IOException {
        return walk(root, java.util.List.of(), (p, uid, gid) -> {
            boolean changed = false;
            if (gid == sandboxGid) {
                Files.setAttribute(p, "unix:gid", ownerGid, LinkOption.NOFOLLOW_LINKS);
                changed = true;
            }
            if (uid == sandboxUid) {
                Files.setAttribute(p, "unix:uid", owner, LinkOption.NOFOLLOW_LINKS);
                changed = true;
            }
            return changed;
        });
    }

    /** Adds search permission for others to folder {@code d} if it lacks it (bwrap's chdir happens before its uid drop). */
    public static void openForSearch(Path d) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
        if (perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(d, perms);
    }

    private interface Change {
        boolean apply(Path p, int uid, int gid) throws IOException;
    }

    private static int walk(Path root, Collection<Path> skip, Change change) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return 0;
        int[] n = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root) && skip.contains(dir)) return FileVisitResult.SKIP_SUBTREE;
                visit(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                visit(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;   // vanished while we walked: nothing to give or take
            }

            private void visit(Path p) throws IOException {
                Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
                if (change.apply(p, (Integer) a.get("uid"), (Integer) a.get("gid"))) n[0]++;
            }
        });
        return n[0];
    }
}
