package dev.ao.engine.concurrency;

/**
 * Who holds or waits for a slot of a concurrency group: a run, what it is called in listings, and the ao process
 * (its pid) whose file lock keeps the slot.
 */
public record Holder(String runId, String label, long pid) {

    /** A run supervised by this very process. */
    public static Holder current(String runId, String label) {
        return new Holder(runId, label, ProcessHandle.current().pid());
    }

    /** {@code run 2025...-ab12 (deploy.sh, pid 4242)}: for one-line messages. */
    public String describe() {
        return "run " + runId + " (" + label + ", pid " + pid + ")";
    }
}
