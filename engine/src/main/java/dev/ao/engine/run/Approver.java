package dev.ao.engine.run;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** Who says yes or no to a run that needs a person: a TTY prompt, the TUI, or nobody (CI). */
@FunctionalInterface
public interface Approver {

    /** What a person sees before deciding. */
    record Request(String runId, String label, ObjectNode params, String sandboxMode, boolean network,
                   List<String> scriptHead, String why) {}

    /** @param reason why a run was refused, when "rejected by {@code by}" would not say it; else null */
    record Decision(boolean approved, String by, String reason) {
        public Decision(boolean approved, String by) {
            this(approved, by, null);
        }
    }

    Decision decide(Request request) throws InterruptedException;

    /** No one to ask: without {@code --approve} the run is rejected. */
    Approver NOBODY = r -> new Decision(false, "nobody (no terminal to ask)", "approval required; not at a terminal (pass --approve)");
}
