package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.WorkflowRunner;

import java.io.File;
import java.nio.file.DirectoryStream;
import java.util.Comparator;
import java.util.Locale;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pages over the run store so that a large history stays fast: the id listing is a directory listing, and only
 * the run.json files of the rows asked for are read. Filtering by state needs each run's state; an ended run
 * never changes, so its state is remembered (a few bytes per run) and only live runs are read again. A workflow
 * can be resumed after it ended, so its state is never remembered.
 *
 * <p>The child runs of workflows (a run per job and per for_each item) are hidden unless asked for. The rows read
 * for the screen say it themselves ({@code parent} in run.json); the rest of the history is known from each
 * workflow run's {@code children.jsonl}, found with one existence check per run folder. That scan waits for the
 * second load (the first screen of a 10,000-run history must not wait for it; until then only the total counts
 * children outside the screen), and a folder with no such file is not checked again once it is older than a
 * workflow's supervisor needs to write it.
 */
final class RunIndex {
    /** What one load of the runs table saw. {@code ids} are all matching ids, newest first. */
    record Slice(List<String> ids, Map<String, RunRecord> rows, int offset) {}

    /** One screenful of the runs table: {@code window} are the ids of rows {@code [offset, offset + window.size())} of {@code total}. */
    record Page(int total, int offset, List<String> window, Map<String, RunRecord> rows, boolean fromIndex) {}

    /** How the table is ordered; {@code sql} for the run index, {@code order} for runs read from their files. */
    enum Sort {
        NEWEST("newest first", "id DESC", Comparator.comparing(RunRecord::id).reversed()),
        OLDEST("oldest first", "id ASC", Comparator.comparing(RunRecord::id)),
        STATE("by state", "state ASC, id DESC", Comparator.comparing((RunRecord r) -> r.state().id()).thenComparing(RunRecord::id, Comparator.reverseOrder())),
        SKILL("by skill", "lower(label) ASC, id DESC", Comparator.comparing((RunRecord r) -> r.label() == null ? "" : r.label().toLowerCase(Locale.ROOT))
                .thenComparing(RunRecord::id, Comparator.reverseOrder())),
        DURATION("longest first", "coalesce(duration_ms, -1) DESC, id DESC", Comparator.comparingLong((RunRecord r) -> r.durationMs() == null ? -1 : r.durationMs())
                .reversed().thenComparing(RunRecord::id, Comparator.reverseOrder()));

        final String label;
        final String sql;
        final Comparator<RunRecord> order;

        Sort(String label, String sql, Comparator<RunRecord> order) {
            this.label = label;
            this.sql = sql;
            this.order = order;
        }
    }

    /** What the runs table shows: a state (null: all), children or not, a text in id, skill or state (null: any), an order. */
    record View(RunState state, boolean children, String text, Sort sort) {
        boolean plain() {
            return (text == null || text.isEmpty()) && sort == Sort.NEWEST;
        }

        boolean matches(RunRecord r) {
            if (state != null && r.state() != state) return false;
            if (!children && r.parent() != null) return false;
            if (text == null || text.isEmpty()) return true;
            String q = text.toLowerCase(Locale.ROOT);
            return r.id().toLowerCase(Locale.ROOT).contains(q) || r.state().id().contains(q)
                    || (r.label() != null && r.label().toLowerCase(Locale.ROOT).contains(q))
                    || (r.skill() != null && r.skill().toLowerCase(Locale.ROOT).contains(q));
        }
    }

    /**
     * Below this many run folders, reading them is faster than loading SQLite: the same line as {@code ao runs list}
     * (its {@code AO_INDEX_FROM} moves it, 0: always the index).
     */
    static final int INDEX_FROM = 2000;

    private final int indexFrom;
    /** Ended runs read in full, for a text filter or an order over a short history read from the files. */
    private final Map<String, RunRecord> records = new ConcurrentHashMap<>();
    private volatile String indexProblem;
    private volatile boolean served;

    RunIndex() {
        this(INDEX_FROM);
    }

    RunIndex(int indexFrom) {
        this.indexFrom = indexFrom;
    }

    /** {@code AO_INDEX_FROM} from ao's environment; a bad value is a one-line error naming it. */
    static int indexFrom(Map<String, String> env) {
        String v = env.get("AO_INDEX_FROM");
        if (v == null || v.isBlank()) return INDEX_FROM;
        try {
            return Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("AO_INDEX_FROM must be a number of runs, got '" + v + "'");
        }
    }

    /** The first problem with the run index (then the files answered), or null. */
    String indexProblem() {
        return indexProblem;
    }

    /** Whether this history is long enough for the run index (counting stops at the line). */
    boolean useIndex(RunStore store) {
        if (indexFrom == 0) return true;
        Path dir = store.runsDir();
        if (!Files.isDirectory(dir)) return false;
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path ignored : ds) if (++n >= indexFrom) return true;
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The rows {@code [offset, offset + limit)} of {@code v}: from the run index for a long history, else from the files. */
    Page page(RunStore store, View v, int offset, int limit) {
        // with no index yet, building it reads every run.json: the first screen comes from the files, the next load builds it
        boolean first = !served;
        served = true;
        if (useIndex(store) && !(first && v.plain() && !Files.exists(dev.ao.engine.run.RunIndex.fileFor(store)))) {
            try {
                return fromIndex(store, v, offset, limit);
            } catch (RuntimeException | LinkageError e) {
                // this load is answered from the files; the next tries the index again (it may have been busy)
                if (indexProblem == null) indexProblem = "the run index cannot be used (" + Text.error(e) + "); reading the run folders";
            }
        }
        if (v.plain()) {
            Slice s = slice(store, v.state(), v.children(), offset, limit);
            int from = s.offset();
            int to = Math.min(s.ids().size(), from + Math.max(0, limit));
            return new Page(s.ids().size(), from, List.copyOf(s.ids().subList(from, to)), s.rows(), false);
        }
        // a text or an order needs every run's record: a short history, read once per ended run
        List<RunRecord> all = new ArrayList<>();
        for (String id : store.ids()) {
            RunRecord r = records.get(id);
            if (r == null) {
                Optional<RunRecord> read = read(store, id);
                if (read.isEmpty()) continue;
                r = read.get();
                if (r.state().terminal() && !RunRecord.KIND_WORKFLOW.equals(r.kind())) records.put(id, r);
            }
            if (v.matches(r)) all.add(r);
        }
        all.sort(v.sort().order);
        int from = Math.max(0, Math.min(offset, all.size()));
        int to = Math.min(all.size(), from + Math.max(0, limit));
        List<String> window = new ArrayList<>();
        Map<String, RunRecord> rows = new LinkedHashMap<>();
        for (RunRecord r : all.subList(from, to)) {
            window.add(r.id());
            rows.put(r.id(), r);
        }
        return new Page(all.size(), from, window, rows, false);
    }

    /** The index picks and counts the rows; their run.json files describe them (the files are the truth). */
    private Page fromIndex(RunStore store, View v, int offset, int limit) {
        String where = where(v);
        try (dev.ao.engine.run.RunIndex index = dev.ao.engine.run.RunIndex.open(store, w -> { })) {
            dev.ao.engine.run.RunIndex.Table count = index.query("SELECT count(*) FROM runs WHERE " + where);
            int total = ((Number) count.rows().get(0).get(0)).intValue();
            int from = Math.max(0, Math.min(offset, total));
            dev.ao.engine.run.RunIndex.Table ids = index.query("SELECT id FROM runs WHERE " + where + " ORDER BY " + v.sort().sql
                    + " LIMIT " + Math.max(0, limit) + " OFFSET " + from);
            List<String> window = new ArrayList<>();
            Map<String, RunRecord> rows = new LinkedHashMap<>();
            for (List<Object> row : ids.rows()) {
                String id = String.valueOf(row.get(0));
                window.add(id);
                read(store, id).ifPresent(r -> rows.put(id, r));
            }
            return new Page(total, from, window, rows, true);
        }
    }

    /** The SQL condition of a view; every value is a quoted literal (the query runs on a read-only connection anyway). */
    static String where(View v) {
        StringBuilder w = new StringBuilder(v.children() ? "1=1" : "parent IS NULL");
        if (v.state() != null) w.append(" AND state = ").append(literal(v.state().id()));
        if (v.text() != null && !v.text().isEmpty()) {
            String like = literal("%" + v.text().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            w.append(" AND (id LIKE ").append(like).append(" ESCAPE '\\' OR label LIKE ").append(like).append(" ESCAPE '\\'")
                    .append(" OR skill LIKE ").append(like).append(" ESCAPE '\\' OR state LIKE ").append(like).append(" ESCAPE '\\')");
        }
        return w.toString();
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * How many runs are in {@code state} (the approvals count), or -1 when not known now: a long history is counted
     * by the index once the runs page has made it (never by reading every folder, nor by building it a second time).
     */
    int count(RunStore store, RunState state) {
        if (useIndex(store)) {
            if (!Files.exists(dev.ao.engine.run.RunIndex.fileFor(store))) return -1;
            try {
                return fromIndex(store, new View(state, true, null, Sort.NEWEST), 0, 0).total();
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
        return matching(store, state).size();
    }

    /** children.jsonl is ao's own file, a line per child; this bounds what a damaged one costs. */
    private static final int MAX_CHILDREN_FILE = 16 * 1024 * 1024;
    /**
     * A workflow run writes children.jsonl as it starts, before any child exists; a detached one within seconds of
     * its folder being made. A folder without one after this long is not a workflow's.
     */
    private static final Duration NO_CHILDREN_AFTER = Duration.ofMinutes(10);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Map<String, RunState> ended = new ConcurrentHashMap<>();
    /** Workflow run id -> the size of its children.jsonl when it was last read (the file only grows). */
    private final Map<String, Long> workflows = new ConcurrentHashMap<>();
    private final Set<String> children = ConcurrentHashMap.newKeySet();
    /** Folders that will never hold a children.jsonl. */
    private final Set<String> plain = ConcurrentHashMap.newKeySet();
    private volatile boolean firstDone;

    /** The ids matching {@code filter} (null: all), newest first, and the records of {@code [offset, offset+limit)}. */
    Slice slice(RunStore store, RunState filter, int offset, int limit) {
        return slice(store, filter, true, offset, limit);
    }

    /** As {@link #slice(RunStore, RunState, int, int)}; without {@code withChildren}, the runs of workflow jobs are left out. */
    Slice slice(RunStore store, RunState filter, boolean withChildren, int offset, int limit) {
        List<String> ids = matching(store, filter);
        if (!withChildren) ids = withoutChildren(store, ids);
        int from = Math.max(0, Math.min(offset, ids.size()));
        Map<String, RunRecord> rows = new LinkedHashMap<>();
        int i = from;
        int to = from + Math.max(0, limit);
        while (i < Math.min(ids.size(), to)) {
            String id = ids.get(i);
            Optional<RunRecord> r = read(store, id);
            if (!withChildren && r.isPresent() && r.get().parent() != null) {
                // a child whose workflow has not listed it yet (it is listed just after its run.json is written),
                // or one the scan has not reached
                ids.remove(i);
                continue;
            }
            r.ifPresent(x -> rows.put(id, x));
            i++;
        }
        return new Slice(ids, rows, from);
    }

    List<String> matching(RunStore store, RunState filter) {
        List<String> all = store.ids();
        if (filter == null) return all;
        List<String> out = new ArrayList<>();
        for (String id : all) {
            RunState s = ended.get(id);
            if (s == null) {
                Optional<RunRecord> r = read(store, id);
                if (r.isEmpty()) continue;
                s = r.get().state();
            }
            if (s == filter) out.add(id);
        }
        return out;
    }

    /** {@code ids} without the child runs of any workflow among them (a copy the caller may change). */
    List<String> withoutChildren(RunStore store, List<String> ids) {
        if (firstDone) scan(store, ids);
        firstDone = true;
        List<String> out = new ArrayList<>(ids.size());
        for (String id : ids) if (!children.contains(id)) out.add(id);
        return out;
    }

    private void scan(RunStore store, List<String> ids) {
        // ids begin with the UTC second they were made in, so "old enough" is a string comparison
        String young = ID_TIME.format(Instant.now().minus(NO_CHILDREN_AFTER));
        for (String id : ids) {
            // an ended run that is not a workflow will never have children (a workflow's state is never kept)
            if (plain.contains(id) || ended.containsKey(id)) continue;
            Path f = store.dir(id).resolve(WorkflowRunner.CHILDREN);
            // java.io.File: a missing file is a boolean, not an exception, and most folders have none
            File file = f.toFile();
            if (!file.exists()) {
                if (id.compareTo(young) < 0) plain.add(id);
                continue;
            }
            long size = file.length();
            Long seen = workflows.get(id);
            if (seen != null && seen == size) continue;
            readChildren(f);
            workflows.put(id, size);
        }
    }

    private void readChildren(Path f) {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return;
        byte[] bytes;
        try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_CHILDREN_FILE);
        } catch (IOException e) {
            return;
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = RunStore.JSON.readTree(line);
                String id = n.path("id").asText("");
                if (!id.isEmpty()) children.add(id);
            } catch (IOException e) {
                // a line being appended, or damage: the next read sees it whole
            }
        }
    }

    /** Reads one run and remembers its state if it has ended (a workflow's never: it may be resumed). */
    Optional<RunRecord> read(RunStore store, String id) {
        Optional<RunRecord> r = store.read(id);
        r.ifPresent(x -> {
            if (x.parent() != null) children.add(id);
            if (x.state().terminal() && !RunRecord.KIND_WORKFLOW.equals(x.kind())) ended.put(id, x.state());
            else ended.remove(id);
        });
        return r;
    }
}
