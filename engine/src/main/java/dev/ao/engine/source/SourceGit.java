package dev.ao.engine.source;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.skill.SkillParser;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.NetRCCredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.io.DisabledOutputStream;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The git work behind skill sources, with JGit: clone, fetch, resolve a ref, check out a commit, and say which
 * skill folders changed between two commits. Every failure is an {@link AoException} with one line saying why.
 */
final class SourceGit {
    /** Seconds a network operation may stall before it is given up. */
    static final int TIMEOUT_SECONDS = 30;

    private SourceGit() {}

    /** Clones {@code url} into {@code dir} (which must not exist) with all branches and tags. */
    static Git cloneInto(String url, Path dir) {
        try {
            return Git.cloneRepository().setURI(url).setDirectory(dir.toFile()).setCloneAllBranches(true)
                    .setTagOption(TagOpt.FETCH_TAGS).setTimeout(TIMEOUT_SECONDS)
                    .setCredentialsProvider(new NetRCCredentialsProvider()).call();
        } catch (GitAPIException | RuntimeException e) {
            throw failure("cannot clone " + url, url, e);
        }
    }

    static Git open(Path dir) {
        try {
            return Git.open(dir.toFile());
        } catch (IOException | RuntimeException e) {
            throw new AoException(ExitCode.FAILED, dir + ": not a git clone (" + oneLine(e) + "); remove it and run 'ao skill sync'");
        }
    }

    /** Fetches every branch and tag from origin, dropping branches deleted upstream. */
    static void fetch(Git git, String url) {
        try {
            git.fetch().setRemote("origin").setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*"))
                    .setTagOpt(TagOpt.FETCH_TAGS).setRemoveDeletedRefs(true).setTimeout(TIMEOUT_SECONDS)
                    .setCredentialsProvider(new NetRCCredentialsProvider()).call();
        } catch (GitAPIException | RuntimeException e) {
            throw failure("cannot fetch " + url, url, e);
        }
    }

    /** The branch HEAD pointed at right after a clone: the remote's default branch. */
    static String defaultBranch(Git git) {
        try {
            String b = git.getRepository().getBranch();
            if (b == null || git.getRepository().resolve(Constants.HEAD) == null) {
                throw new AoException(ExitCode.FAILED, "the repository has no commits yet");
            }
            return b;
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot read HEAD: " + oneLine(e));
        }
    }

    /** The branch the remote's HEAD names, for a lock entry written by hand without a ref. */
    static String remoteDefaultBranch(Git git, String url) {
        try {
            Ref head = git.lsRemote().setRemote("origin").setTimeout(TIMEOUT_SECONDS)
                    .setCredentialsProvider(new NetRCCredentialsProvider()).callAsMap().get(Constants.HEAD);
            if (head != null && head.isSymbolic()) return Repository.shortenRefName(head.getTarget().getName());
            if (head != null) {
                for (Ref r : git.getRepository().getRefDatabase().getRefsByPrefix(Constants.R_REMOTES + "origin/")) {
                    if (head.getObjectId().equals(r.getObjectId())) return r.getName().substring((Constants.R_REMOTES + "origin/").length());
                }
            }
        } catch (GitAPIException | IOException | RuntimeException e) {
            throw failure("cannot ask " + url + " for its default branch", url, e);
        }
        throw new AoException(ExitCode.FAILED, url + " has no default branch; give one with --ref");
    }

    /** A branch, a tag or a commit id (full or abbreviated), as fetched from origin, to a commit. */
    static ObjectId resolve(Git git, String ref, String url) {
        Repository repo = git.getRepository();
        try {
            for (String candidate : List.of(Constants.R_REMOTES + "origin/" + ref, Constants.R_TAGS + ref)) {
                Ref r = repo.exactRef(candidate);
                if (r != null) {
                    Ref peeled = repo.getRefDatabase().peel(r);
                    ObjectId id = peeled.getPeeledObjectId() != null ? peeled.getPeeledObjectId() : peeled.getObjectId();
                    try (RevWalk walk = new RevWalk(repo)) {
                        return walk.parseCommit(id).getId();
                    }
                }
            }
            if (ref.matches("[0-9a-fA-F]{7,40}")) {
                ObjectId id = repo.resolve(ref + "^{commit}");
                if (id != null) return id;
            }
        } catch (IOException | RuntimeException e) {
            throw new AoException(ExitCode.FAILED, "cannot resolve '" + ref + "' in " + url + ": " + oneLine(e));
        }
        throw new AoException(ExitCode.FAILED, "'" + ref + "' is not a branch, tag or commit of " + url);
    }

    /** Whether the commit is in the clone's object store (so it can be checked out with no network). */
    static boolean hasCommit(Git git, String commit) {
        try (RevWalk walk = new RevWalk(git.getRepository())) {
            walk.parseCommit(ObjectId.fromString(commit));
            return true;
        } catch (MissingObjectException | IllegalArgumentException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Checks out the commit, detached, discarding local edits in the clone (it is ao's copy, not a workspace). */
    static void checkout(Git git, String commit) {
        try {
            git.checkout().setName(commit).setForced(true).call();
        } catch (GitAPIException | RuntimeException e) {
            throw new AoException(ExitCode.FAILED, "cannot check out " + commit + ": " + oneLine(e));
        }
    }

    /** The commit the clone has checked out, or null if it cannot be read. */
    static String head(Path dir) {
        try (Git git = open(dir)) {
            ObjectId id = git.getRepository().resolve(Constants.HEAD);
            return id == null ? null : id.name();
        } catch (IOException | AoException e) {
            return null;
        }
    }

    static String originUrl(Git git) {
        return git.getRepository().getConfig().getString("remote", "origin", "url");
    }

    /** The skill folders of a commit, relative to {@code root} ("" for the repository root), as catalog ids. */
    static Set<String> skillIds(Repository repo, ObjectId commit, String root, String rootName) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String rel : skillDirs(repo, commit, root)) out.add(SkillCatalog.sourceId(rootName, rel));
        return out;
    }

    /** Skill folders relative to the root, "" when the root itself is a skill; nested ones belong to their parent. */
    private static Set<String> skillDirs(Repository repo, ObjectId commit, String root) throws IOException {
        Set<String> dirs = new TreeSet<>();
        try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
            RevCommit c = walk.parseCommit(commit);
            tw.addTree(c.getTree());
            tw.setRecursive(true);
            while (tw.next()) {
                String p = tw.getPathString();
                if (!p.equals(SkillParser.FILE) && !p.endsWith("/" + SkillParser.FILE)) continue;
                String dir = p.equals(SkillParser.FILE) ? "" : p.substring(0, p.length() - SkillParser.FILE.length() - 1);
                String rel = relative(dir, root);
                if (rel != null) dirs.add(rel);
            }
        }
        if (dirs.contains("")) return Set.of("");
        Set<String> out = new TreeSet<>();
        for (String d : dirs) {
            if (dirs.stream().noneMatch(o -> !o.equals(d) && d.startsWith(o + "/"))) out.add(d);
        }
        return out;
    }

    /** A path relative to the root, or null when it is outside it or under a folder the catalog skips in a source. */
    private static String relative(String path, String root) {
        String rel;
        if (root.isEmpty()) rel = path;
        else if (path.equals(root)) rel = "";
        else if (path.startsWith(root + "/")) rel = path.substring(root.length() + 1);
        else return null;
        if (rel.isEmpty()) return rel;
        for (String seg : rel.split("/")) {
            if (SkillCatalog.ignoredInSource(seg)) return null;
        }
        return rel;
    }

    /** Which skills were added, removed and modified between two commits. */
    static SkillSources.Change diff(Git git, String source, String url, String ref, String oldCommit, String newCommit,
                                    String root, String rootName) {
        Repository repo = git.getRepository();
        try {
            ObjectId oldId = ObjectId.fromString(oldCommit);
            ObjectId newId = ObjectId.fromString(newCommit);
            Set<String> before = skillDirs(repo, oldId, root);
            Set<String> after = skillDirs(repo, newId, root);
            Set<String> added = new TreeSet<>(after);
            added.removeAll(before);
            Set<String> removed = new TreeSet<>(before);
            removed.removeAll(after);
            Set<String> modified = new TreeSet<>();
            if (!oldId.equals(newId)) {
                Set<String> all = new TreeSet<>(before);
                all.addAll(after);
                try (RevWalk walk = new RevWalk(repo); DiffFormatter df = new DiffFormatter(DisabledOutputStream.INSTANCE)) {
                    df.setRepository(repo);
                    df.setDetectRenames(false);
                    for (DiffEntry e : df.scan(walk.parseCommit(oldId).getTree(), walk.parseCommit(newId).getTree())) {
                        for (String p : List.of(e.getOldPath(), e.getNewPath())) {
                            if (p.equals(DiffEntry.DEV_NULL)) continue;
                            String id = owner(p, all, root);
                            if (id != null && before.contains(id) && after.contains(id)) modified.add(id);
                        }
                    }
                }
            }
            return new SkillSources.Change(source, url, ref, oldCommit, newCommit, ids(added, rootName), ids(removed, rootName),
                    ids(modified, rootName));
        } catch (IOException | RuntimeException e) {
            throw new AoException(ExitCode.FAILED, "cannot compare " + short12(oldCommit) + " with " + short12(newCommit) + ": " + oneLine(e));
        }
    }

    private static List<String> ids(Set<String> rels, String rootName) {
        return rels.stream().map(r -> SkillCatalog.sourceId(rootName, r)).sorted().toList();
    }

    /** The skill folder a changed file belongs to: the deepest one holding it. */
    private static String owner(String path, Set<String> dirs, String root) {
        String rel = root.isEmpty() ? path : path.startsWith(root + "/") ? path.substring(root.length() + 1) : null;
        if (rel == null) return null;
        String best = null;
        for (String d : dirs) {
            boolean holds = d.isEmpty() || rel.startsWith(d + "/");
            if (holds && (best == null || d.length() > best.length())) best = d;
        }
        return best;
    }

    static String short12(String commit) {
        return commit == null ? "-" : commit.substring(0, Math.min(12, commit.length()));
    }

    /** Whether the url names a remote reachable over ssh (which this build of JGit cannot speak). */
    static boolean isSsh(String url) {
        try {
            URIish u = new URIish(url);
            String scheme = u.getScheme();
            if (scheme != null) return scheme.startsWith("ssh") || scheme.equals("git+ssh");
            return u.getHost() != null && !Files.exists(Path.of(url));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    static boolean hasPassword(String url) {
        try {
            return new URIish(url).getPass() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static AoException failure(String what, String url, Throwable e) {
        String why = oneLine(e);
        // JGit starts its messages with the url again: "git://host/x.git: Connection refused"
        if (why.startsWith(url + ": ")) why = why.substring(url.length() + 2);
        return new AoException(ExitCode.FAILED, what + ": " + why);
    }

    /** The most telling message of an exception chain, on one line. */
    static String oneLine(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t instanceof java.net.UnknownHostException) return "unknown host " + (m == null ? "" : m);
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.http.HttpTimeoutException) {
                return "timed out after " + TIMEOUT_SECONDS + " s" + (m == null ? "" : " (" + m + ")");
            }
            if (m != null && !m.isBlank()) best = m;
        }
        if (best == null || best.length() < 12) {
            String top = e.getMessage();
            if (top != null && !top.isBlank()) best = top;
        }
        if (best == null) best = e.getClass().getSimpleName();
        return best.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            List<Path> all = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(all);
            for (Path x : all) {
                try {
                    x.toFile().setWritable(true);
                    Files.deleteIfExists(x);
                } catch (IOException ignored) {
                    // best effort; what is left is reported by the caller if it matters
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }
}
