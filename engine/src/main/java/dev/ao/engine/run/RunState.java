package dev.ao.engine.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.ao.engine.AoException;

import java.util.Locale;

/** {@code queued -> running -> succeeded | failed | timed_out | canceled}, with approvals and {@code lost}. */
public enum RunState {
    QUEUED, WAITING_APPROVAL, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELED, REJECTED, LOST;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static RunState parse(String s) {
        for (RunState r : values()) {
            if (r.id().equals(s)) return r;
        }
        throw AoException.usage("unknown run state '" + s + "' (one of queued, waiting_approval, running, succeeded, failed, timed_out, canceled, rejected, lost)");
    }

    /** A run in this state will not change any more. */
    public boolean terminal() {
        return this != QUEUED && this != WAITING_APPROVAL && this != RUNNING;
    }

    @Override
    public String toString() {
        return id();
    }
}
