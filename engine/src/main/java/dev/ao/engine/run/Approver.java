package dev.ao.engine.run;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** Who says yes or no to a run that needs a person: a TTY prompt, the TUI, or nobody (CI). */
@FunctionalInterface
public interface Approver {

    /** What a person sees before deciding. */
    record Request(String runId, String label, ObjectNode params, String sandboxMode, boolean network,
                   List<String> scriptHead, String why) {}

    record Decision(boolean approved, String by) {}

    Decision decide(Request request) throws InterruptedException;

    /** No one to ask: without {@code --approve} the run is rejected. */
    Approver NOBODY = r -> new Decision(false, "nobody: no TTY to ask (CI or no terminal); pass --approve");
}
