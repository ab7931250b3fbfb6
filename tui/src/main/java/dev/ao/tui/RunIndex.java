package dev.ao.tui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.workflow.WorkflowRunner;

import java.io.File;
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
