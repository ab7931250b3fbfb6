package dev.ao.engine.concurrency;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slot of a concurrency group, held until {@link #close()} (or until this process dies: the kernel lets go of the
 * lock). A run that holds one registers {@link #onCancelRequest} so that a newer run of a {@code cancel-in-progress}
 * group can have it canceled: only this run, never the rest of the process it lives in.
 */
public final class Slot implements AutoCloseable {
    /** How often a holder looks for a cancel request. */
    static final long WATCH_MS = 100;
    private static final Set<Slot> WATCHED = ConcurrentHashMap.newKeySet();
    private static volatile ScheduledExecutorService watcher;

    private final ConcurrencyGroups groups;
    private final GroupFiles files;
    private final String group;
    private final int index;
    private final Holder holder;
    private final Instant since;
    private final String token;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile Runnable onCancel;

    Slot(ConcurrencyGroups groups, GroupFiles files, String group, int index, Holder holder, Instant since, String token) {
        this.groups = groups;
        this.files = files;
        this.group = group;
        this.index = index;
        this.holder = holder;
        this.since = since;
        this.token = token;
    }

    public String group() { return group; }

    /** Which slot of the group: 0 to limit - 1. */
    public int index() { return index; }

    public Holder holder() { return holder; }

    public Instant since() { return since; }

    /** Whether a {@code cancel-in-progress} run has asked this holder to cancel. */
    public boolean cancelRequested() {
        return !closed.get() && groups.cancelRequested(files, index, token);
    }

    /**
     * Runs {@code hook} once (on a watcher thread, within about {@value #WATCH_MS} ms) when a {@code cancel-in-progress}
     * run of the group asks this holder to cancel. The hook should cancel this run; the slot is let go when the run
     * closes it, as always.
     */
    public Slot onCancelRequest(Runnable hook) {
        onCancel = hook;
        if (!closed.get()) {
            WATCHED.add(this);
            startWatcher();
        }
        return this;
    }

    private static synchronized void startWatcher() {
        if (watcher != null) return;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ao-concurrency-cancel-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(Slot::check, WATCH_MS, WATCH_MS, TimeUnit.MILLISECONDS);
    }

    private static void check() {
        for (Slot s : WATCHED) {
            if (s.closed.get()) {
                WATCHED.remove(s);
                continue;
            }
            Runnable hook = s.onCancel;
            if (hook != null && s.cancelRequested() && s.fired.compareAndSet(false, true)) {
                WATCHED.remove(s);
                try {
                    hook.run();
                } catch (RuntimeException e) {
                    // the hook's own failure must not stop the watch for other slots
                }
            }
        }
    }

    /** Lets go of the slot; the next in line takes it. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        WATCHED.remove(this);
        groups.release(files, index);
    }

    @Override
    public String toString() {
        return "slot " + index + " of concurrency group '" + group + "' held by " + holder.describe();
    }
}
