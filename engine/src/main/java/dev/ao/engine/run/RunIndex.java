package dev.ao.engine.run;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code .ao/index.db}: one row per run folder, derived from the run.json files and rebuilt from them at will. The
 * files stay the truth: every open brings the index up to date from the folders (new or changed run.json, deleted
 * folders, live runs always re-read), so nothing on the run path ever writes to it. A missing or damaged index file
 * is rebuilt; several ao processes may open it at once (WAL, busy timeout).
 */
public final class RunIndex implements AutoCloseable {
    public static final String FILE = "index.db";
    /** Bumped when the table changes: an index of another version is rebuilt. */
    private static final int VERSION = 3;
    private static final int BUSY_MS = 10_000;
    /** Fixed width, so times compare as text in SQL (Instant.toString drops zero fractions). */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String UPSERT = "INSERT OR REPLACE INTO runs(id, label, skill, state, exit_code, created_at, started_at, ended_at,"
            + " duration_ms, parent, kind, origin, mtime) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

    /** What {@code ao runs list} asks for; null fields do not filter; limit 0 = all. */
    public record Query(RunState state, String skill, Instant since, Instant until, String parent, boolean all, int limit, int offset) {}

    /** What one catch-up or rebuild did; {@code runs} is -1 when a catch-up had no reason to count them. */
    public record Sync(int runs, int read, int removed, long millis) {}

    /** The answer of a free query: column names and rows of values as SQLite gave them. */
    public record Table(List<String> columns, List<List<Object>> rows) {}

    private final RunStore store;
    private final Path file;
    private final Consumer<String> warn;
    private Connection db;
    private Sync lastSync;

    private final boolean catchUp;

    private RunIndex(RunStore store, Path file, Consumer<String> warn, boolean catchUp) {
        this.catchUp = catchUp;
        this.store = store;
        this.file = file;
        this.warn = warn;
    }

    /** Where the index of a runs folder lives: next to it, in the state folder. */
    public static Path fileFor(RunStore store) {
        Path parent = store.runsDir().toAbsolutePath().getParent();
        return parent.resolve(FILE);
    }

    /**
     * Opens the index and brings it up to date from the run folders; a damaged index is rebuilt, with one line to
     * {@code warn}. Throws {@link AoException} when even a fresh index cannot be made (the caller reads the files).
     */
    public static RunIndex open(RunStore store, Consumer<String> warn) {
        return open(store, warn, true);
    }

    /** As {@link #open(RunStore, Consumer)}; without {@code catchUp} for a caller that will {@link #rebuild()} anyway. */
    public static RunIndex open(RunStore store, Consumer<String> warn, boolean catchUp) {
        RunIndex index = new RunIndex(store, fileFor(store), warn, catchUp);
        try {
            index.connectAndSync();
        } catch (SQLException | RuntimeException e) {
            if (!Files.exists(index.file)) {
                index.close();
                throw new AoException(ExitCode.FAILED, index.file + ": cannot make the run index: " + oneLine(e));
            }
            warn.accept(index.file + ": not a usable run index (" + oneLine(e) + "); rebuilding it from the run folders");
            index.close();
            index.deleteFiles();
            try {
                index.connectAndSync();
            } catch (SQLException | RuntimeException again) {
                index.close();
                throw new AoException(ExitCode.FAILED, index.file + ": cannot rebuild the run index: " + oneLine(again));
            }
        }
        return index;
    }

    public Sync lastSync() {
        return lastSync;
    }

    public Path file() {
        return file;
    }

    private void connectAndSync() throws SQLException {
        SQLiteConfig c = new SQLiteConfig();
        c.setBusyTimeout(BUSY_MS);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new SQLException(file.getParent() + ": cannot create: " + e.getMessage(), e);
        }
        db = connect(c);
        try (Statement s = db.createStatement()) {
            // WAL: readers never wait for a writer; the mode is stored in the file, so setting it again is free
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version != VERSION) {
                if (version != 0) warn.accept(file + ": run index of another version (" + version + "); rebuilding it");
                createSchema(s);
            }
        }
        lastSync = catchUp ? sync(false) : new Sync(0, 0, 0, 0);
    }

    /**
     * Straight to the driver, not through {@link java.sql.DriverManager}, whose first use scans the class path for
     * every JDBC driver; with the native library from the user's cache, not a fresh copy in /tmp.
     */
    private Connection connect(SQLiteConfig c) throws SQLException {
        SqliteLibrary.prepare();
        return org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, c.toProperties());
    }

    private void createSchema(Statement s) throws SQLException {
        db.setAutoCommit(false);
        try {
            s.execute("DROP TABLE IF EXISTS runs");
            s.execute("CREATE TABLE runs(id TEXT PRIMARY KEY, label TEXT, skill TEXT, state TEXT NOT NULL, exit_code INTEGER,"
                    + " created_at TEXT, started_at TEXT, ended_at TEXT, duration_ms INTEGER, parent TEXT, kind TEXT, origin TEXT,"
                    + " mtime INTEGER NOT NULL)");
            s.execute("CREATE INDEX runs_created ON runs(created_at)");
            s.execute("CREATE INDEX runs_state_created ON runs(state, created_at)");
            s.execute("CREATE INDEX runs_skill ON runs(skill)");
            s.execute("CREATE INDEX runs_parent ON runs(parent)");
            // folders without a run.json are read on every open: found without a scan
            s.execute("CREATE INDEX runs_unrecorded ON runs(mtime) WHERE mtime = -1");
            s.execute("DROP TABLE IF EXISTS meta");
            s.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER)");
            s.execute("PRAGMA user_version=" + VERSION);
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** Empties the index and reads every run folder again. */
    public Sync rebuild() {
        try {
            lastSync = sync(true);
            return lastSync;
        } catch (SQLException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot rebuild the run index: " + oneLine(e));
        }
    }

    /**
     * Reads every folder whose run.json changed since it was indexed (or that is not indexed, or whose run was live
     * then), and drops the rows of folders that are gone.
     */
    private Sync sync(boolean full) throws SQLException {
        long t0 = System.nanoTime();
        Path runs = store.runsDir();
        long dirMtime = dirMtime(runs);
        if (!full && dirMtime != -1 && Long.valueOf(dirMtime).equals(meta("runs_mtime"))) return syncLive(t0, dirMtime);
        Map<String, long[]> known = new HashMap<>(); // id -> {mtime, live ? 1 : 0}
        if (!full) {
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, mtime, state FROM runs")) {
                while (rs.next()) {
                    String st = rs.getString(3);
                    known.put(rs.getString(1), new long[]{rs.getLong(2), live(st) ? 1 : 0});
                }
            }
        }
        Set<String> seen = new HashSet<>();
        List<String> stale = new ArrayList<>();
        Map<String, Long> mtimes = new HashMap<>();
        if (Files.isDirectory(runs)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(runs)) {
                for (Path p : ds) {
                    String id = p.getFileName().toString();
                    if (id.startsWith(".")) continue;
                    long m = mtime(p.resolve(RunStore.RUN_JSON));
                    if (m == Long.MIN_VALUE && !Files.isDirectory(p)) continue;
                    seen.add(id);
                    long[] k = known.get(id);
                    // no run.json (-1): described from the folder, which may change at any time, so read every time
                    if (k == null || k[0] != m || k[1] == 1 || m == -1) {
                        stale.add(id);
                        mtimes.put(id, m);
                    }
                }
            } catch (IOException e) {
                throw new AoException(ExitCode.FAILED, runs + ": cannot list runs: " + e.getMessage());
            }
        }
        List<String> gone = new ArrayList<>();
        for (String id : known.keySet()) if (!seen.contains(id)) gone.add(id);
        if (!full && stale.isEmpty() && gone.isEmpty()) {
            writeMeta(dirMtime);
            return new Sync(seen.size(), 0, 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        try (Statement s = db.createStatement()) {
            // IMMEDIATE: take the write lock now, so two catching-up processes queue instead of failing to upgrade
            s.execute("BEGIN IMMEDIATE");
            try {
                if (full) s.execute("DELETE FROM runs");
                try (PreparedStatement del = db.prepareStatement("DELETE FROM runs WHERE id = ?")) {
                    for (String id : gone) {
                        del.setString(1, id);
                        del.addBatch();
                    }
                    del.executeBatch();
                }
                try (PreparedStatement up = db.prepareStatement(UPSERT)) {
                    for (String id : stale) {
                        RunRecord r = store.read(id).orElse(null);
                        if (r == null) continue;
                        // read() may have just marked it lost (and rewritten run.json): record the file as it is now
                        long m = r.state().terminal() && live(known.get(id)) ? mtime(store.dir(id).resolve(RunStore.RUN_JSON)) : mtimes.get(id);
                        bind(up, r, m);
                        up.addBatch();
                    }
                    up.executeBatch();
                }
                recordDirMtime(dirMtime);
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failure itself is what we report
                }
                throw e;
            }
        }
        return new Sync(seen.size(), stale.size(), gone.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private static final String LIVE = "('queued','running','blocked','waiting_approval','paused')";

    /**
     * No folder was added or removed since the last catch-up (the runs folder's mtime says so): only the runs that
     * were live then, and folders without a run.json, can have changed; a run.json is otherwise never rewritten by ao.
     */
    private Sync syncLive(long t0, long dirMtime) throws SQLException {
        List<String> ids = new ArrayList<>();
        int total;
        try (Statement s = db.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id FROM runs WHERE state IN " + LIVE + " UNION SELECT id FROM runs WHERE mtime = -1")) {
                while (rs.next()) ids.add(rs.getString(1));
            }
            total = -1; // not counted: that would scan the whole table on every list
        }
        if (ids.isEmpty()) return new Sync(total, 0, 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        int removed = 0;
        try (Statement s = db.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try (PreparedStatement up = db.prepareStatement(UPSERT);
                 PreparedStatement del = db.prepareStatement("DELETE FROM runs WHERE id = ?")) {
                for (String id : ids) {
                    RunRecord r = store.read(id).orElse(null);
                    if (r == null) {
                        del.setString(1, id);
                        del.executeUpdate();
                        removed++;
                        continue;
                    }
                    bind(up, r, mtime(store.dir(id).resolve(RunStore.RUN_JSON)));
                    up.executeUpdate();
                }
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the failure itself is what we report
                }
                throw e;
            }
        }
        return new Sync(total, ids.size(), removed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** The runs folder's mtime in nanoseconds (it moves when a run folder is made or removed); -1 when unknown. */
    private static long dirMtime(Path runs) {
        try {
            return Files.getLastModifiedTime(runs).to(TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return -1;
        }
    }

    private Long meta(String key) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private void writeMeta(long dirMtime) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                recordDirMtime(dirMtime);
                s.execute("COMMIT");
            } catch (SQLException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /**
     * Records the runs folder's mtime as seen before the scan, unless it is under a second old: a folder made in the
     * same clock tick after the scan would leave it unchanged, so such a time is not trusted and the next reader scans.
     */
    private void recordDirMtime(long dirMtime) throws SQLException {
        boolean settled = dirMtime != -1 && dirMtime < TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - TimeUnit.SECONDS.toNanos(1);
        try (PreparedStatement ps = db.prepareStatement(settled ? "INSERT OR REPLACE INTO meta(key, value) VALUES ('runs_mtime', ?)"
                : "DELETE FROM meta WHERE key = 'runs_mtime' AND ? IS NOT NULL")) {
            ps.setLong(1, dirMtime);
            ps.executeUpdate();
        }
    }

    private static boolean live(long[] k) {
        return k != null && k[1] == 1;
    }

    private static boolean live(String state) {
        try {
            return !RunState.parse(state).terminal();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** run.json's modification time in microseconds; -1 when there is none, MIN_VALUE when the folder is gone. */
    private static long mtime(Path runJson) {
        try {
            return Files.getLastModifiedTime(runJson).to(TimeUnit.MICROSECONDS);
        } catch (NoSuchFileException e) {
            return Files.isDirectory(runJson.getParent()) ? -1 : Long.MIN_VALUE;
        } catch (IOException e) {
            return -1;
        }
    }

    private static void bind(PreparedStatement up, RunRecord r, long mtime) throws SQLException {
        up.setString(1, r.id());
        up.setString(2, r.label());
        up.setString(3, r.skill());
        up.setString(4, r.state().id());
        setInt(up, 5, r.exitCode() == null ? null : r.exitCode().longValue());
        up.setString(6, time(r.createdAt()));
        up.setString(7, time(r.startedAt()));
        up.setString(8, time(r.endedAt()));
        setInt(up, 9, r.durationMs());
        up.setString(10, r.parent());
        up.setString(11, r.kind());
        up.setString(12, r.origin());
        up.setLong(13, mtime);
    }

    private static void setInt(PreparedStatement p, int i, Long v) throws SQLException {
        if (v == null) p.setNull(i, Types.INTEGER);
        else p.setLong(i, v);
    }

    /** An ISO time in the index's fixed-width form; what cannot be parsed is kept as it was written. */
    static String time(String iso) {
        if (iso == null) return null;
        try {
            return TIME.format(Instant.parse(iso));
        } catch (RuntimeException e) {
            return iso;
        }
    }

    static String time(Instant t) {
        return TIME.format(t);
    }

    /** The ids of the runs that match, newest first (the order of {@link RunStore#ids()}). */
    public List<String> ids(Query q) {
        StringBuilder sql = new StringBuilder("SELECT id FROM runs WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (q.parent() != null) {
            sql.append(" AND parent = ?");
            args.add(q.parent());
        } else if (!q.all()) {
            sql.append(" AND parent IS NULL");
        }
        if (q.state() != null) {
            sql.append(" AND state = ?");
            args.add(q.state().id());
        }
        if (q.skill() != null) {
            sql.append(" AND (label = ? OR skill = ?)");
            args.add(q.skill());
            args.add(q.skill());
        }
        if (q.since() != null) {
            sql.append(" AND created_at >= ?");
            args.add(time(q.since()));
        }
        if (q.until() != null) {
            sql.append(" AND created_at < ?");
            args.add(time(q.until()));
        }
        sql.append(" ORDER BY id DESC LIMIT ? OFFSET ?");
        args.add(q.limit() > 0 ? q.limit() : -1);
        args.add(Math.max(0, q.offset()));
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot query the run index: " + oneLine(e));
        }
        return out;
    }

    /** A run as a completion offers it: its id, label and state. */
    public record Brief(String id, String label, RunState state) {}

    /**
     * Runs whose id starts with {@code prefix} (empty: all) and whose state is one of {@code states} (null: any),
     * newest first, at most {@code limit} (0: all). For Tab completion: one query, no run.json read.
     */
    public List<Brief> briefs(Set<RunState> states, String prefix, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, label, state FROM runs WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (prefix != null && !prefix.isEmpty()) {
            sql.append(" AND id >= ? AND id < ?");
            args.add(prefix);
            args.add(prefix + Character.MAX_VALUE);
        }
        if (states != null) {
            sql.append(" AND state IN (");
            int i = 0;
            for (RunState st : states) {
                sql.append(i++ == 0 ? "?" : ",?");
                args.add(st.id());
            }
            if (i == 0) return List.of();
            sql.append(")");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit > 0 ? limit : -1);
        List<Brief> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RunState st;
                    try {
                        st = RunState.parse(rs.getString(3));
                    } catch (RuntimeException e) {
                        continue;
                    }
                    out.add(new Brief(rs.getString(1), rs.getString(2), st));
                }
            }
        } catch (SQLException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot query the run index: " + oneLine(e));
        }
        return out;
    }

    /** Every run in the index, as retention judges them (state, parent, when it ended or else was created). */
    public List<Retention.Entry> entries() {
        List<Retention.Entry> out = new ArrayList<>();
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, state, parent, coalesce(ended_at, created_at) FROM runs")) {
            while (rs.next()) {
                RunState state;
                try {
                    state = RunState.parse(rs.getString(2));
                } catch (RuntimeException e) {
                    state = RunState.QUEUED; // unknown: treated as live, so never removed
                }
                out.add(new Retention.Entry(rs.getString(1), state, rs.getString(3), Retention.time(rs.getString(4))));
            }
        } catch (SQLException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot read the run index: " + oneLine(e));
        }
        return out;
    }

    /** Drops the rows of run folders that were just deleted (the next catch-up would too, after a full scan). */
    public void forget(java.util.Collection<String> ids) {
        if (ids.isEmpty()) return;
        try (Statement s = db.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try (PreparedStatement del = db.prepareStatement("DELETE FROM runs WHERE id = ?")) {
                for (String id : ids) {
                    del.setString(1, id);
                    del.addBatch();
                }
                del.executeBatch();
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            throw new AoException(ExitCode.FAILED, file + ": cannot update the run index: " + oneLine(e));
        }
    }

    /**
     * Below this many run folders, reading them is faster than loading SQLite: the index serves long histories, the
     * files short ones. {@code AO_INDEX_FROM} moves the line (0: always the index).
     */
    public static final int INDEX_FROM = 2000;

    /** The line from {@code AO_INDEX_FROM}, else {@link #INDEX_FROM}; a value that is not a number is a usage error. */
    public static int indexFrom(Map<String, String> env) {
        String v = env.get("AO_INDEX_FROM");
        if (v == null || v.isBlank()) return INDEX_FROM;
        try {
            return Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            throw AoException.usage("AO_INDEX_FROM must be a number of runs, got '" + v + "'");
        }
    }

    /** Whether a history is long enough for the index to answer faster than the files: counts folders up to {@code from}. */
    public static boolean worthUsing(RunStore store, int from) {
        if (from == 0) return true;
        if (!Files.isDirectory(store.runsDir())) return false;
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.runsDir())) {
            for (Path ignored : ds) if (++n >= from) return true;
        } catch (IOException e) {
            return true;
        }
        return false;
    }

    /**
     * Runs one query on a connection that cannot write: opened read-only, {@code query_only}, no database may be
     * attached. A statement that would write, or a malformed one, is a usage error with SQLite's one-line reason.
     */
    public Table query(String sql) {
        String trimmed = sql == null ? "" : sql.strip();
        if (trimmed.isEmpty()) throw AoException.usage("give one SQL query, e.g. \"SELECT state, count(*) FROM runs GROUP BY state\"");
        if (trimmed.regionMatches(true, 0, "ATTACH", 0, 6)) {
            throw AoException.usage("ATTACH is not allowed: only the run index can be read");
        }
        SQLiteConfig c = new SQLiteConfig();
        c.setReadOnly(true);
        c.setBusyTimeout(BUSY_MS);
        try (Connection ro = connect(c)) {
            // a read-only file handle is the wall; query_only and no attached databases say so even to SQL
            ((SQLiteConnection) ro).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            try (Statement s = ro.createStatement()) {
                s.execute("PRAGMA query_only=1");
            }
            try (Statement s = ro.createStatement()) {
                if (!s.execute(trimmed)) return new Table(List.of(), List.of());
                try (ResultSet rs = s.getResultSet()) {
                    int n = rs.getMetaData().getColumnCount();
                    List<String> cols = new ArrayList<>();
                    for (int i = 1; i <= n; i++) cols.add(rs.getMetaData().getColumnLabel(i));
                    List<List<Object>> rows = new ArrayList<>();
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>(n);
                        for (int i = 1; i <= n; i++) row.add(rs.getObject(i));
                        rows.add(row);
                    }
                    return new Table(cols, rows);
                }
            }
        } catch (SQLException e) {
            // SQLite's own words after its "[CODE] generic text" prefix: "near \"SELEC\": syntax error"
            String m = oneLine(e);
            int open = m.indexOf(" ("), close = m.lastIndexOf(')');
            String why = open > 0 && close > open ? m.substring(open + 2, close) : m;
            if (m.contains("SQLITE_READONLY")) throw AoException.usage("the run index is read-only here: only queries that read are allowed (" + why + ")");
            if (why.contains("too many attached databases")) throw AoException.usage("ATTACH is not allowed: only the run index can be read");
            throw AoException.usage("bad query: " + why);
        }
    }

    private void deleteFiles() {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            try {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            } catch (IOException e) {
                // the next open reports what is still wrong
            }
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }

    @Override
    public void close() {
        if (db == null) return;
        try {
            db.close();
        } catch (SQLException ignored) {
            // nothing left to save: the index is derived
        }
        db = null;
    }
}
