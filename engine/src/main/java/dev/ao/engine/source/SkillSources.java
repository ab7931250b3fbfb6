package dev.ao.engine.source;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.script.ContainedFile;
import dev.ao.engine.script.SourceRef;
import dev.ao.engine.skill.SkillCatalog;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Git sources of skills. The lock file {@code dotcodex/skills.lock} (committed with the project, so teammates and
 * CI get the same skills) pins each source to a commit; clones live in {@code .ao/sources/<name>}, checked out at
 * the pinned commit. Outside a project the lock is {@code ~/.config/ao/skills.lock}.
 *
 * <p>Network is touched only by {@link #add}, {@link #update}, {@link #sync} and by the first use of a pin whose
 * clone is missing (a fresh checkout of the project). A clone is made in a temporary folder and moved into place
 * only once it is complete; the lock file is replaced atomically.
 */
public final class SkillSources {
    public static final String LOCK = "skills.lock";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /**
     * One pinned source as the lock file records it.
     *
     * @param ref  the branch or tag followed by {@code ao skill update}, or a commit id (then it never moves)
     * @param path the folder of the repository holding the skills, or null for the whole repository
     */
    public record Pin(String name, String url, String ref, String commit, String path) {
        public Pin(String name, String url, String ref, String commit) {
            this(name, url, ref, commit, null);
        }

        Pin withCommit(String c) {
            return new Pin(name, url, ref, c, path);
        }

        Pin withRef(String r) {
            return new Pin(name, url, r, commit, path);
        }

        String root() {
            return path == null ? "" : path;
        }

        /** Pinned to a commit id rather than a branch or tag: {@code ao skill update} leaves it where it is. */
        public boolean fixed() {
            return ref != null && commit != null && ref.length() >= 7 && commit.startsWith(ref.toLowerCase());
        }
    }

    /** What {@code ao skill add} did: the pin it wrote and the skills the source holds. */
    public record Added(Pin pin, List<String> skills) {}

    /** What moved in one source: its pin before and after, and the skills added, removed and modified. */
    public record Change(String name, String url, String ref, String oldCommit, String newCommit, List<String> added,
                         List<String> removed, List<String> modified) {
        public boolean moved() {
            return !oldCommit.equals(newCommit);
        }
    }

    /** What {@code ao skill sync} did for one source: {@code cloned}, {@code checked out}, {@code ok} or {@code failed}. */
    public record Synced(String name, String action, String commit, String error) {}

    private final AoConfig config;

    public SkillSources(AoConfig config) {
        this.config = config;
    }

    public Path lockFile() {
        return config.projectRoot().map(r -> r.resolve("dotcodex").resolve(LOCK))
                .orElseGet(() -> config.userConfigFile().getParent().resolve(LOCK));
    }

    public Path clonesDir() {
        return config.stateDir().resolve("sources");
    }

    public Path cloneDir(String name) {
        return clonesDir().resolve(name);
    }

    public List<Pin> pins() {
        Path f = lockFile();
        List<Pin> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) return out;
        try {
            JsonNode root = JSON.readTree(f.toFile());
            if (root == null || !root.path("sources").isArray()) {
                throw AoException.usage(f + ": not a valid lock file: expected {\"sources\": [...]}");
            }
            for (JsonNode s : root.path("sources")) {
                String name = s.path("name").asText("");
                String url = s.path("url").asText("");
                String commit = s.path("commit").asText("");
                if (name.isEmpty() || url.isEmpty() || !commit.matches("[0-9a-f]{40}")) {
                    throw AoException.usage(f + ": source " + (name.isEmpty() ? "#" + (out.size() + 1) : "'" + name + "'")
                            + " needs a name, a url and a 40-hex commit");
                }
                // the lock comes from the repository: a name or path must not reach outside .ao/sources
                if (!NAME.matcher(name).matches()) {
                    throw AoException.usage(f + ": source name '" + name + "' must be lowercase letters, digits, '.', '_' or '-'");
                }
                String path = s.hasNonNull("path") ? s.get("path").asText() : null;
                if (path != null && !safeSubfolder(path)) {
                    throw AoException.usage(f + ": path '" + path + "' of source '" + name + "' must be a folder inside the repository");
                }
                out.add(new Pin(name, url, s.hasNonNull("ref") ? s.get("ref").asText() : null, commit, path));
            }
        } catch (IOException e) {
            throw AoException.usage(f + ": not a valid lock file: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return out;
    }

    public Optional<Pin> pin(String name) {
        return pins().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The folder of a clone that holds the skills: the clone, or the pinned subfolder of it. */
    public Path rootOf(Pin p) {
        Path clone = cloneDir(p.name());
        return p.path() == null ? clone : clone.resolve(p.path()).normalize();
    }

    /** Roots to scan for skills: each pinned source's clone, with the commit it has checked out. */
    public List<SkillCatalog.Root> roots() {
        List<SkillCatalog.Root> out = new ArrayList<>();
        for (Pin p : pins()) {
            Path dir = cloneDir(p.name());
            if (!Files.isDirectory(dir)) continue;
            String head = SourceGit.head(dir);
            out.add(new SkillCatalog.Root(rootOf(p), new SourceRef(p.name(), p.url(), head != null ? head : p.commit())));
        }
        return out;
    }

    /**
     * The catalog ao uses: {@code [skills] paths} first, then git sources (cloned on first use if missing), then
     * the skills an installed ao ships ({@link dev.ao.engine.skill.BundledSkills}).
     */
    public static SkillCatalog catalog(AoConfig config) {
        SkillSources sources = new SkillSources(config);
        List<String> problems = new ArrayList<>();
        List<SkillCatalog.Root> roots = new ArrayList<>();
        for (Path p : config.skillPaths()) roots.add(new SkillCatalog.Root(p, null));
        try {
            problems.addAll(sources.ensureCheckedOut());
            roots.addAll(sources.roots());
        } catch (AoException e) {
            problems.add(e.getMessage());
        }
        return SkillCatalog.scan(roots, problems, dev.ao.engine.skill.BundledSkills.dir().orElse(null));
    }

    /**
     * Brings every clone to its pin without touching the network when the clone exists: clones a missing one,
     * checks out the pinned commit when the clone already has it. Returns what it could not do, one line each.
     */
    public List<String> ensureCheckedOut() {
        List<Pin> pins = pins();
        List<String> problems = new ArrayList<>();
        if (pins.isEmpty()) return problems;
        boolean work = false;
        for (Pin p : pins) {
            Path dir = cloneDir(p.name());
            if (!Files.isDirectory(dir) || !p.commit().equals(SourceGit.head(dir))) work = true;
        }
        if (!work) return problems;
        try (SourcesLock ignored = lock()) {
            for (Pin p : pins) {
                Path dir = cloneDir(p.name());
                try {
                    if (!Files.isDirectory(dir)) {
                        cloneAt(p);
                    } else if (!p.commit().equals(SourceGit.head(dir))) {
                        try (Git git = SourceGit.open(dir)) {
                            if (!SourceGit.hasCommit(git, p.commit())) {
                                problems.add("source '" + p.name() + "' is at " + SourceGit.short12(SourceGit.head(dir)) + " but "
                                        + lockFile().getFileName() + " pins " + SourceGit.short12(p.commit()) + "; run 'ao skill sync' to fetch it");
                                continue;
                            }
                            SourceGit.checkout(git, p.commit());
                        }
                    }
                } catch (AoException e) {
                    problems.add("source '" + p.name() + "': " + e.getMessage() + "; its skills are missing until 'ao skill sync' succeeds");
                }
            }
        }
        return problems;
    }

    /**
     * Clones {@code url}, pins the commit its ref (default: the remote's default branch) points at, and records
     * the pin. On any failure nothing is left behind: no clone folder, no lock entry.
     */
    public Added add(String url, String name, String ref, String path) {
        if (url == null || url.isBlank()) throw AoException.usage("give the git url of a skills repository");
        String u = normalizeUrl(url.strip());
        if (SourceGit.hasPassword(u)) {
            throw AoException.usage("the url holds a password, which would be committed in " + LOCK + "; put the credentials in ~/.netrc instead");
        }
        if (SourceGit.isSsh(u)) {
            throw AoException.usage("cannot use " + u + ": ssh urls are not supported yet; use an https:// url (credentials from ~/.netrc) or a git:// or file path");
        }
        String n = name != null ? name : defaultName(u);
        if (!NAME.matcher(n).matches()) {
            throw AoException.usage("source name '" + n + "' must be lowercase letters, digits, '.', '_' or '-' (give one with --name)");
        }
        String sub = path == null || path.isBlank() ? null : path.strip().replaceAll("^/+|/+$", "");
        if (sub != null && !safeSubfolder(sub)) {
            throw AoException.usage("--path '" + path + "' must be a folder inside the repository");
        }
        try (SourcesLock ignored = lock()) {
            List<Pin> pins = pins();
            for (Pin p : pins) {
                if (p.name().equals(n)) {
                    throw AoException.usage("a source named '" + n + "' is already in " + lockFile() + " (" + p.url()
                            + "); update it with 'ao skill update " + n + "' or choose another --name");
                }
            }
            Path target = cloneDir(n);
            if (Files.exists(target)) {
                throw AoException.usage(target + " already exists but is not in " + lockFile().getFileName() + "; remove it first");
            }
            Path tmp = tempDir(n);
            try {
                Pin pin;
                List<String> skills;
                try (Git git = SourceGit.cloneInto(u, tmp)) {
                    String r = ref != null && !ref.isBlank() ? ref.strip() : SourceGit.defaultBranch(git);
                    ObjectId commit = SourceGit.resolve(git, r, u);
                    SourceGit.checkout(git, commit.name());
                    pin = new Pin(n, u, r, commit.name(), sub);
                    if (sub != null && !Files.isDirectory(tmp.resolve(sub))) {
                        throw AoException.usage("--path '" + sub + "' is not a folder of " + u + " at " + SourceGit.short12(commit.name()));
                    }
                    skills = List.copyOf(SourceGit.skillIds(git.getRepository(), commit, pin.root(), n));
                }
                refuseLinksOut(tmp.resolve(pin.root()), u, pin.commit());
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                List<Pin> next = new ArrayList<>(pins);
                next.add(pin);
                try {
                    writeLock(next);
                } catch (AoException e) {
                    SourceGit.deleteTree(target);
                    throw e;
                }
                return new Added(pin, skills);
            } catch (IOException e) {
                throw new AoException(ExitCode.FAILED, "cannot move the clone into " + target + ": " + e.getMessage());
            } finally {
                SourceGit.deleteTree(tmp);
            }
        }
    }

    /**
     * Fetches each source (or only {@code name}), moves its pin to where its ref points now, checks that commit
     * out, and says which skills changed. {@code newRef} switches the followed branch or tag (one source only).
     */
    public List<Change> update(String name, String newRef) {
        try (SourcesLock ignored = lock()) {
            List<Pin> pins = pins();
            if (pins.isEmpty()) throw AoException.usage("no skill sources in " + lockFile() + "; add one with 'ao skill add <git-url>'");
            if (name != null && pins.stream().noneMatch(p -> p.name().equals(name))) throw unknown(name, pins);
            if (newRef != null && name == null) throw AoException.usage("--ref needs the name of one source: ao skill update NAME --ref REF");
            List<Change> changes = new ArrayList<>();
            List<Pin> next = new ArrayList<>();
            for (Pin p : pins) {
                if (name != null && !p.name().equals(name)) {
                    next.add(p);
                    continue;
                }
                Pin pin = newRef != null ? p.withRef(newRef.strip()) : p;
                Path dir = cloneDir(p.name());
                if (!Files.isDirectory(dir)) cloneAt(p);
                try (Git git = SourceGit.open(dir)) {
                    if (!pin.url().equals(SourceGit.originUrl(git))) {
                        git.getRepository().getConfig().setString("remote", "origin", "url", pin.url());
                        git.getRepository().getConfig().save();
                    }
                    SourceGit.fetch(git, pin.url());
                    String ref = pin.ref() != null ? pin.ref() : SourceGit.remoteDefaultBranch(git, pin.url());
                    pin = pin.withRef(ref);
                    String commit = SourceGit.resolve(git, ref, pin.url()).name();
                    Change c = SourceGit.diff(git, p.name(), pin.url(), ref, p.commit(), commit, pin.root(), p.name());
                    SourceGit.checkout(git, commit);
                    try {
                        refuseLinksOut(dir.resolve(pin.root()), pin.url(), commit);
                    } catch (AoException e) {
                        SourceGit.checkout(git, p.commit());   // back to the pin that was fine
                        throw e;
                    }
                    changes.add(c);
                    next.add(pin.withCommit(commit));
                } catch (IOException e) {
                    throw new AoException(ExitCode.FAILED, dir + ": cannot update the clone's origin: " + e.getMessage());
                }
            }
            writeLock(next);
            return changes;
        }
    }

    /** Drops a source from the lock file and deletes its clone. */
    public Pin remove(String name) {
        try (SourcesLock ignored = lock()) {
            List<Pin> pins = pins();
            Pin pin = pins.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> unknown(name, pins));
            List<Pin> next = new ArrayList<>(pins);
            next.remove(pin);
            writeLock(next);
            Path dir = cloneDir(name);
            if (Files.exists(dir)) {
                // renamed first so a half-deleted clone never sits under the source's name
                Path doomed = tempDir(name);
                try {
                    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    doomed = dir;
                }
                SourceGit.deleteTree(doomed);
            }
            return pin;
        }
    }

    /** Brings every clone to its pinned commit, cloning or fetching as needed; one result per source. */
    public List<Synced> sync() {
        List<Synced> out = new ArrayList<>();
        try (SourcesLock ignored = lock()) {
            for (Pin p : pins()) {
                Path dir = cloneDir(p.name());
                try {
                    if (!Files.isDirectory(dir)) {
                        cloneAt(p);
                        out.add(new Synced(p.name(), "cloned", p.commit(), null));
                        continue;
                    }
                    if (p.commit().equals(SourceGit.head(dir))) {
                        try (Git git = SourceGit.open(dir)) {
                            if (p.url().equals(SourceGit.originUrl(git))) {
                                out.add(new Synced(p.name(), "ok", p.commit(), null));
                                continue;
                            }
                        }
                    }
                    try (Git git = SourceGit.open(dir)) {
                        if (!p.url().equals(SourceGit.originUrl(git))) {
                            git.getRepository().getConfig().setString("remote", "origin", "url", p.url());
                            git.getRepository().getConfig().save();
                        }
                        if (!SourceGit.hasCommit(git, p.commit())) SourceGit.fetch(git, p.url());
                        if (!SourceGit.hasCommit(git, p.commit())) throw missingCommit(p);
                        SourceGit.checkout(git, p.commit());
                    }
                    out.add(new Synced(p.name(), "checked out", p.commit(), null));
                } catch (AoException | IOException e) {
                    out.add(new Synced(p.name(), "failed", p.commit(), e.getMessage()));
                }
            }
        }
        return out;
    }

    /**
     * JGit checks symbolic links out as links: a skill holding {@code key.sh -> ~/.ssh/id_rsa} would hand the
     * reader's key to whoever runs or shows it. A checkout with any link leaving the repository, or leaving the
     * skill folder it sits in, is refused.
     */
    static void refuseLinksOut(Path root, String url, String commit) {
        List<String> bad = new ArrayList<>(ContainedFile.linksOut(root));
        for (Path dir : SkillCatalog.skillDirs(root, true)) {
            for (String p : ContainedFile.linksOut(dir)) if (!bad.contains(p)) bad.add(p);
        }
        if (bad.isEmpty()) return;
        String prefix = root.toAbsolutePath().normalize() + java.io.File.separator;
        throw AoException.refused("refusing " + url + " at " + SourceGit.short12(commit) + ": " + bad.get(0).replace(prefix, "")
                + (bad.size() > 1 ? " (and " + (bad.size() - 1) + " more)" : "") + "; a skill's files must stay inside its folder");
    }

    /** Clones a pin into its folder at exactly its commit; nothing is left behind on failure. */
    private void cloneAt(Pin p) {
        Path target = cloneDir(p.name());
        Path tmp = tempDir(p.name());
        try {
            try (Git git = SourceGit.cloneInto(p.url(), tmp)) {
                if (!SourceGit.hasCommit(git, p.commit())) throw missingCommit(p);
                SourceGit.checkout(git, p.commit());
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot move the clone into " + target + ": " + e.getMessage());
        } finally {
            SourceGit.deleteTree(tmp);
        }
    }

    private AoException missingCommit(Pin p) {
        return new AoException(ExitCode.FAILED, "the pinned commit " + SourceGit.short12(p.commit()) + " is no longer in " + p.url()
                + " (history rewritten?); run 'ao skill update " + p.name() + "' to pin what " + (p.ref() == null ? "it" : p.ref()) + " points at now");
    }

    private AoException unknown(String name, List<Pin> pins) {
        return AoException.usage("no skill source named '" + name + "' in " + lockFile()
                + (pins.isEmpty() ? "" : " (have: " + String.join(", ", pins.stream().map(Pin::name).toList()) + ")"));
    }

    private Path tempDir(String name) {
        return clonesDir().resolve(".tmp-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** An exclusive lock on the clones folder, held while sources change. */
    private record SourcesLock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // closing the channel releases the lock anyway
            }
        }
    }

    /** Serialises changes to sources between ao processes (two runs cloning the same pin on first use). */
    private SourcesLock lock() {
        try {
            Files.createDirectories(clonesDir());
            FileChannel ch = FileChannel.open(clonesDir().resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new SourcesLock(ch, ch.lock());
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, "cannot lock " + clonesDir() + ": " + e.getMessage());
        }
    }

    /** Writes the lock file atomically: a temporary file in the same folder, then a rename. */
    private void writeLock(List<Pin> pins) {
        Path f = lockFile();
        ObjectNode root = JSON.createObjectNode();
        ArrayNode arr = root.putArray("sources");
        for (Pin p : pins) {
            ObjectNode o = arr.addObject();
            o.put("name", p.name());
            o.put("url", p.url());
            if (p.ref() != null) o.put("ref", p.ref());
            o.put("commit", p.commit());
            if (p.path() != null) o.put("path", p.path());
        }
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)).withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        Path tmp = null;
        try {
            Files.createDirectories(f.getParent());
            tmp = Files.createTempFile(f.getParent(), "." + LOCK, ".tmp");
            Files.writeString(tmp, JSON.writer(pp).writeValueAsString(root) + "\n");
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            throw new AoException(ExitCode.FAILED, "cannot write " + f + ": " + e.getMessage());
        }
    }

    private static boolean safeSubfolder(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.contains("\\")) return false;
        for (String seg : p.split("/")) if (seg.equals("..") || seg.isEmpty()) return false;
        return true;
    }

    /** A local path is stored absolute, so the clone does not depend on where ao was started. */
    private static String normalizeUrl(String url) {
        if (url.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) return url;
        Path p = Path.of(url);
        if (Files.exists(p)) return p.toAbsolutePath().normalize().toString();
        return url;
    }

    static String defaultName(String url) {
        String u = url.replaceAll("[/\\\\]+$", "");
        String last = u.substring(Math.max(u.lastIndexOf('/'), Math.max(u.lastIndexOf(':'), u.lastIndexOf('\\'))) + 1);
        if (last.endsWith(".git")) last = last.substring(0, last.length() - 4);
        String n = last.toLowerCase().replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[._-]+", "");
        return n.isEmpty() ? "skills" : n;
    }

    /** Ids a commit of a source holds; used to tell what a pin move changes. */
    static Set<String> skillIds(Git git, String commit, Pin p) throws IOException {
        return SourceGit.skillIds(git.getRepository(), ObjectId.fromString(commit), p.root(), p.name());
    }
}
