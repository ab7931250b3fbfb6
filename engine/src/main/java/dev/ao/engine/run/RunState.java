package dev.ao.engine.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.ao.engine.AoException;

import java.util.Locale;

/**
 * {@code queued -> running -> succeeded | failed | timed_out | canceled}, with approvals, {@code blocked} (waiting for a
 * concurrency slot) and {@code lost}. A workflow adds {@code paused} (starts no new job), and for its jobs
 * {@code skipped} and {@code interrupted} (running when its supervisor died, and not idempotent).
 */
public enum RunState {
    QUEUED, WAITING_APPROVAL, BLOCKED, RUNNING, PAUSED, SUCCEEDED, FAILED, TIMED_OUT, CANCELED, REJECTED, SKIPPED,
    INTERRUPTED, LOST;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static RunState parse(String s) {
        for (RunState r : values()) {
            if (r.id().equals(s)) return r;
        }
        throw AoException.usage("unknown run state '" + s + "' (one of " + String.join(", ", java.util.Arrays.stream(values()).map(RunState::id).toList()) + ")");
    }

    /** A run in this state will not change any more. */
    public boolean terminal() {
        return this != QUEUED && this != WAITING_APPROVAL && this != BLOCKED && this != RUNNING && this != PAUSED;
    }

    @Override
    public String toString() {
        return id();
    }
}
