package dev.ao.engine.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The runs folder: {@code <state>/runs/<id>/} with run.json, events.jsonl, stdout.log, stderr.log, the script
 * copy and params.json. Every run.json write is atomic (temp + rename), each run has its own folder created
 * atomically, so concurrent {@code ao run}s never clobber each other. Ids sort by time, newest last.
 */
public final class RunStore {
    public static final String RUN_JSON = "run.json";
    public static final String EVENTS = "events.jsonl";
    public static final String STDOUT = "stdout.log";
    public static final String STDERR = "stderr.log";
    public static final String PARAMS = "params.json";
    public static final String SUMMARY = "summary.md";

    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * How long a run folder may hold no run.json, or a run no supervisor, before it counts as lost: ao writes
     * both within milliseconds of making the folder, so only a process that died in between leaves one older.
     */
    static final java.time.Duration CREATION_GRACE = java.time.Duration.ofSeconds(5);
    private static final java.util.Set<String> OWN_FILES = java.util.Set.of(RUN_JSON, EVENTS, STDOUT, STDERR, PARAMS, SUMMARY,
            DetachedRuns.SUPERVISOR_LOG, DetachedRuns.APPROVAL, "workspace", "artifacts");

    private final Path runsDir;

    public RunStore(Path runsDir) {
        this.runsDir = runsDir;
    }

    public Path runsDir() {
        return runsDir;
    }

    public Path dir(String id) {
        return runsDir.resolve(id);
    }

    /** The reason shown for a k8s run whose ao is gone. */
    public static final String K8S_DETACHED = "k8s, detached: the ao that started it is gone and the Job goes on; "
            + "ao runs wait, show or logs -f reattaches";

    /** A fresh run id that reserves nothing ({@code ao run --on k8s --dry-run} names its objects with one). */
    public static String newRunId() {
        byte[] r = new byte[2];
        RANDOM.nextBytes(r);
        return ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(r);
    }

    /** Makes a new run folder with a fresh id; the folder's creation is what reserves the id. */
    public String newRunDir() {
        try {
            Files.createDirectories(runsDir);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, runsDir + ": cannot create the run store: " + e.getMessage());
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            byte[] r = new byte[2];
            RANDOM.nextBytes(r);
            String id = ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(r);
            try {
                Files.createDirectory(runsDir.resolve(id));
                return id;
            } catch (FileAlreadyExistsException e) {
                // another run took this id in the same millisecond: draw again
            } catch (IOException e) {
                throw new AoException(ExitCode.FAILED, runsDir + ": cannot create a run folder: " + e.getMessage());
            }
        }
        throw new AoException(ExitCode.FAILED, runsDir + ": could not find a free run id");
    }

    public void write(RunRecord r) {
        Path file = dir(r.id()).resolve(RUN_JSON);
        byte[] json = toJson(r);
        try {
            writeAtomically(file, json);
        } catch (AoException e) {
            if (!overwriteInPlace(file, r)) throw e;
        }
        if (CRASH_AFTER_RUN_JSON && r.state().terminal()) Runtime.getRuntime().halt(CRASH_EXIT);
    }

    /**
     * A test hook: with {@code AO_TEST_CRASH=after-run-json} the JVM halts (as a {@code kill -9} would stop it: no
     * shutdown hooks, nothing flushed) right after a run's final run.json is written, before anything else learns of it.
     */
    private static final boolean CRASH_AFTER_RUN_JSON = "after-run-json".equals(System.getenv("AO_TEST_CRASH"));
    public static final int CRASH_EXIT = 137;

    /**
     * A full disk has no room for the temporary copy: the run is recorded over the old file's own blocks instead, in
     * compact JSON padded with spaces to the old length (never truncated, so no block is freed and needed again).
     * False if it does not fit.
     */
    private static boolean overwriteInPlace(Path file, RunRecord r) {
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] compact = LINE.writeValueAsBytes(r);
            long old = ch.size();
            if (compact.length > old) return false;
            byte[] padded = java.util.Arrays.copyOf(compact, (int) old);
            java.util.Arrays.fill(padded, compact.length, padded.length, (byte) ' ');
            var buf = java.nio.ByteBuffer.wrap(padded);
            while (buf.hasRemaining()) ch.write(buf, buf.position());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static byte[] toJson(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a whole file so that readers see either the old or the new content, never half of it. */
    public static void writeAtomically(Path file, byte[] content) {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + Thread.currentThread().getId() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(content);
                out.flush();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new AoException(ExitCode.FAILED, file + ": cannot write: " + e.getMessage());
        }
    }

    /** Appends one line to events.jsonl: the time, the state and anything that says why or who. */
    public void event(String id, RunState state, Map<String, ?> detail) {
        ObjectNode n = LINE.createObjectNode();
        n.put("time", Instant.now().toString());
        n.put("state", state.id());
        if (detail != null) detail.forEach((k, v) -> n.set(k, LINE.valueToTree(v)));
        byte[] line = (n.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            // one write per line with O_APPEND: lines from different writers never interleave
            Files.write(dir(id).resolve(EVENTS), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir(id).resolve(EVENTS) + ": cannot append: " + e.getMessage());
        }
    }

    public List<ObjectNode> events(String id) {
        List<ObjectNode> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(dir(id).resolve(EVENTS))) {
                if (!l.isBlank()) out.add((ObjectNode) LINE.readTree(l));
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir(id).resolve(EVENTS) + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    /**
     * Reads a run; a run whose supervisor died while it was not finished is marked lost, on disk too. Every run
     * folder is a run: one with no readable run.json is described from what it holds (lost, once it is older
     * than {@link #CREATION_GRACE}); empty only when there is no such folder.
     */
    public Optional<RunRecord> read(String id) {
        Path f = dir(id).resolve(RUN_JSON);
        RunRecord r;
        try {
            r = JSON.readValue(f.toFile(), RunRecord.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return unrecorded(id, "no run.json: ao stopped before it recorded the run");
        } catch (IOException e) {
            // a run.json is only ever replaced whole, so this is damage from outside ao
            return unrecorded(id, "run.json is unreadable (" + e.getClass().getSimpleName() + ")");
        }
        return Optional.of(checkLost(r));
    }

    /** A run folder without a readable run.json, as a record: never written back, the folder stays as it was found. */
    private Optional<RunRecord> unrecorded(String id, String why) {
        Path dir = dir(id);
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        Instant modified;
        List<String> held = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            modified = Files.getLastModifiedTime(dir).toInstant();
            for (Path p : ds) held.add(p.getFileName().toString());
        } catch (IOException e) {
            modified = Instant.EPOCH;
        }
        held.sort(null);
        String label = held.stream().filter(n -> !OWN_FILES.contains(n) && !n.startsWith(".")).findFirst().orElse("?");
        boolean young = modified.isAfter(Instant.now().minus(CREATION_GRACE));
        String holds = held.isEmpty() ? "nothing" : String.join(", ", held.subList(0, Math.min(8, held.size())))
                + (held.size() > 8 ? ", ..." : "");
        String reason = young ? "being recorded" : why + "; the folder holds " + holds + lastWords(id);
        String created = createdAt(id).orElse(modified).toString();
        Path out = dir.resolve(STDOUT);
        Path err = dir.resolve(STDERR);
        return Optional.of(new RunRecord(id, label, null, null, held.contains(label) ? label : null, null,
                young ? RunState.QUEUED : RunState.LOST, null, reason, created, null, young ? null : modified.toString(), null,
                null, null, null, null, null, null, null, null, null, Files.exists(out) ? out.toString() : null,
                Files.exists(err) ? err.toString() : null, null, null));
    }

    /** The time a run id was drawn ({@code 20240101-120000-123-ab12}), when it is one of ours. */
    private static Optional<Instant> createdAt(String id) {
        try {
            return Optional.of(Instant.from(ID_TIME.parse(id.substring(0, Math.min(id.length(), 19)))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The last line a detached supervisor printed before it died (why it never started the script), if any. */
    private String lastWords(String id) {
        List<String> lines;
        try {
            lines = RunLogs.lastLines(dir(id).resolve(DetachedRuns.SUPERVISOR_LOG), 1);
        } catch (RuntimeException e) {
            return "";
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) return "";
        String l = lines.get(0).strip();
        return "; its supervisor said: " + (l.length() > 200 ? l.substring(0, 200) + "…" : l);
    }

    private RunRecord checkLost(RunRecord r) {
        if (r.state().terminal()) return r;
        if (dev.ao.engine.k8s.K8sAttach.target(r.id(), r.sandbox()).isPresent()
                && (r.supervisor() == null || !r.supervisor().alive())) {
            // the Job goes on in the cluster without the ao that started it: never lost while it exists
            // (ao runs show/wait/logs -f reattach, see K8sAttach)
            return r.withState(r.state(), K8S_DETACHED);
        }
        if (r.supervisor() == null) {
            // written by an ao that did not record supervisors: lost once nothing has touched it for a while
            Instant created = createdAt(r.id()).orElse(Instant.now());
            if (created.isAfter(Instant.now().minus(CREATION_GRACE))) return r;
        } else if (r.supervisor().alive()) {
            return r;
        }
        // re-read: the supervisor may have finished the run between our read and the liveness check
        try {
            RunRecord again = JSON.readValue(dir(r.id()).resolve(RUN_JSON).toFile(), RunRecord.class);
            if (again.state().terminal()) return again;
        } catch (IOException ignored) {
            // fall through with what we have
        }
        int reaped = dev.ao.engine.exec.ProcessCgroup.reap(r.id());
        takeBackLent(r);
        String who = r.supervisor() == null ? "no supervising ao process was recorded"
                : "the supervising ao process (pid " + r.supervisor().pid() + ") is gone";
        RunRecord lost = r.withEnd(RunState.LOST, r.exitCode(), who + (reaped > 0 ? "; " + reaped + " leftover process(es) killed" : "")
                + lastWords(r.id()), Instant.now(), r.summary(),
                r.summaryTruncated(), r.outputs(), r.workspaceKept());
        try {
            write(lost);
            event(r.id(), RunState.LOST, Map.of("reason", lost.reason()));
        } catch (AoException e) {
            // read-only store: still report it as lost
        }
        return lost;
    }

    /** A root ao killed mid-run lent folders to the sandbox uid (run.json says which): take them back now. */
    private static void takeBackLent(RunRecord r) {
        if (r.sandbox() == null || !r.sandbox().has("lent") || !r.sandbox().has("run_as_uid")) return;
        int uid = r.sandbox().path("run_as_uid").asInt();
        if (uid <= 0) return;
        List<Path> lent = new ArrayList<>();
        r.sandbox().path("lent").forEach(n -> lent.add(Path.of(n.asText())));
        RunService.giveBack(lent, uid, uid, r.sandbox().path("owner_uid").asInt(0), r.sandbox().path("owner_gid").asInt(0));
    }

    /** Run ids, newest first, without reading any run.json. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(runsDir)) return ids;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runsDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isDirectory(p)) ids.add(n);
            }
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, runsDir + ": cannot list runs: " + e.getMessage());
        }
        ids.sort(Comparator.reverseOrder());
        return ids;
    }

    /** Newest first, those matching {@code filter}, at most {@code limit} (0 = all). */
    public List<RunRecord> list(Predicate<RunRecord> filter, int limit) {
        List<RunRecord> out = new ArrayList<>();
        for (String id : ids()) {
            Optional<RunRecord> r = read(id);
            if (r.isPresent() && filter.test(r.get())) {
                out.add(r.get());
                if (limit > 0 && out.size() >= limit) break;
            }
        }
        return out;
    }

    /** Removes an ended run's folder. */
    public void delete(String id) {
        RunRecord r = read(id).orElse(null);
        if (r != null && !r.state().terminal()) throw AoException.usage("run " + id + " is " + r.state().id() + "; cancel it first");
        RunService.deleteTree(dir(id));
    }

    /** The one run whose id starts with {@code prefix}; a clear error when none or several match. */
    public RunRecord resolve(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.contains("/") || prefix.contains("..")) {
            throw AoException.usage("run id '" + prefix + "' is not valid; see 'ao runs list'");
        }
        List<String> matches = ids().stream().filter(i -> i.startsWith(prefix)).toList();
        if (matches.isEmpty()) throw AoException.usage("no run matches '" + prefix + "'; see 'ao runs list'");
        if (matches.size() > 1) {
            throw AoException.usage("run id '" + prefix + "' is ambiguous: it matches " + matches.size() + " runs ("
                    + String.join(", ", matches.subList(0, Math.min(3, matches.size()))) + (matches.size() > 3 ? ", ..." : "") + ")");
        }
        return read(matches.get(0)).orElseThrow(() -> new AoException(ExitCode.FAILED,
                dir(matches.get(0)).resolve(RUN_JSON) + ": missing or unreadable"));
    }
}
