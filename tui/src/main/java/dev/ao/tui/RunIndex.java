package dev.ao.tui;

import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pages over the run store so that a large history stays fast: the id listing is a directory listing, and only
 * the run.json files of the rows asked for are read. Filtering by state needs each run's state; an ended run
 * never changes, so its state is remembered (a few bytes per run) and only live runs are read again.
 */
final class RunIndex {
    /** What one load of the runs table saw. {@code ids} are all matching ids, newest first. */
    record Slice(List<String> ids, Map<String, RunRecord> rows, int offset) {}

    private final Map<String, RunState> ended = new ConcurrentHashMap<>();

    /** The ids matching {@code filter} (null: all), newest first, and the records of {@code [offset, offset+limit)}. */
    Slice slice(RunStore store, RunState filter, int offset, int limit) {
        List<String> ids = matching(store, filter);
        int from = Math.max(0, Math.min(offset, ids.size()));
        int to = Math.min(ids.size(), from + Math.max(0, limit));
        Map<String, RunRecord> rows = new LinkedHashMap<>();
        for (String id : ids.subList(from, to)) {
            Optional<RunRecord> r = read(store, id);
            r.ifPresent(x -> rows.put(id, x));
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

    /** Reads one run and remembers its state if it has ended. */
    Optional<RunRecord> read(RunStore store, String id) {
        Optional<RunRecord> r = store.read(id);
        r.ifPresent(x -> {
            if (x.state().terminal()) ended.put(id, x.state());
        });
        return r;
    }
}
