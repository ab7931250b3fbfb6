package dev.ao.engine.concurrency;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.workflow.Workflow;
import dev.ao.engine.workflow.WorkflowRunner;

/** TEMPORARY until ConcurrencyGroups lands. */
public final class GroupSlots implements WorkflowRunner.Slots {
    public GroupSlots(AoConfig config) {}

    @Override
    public AutoCloseable acquire(String group, Integer limit, Workflow.OnConflict onConflict, String runId, String label,
                                 java.util.function.Consumer<String> blocked, java.util.function.BooleanSupplier canceled) {
        return () -> {};
    }
}
