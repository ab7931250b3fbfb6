package dev.ao.engine.concurrency;

import dev.ao.engine.AoException;
import dev.ao.engine.workflow.Workflow;

import java.nio.file.Path;

/**
 * A second ao-like process for {@link ConcurrencyProcessesTest}: takes a slot and holds it until its stdin closes or
 * a cancel-in-progress run asks it to cancel. Says what happens on stdout, one line each.
 * Args: STATE_DIR GROUP LIMIT queue|cancel-in-progress|fail RUN_ID
 */
public final class SlotHolderMain {
    private SlotHolderMain() {}

    public static void main(String[] args) throws Exception {
        ConcurrencyGroups groups = new ConcurrencyGroups(Path.of(args[0]));
        Workflow.OnConflict onConflict = Workflow.OnConflict.parse(args[3]);
        Slot slot;
        try {
            slot = groups.acquire(args[1], Integer.parseInt(args[2]), onConflict, Holder.current(args[4], args[4] + ".sh"),
                    (g, holders, position) -> say("BLOCKED " + position + " " + String.join(",", holders.stream().map(Holder::runId).toList())),
                    () -> false);
        } catch (AoException e) {
            say("REFUSED " + e.exitCode().code() + " " + e.getMessage());
            System.exit(e.exitCode().code());
            return;
        }
        say("HELD " + slot.index());
        slot.onCancelRequest(() -> {
            // the run this process stands for is canceled: it ends and lets go of its slot
            say("CANCEL-REQUESTED");
            slot.close();
            System.exit(0);
        });
        while (System.in.read() >= 0) {
            // hold until the test closes our stdin
        }
        slot.close();
        say("RELEASED");
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
