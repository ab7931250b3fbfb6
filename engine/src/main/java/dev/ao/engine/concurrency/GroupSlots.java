package dev.ao.engine.concurrency;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.workflow.Workflow;
import dev.ao.engine.workflow.WorkflowRunner;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A workflow's concurrency groups (its own and its jobs') as slots of {@link ConcurrencyGroups}, shared with every
 * other ao process on the machine. A group without a limit in the workflow takes the config's, else 1.
 */
public final class GroupSlots implements WorkflowRunner.Slots {
    private final AoConfig config;
    private final ConcurrencyGroups groups;

    public GroupSlots(AoConfig config) {
        this.config = config;
        this.groups = new ConcurrencyGroups(config.stateDir());
    }

    @Override
    public AutoCloseable acquire(String group, Integer limit, Workflow.OnConflict onConflict, String runId, String label,
                                 Consumer<String> blocked, BooleanSupplier canceled, Runnable onCancelRequest)
            throws InterruptedException {
        ConcurrencyGroups.validate(group);
        int n = limit != null ? limit : config.concurrencyLimit(group, 1);
        Slot slot;
        try {
            slot = groups.acquire(group, n, onConflict, Holder.current(runId, label), (g, holders, position) -> blocked.accept(
                    (holders.isEmpty() ? "full" : "held by " + String.join(", ", holders.stream().map(Holder::describe).toList()))
                            + "; number " + position + " in line (limit " + n + ")"), canceled);
        } catch (AoException e) {
            if (e.exitCode() == ExitCode.CANCELED) return () -> {};
            throw e;
        }
        slot.onCancelRequest(onCancelRequest);
        return slot;
    }

    /**
     * A job on Kubernetes takes its slot in the cluster ({@link dev.ao.engine.k8s.LeaseSlots}), so that every ao using
     * the cluster keeps to the limit; on_conflict cancel-in-progress is not carried across machines (it queues).
     */
    @Override
    public AutoCloseable acquire(String group, Integer limit, Workflow.OnConflict onConflict, String runId, String label,
                                 Consumer<String> blocked, BooleanSupplier canceled, Runnable onCancelRequest, boolean cluster)
            throws InterruptedException {
        if (!cluster) return acquire(group, limit, onConflict, runId, label, blocked, canceled, onCancelRequest);
        ConcurrencyGroups.validate(group);
        int n = limit != null ? limit : config.concurrencyLimit(group, 1);
        dev.ao.engine.k8s.K8sSettings settings = dev.ao.engine.k8s.K8sSettings.of(config);
        io.fabric8.kubernetes.client.KubernetesClient c = dev.ao.engine.k8s.K8sJobRun.client(settings.context());
        try {
            dev.ao.engine.k8s.LeaseSlots.Slot slot = new dev.ao.engine.k8s.LeaseSlots(c, dev.ao.engine.k8s.K8sJobRun.namespace(c, settings))
                    .acquire(group, n, dev.ao.engine.k8s.LeaseSlots.identity(runId), label, holders -> blocked.accept(
                            (holders.isEmpty() ? "full" : "held in the cluster by " + String.join(", ", holders.stream()
                                    .map(dev.ao.engine.k8s.LeaseSlots.Held::holder).toList())) + " (limit " + n + ")"), canceled);
            return () -> {
                try {
                    slot.close();
                } finally {
                    c.close();
                }
            };
        } catch (AoException e) {
            c.close();
            if (e.exitCode() == ExitCode.CANCELED) return () -> {};
            throw e;
        } catch (InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    static List<String> names(List<Holder> hs) {
        return hs.stream().map(Holder::describe).toList();
    }
}
