package dev.ao.cli.command;

import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Table;
import dev.ao.engine.SafeText;
import dev.ao.engine.concurrency.ConcurrencyGroups;
import dev.ao.engine.concurrency.GroupStatus;
import dev.ao.engine.concurrency.Occupant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao concurrency}: the concurrency groups of this project (or of the user's state dir), who holds and who waits. */
@Command(name = "concurrency", description = {"Show concurrency groups: their limits, who holds their slots, who waits.",
        "A group lets at most LIMIT runs go at once across every ao on this machine;",
        "the others wait in line, first come first served, in state blocked.",
        "Name a group with 'ao run --concurrency GROUP'."},
        subcommands = ConcurrencyCommand.ListGroups.class,
        footerHeading = "%nConfig:%n",
        footer = {"In dotcodex/config.toml or ~/.config/ao/config.toml (a group with no table: 1):",
                "  [concurrency.groups.deploy-prod]",
                "  limit = 1"})
public final class ConcurrencyCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One group as {@code -o json} prints it. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record GroupJson(String group, Integer limit, String limitOrigin, int held, int waiting, List<OccupantJson> holders,
                     List<OccupantJson> waiters, List<ClusterJson> clusterHolders) {
        static GroupJson of(GroupStatus s, List<ClusterJson> cluster) {
            return new GroupJson(s.group(), s.limit(), s.limitOrigin(), s.holders().size(), s.waiting().size(),
                    s.holders().stream().map(OccupantJson::of).toList(), s.waiting().stream().map(OccupantJson::of).toList(), cluster);
        }
    }

    /** A slot of a group held in the cluster (a k8s run's Lease): the holder is {@code <run id>@<host>}. */
    record ClusterJson(int slot, String holder, String label, String renewed, boolean expired) {
        static ClusterJson of(dev.ao.engine.k8s.LeaseSlots.Held h) {
            return new ClusterJson(h.slot(), h.holder(), h.label(), h.renewed() == null ? null : h.renewed().toString(), h.expired());
        }
    }

    /** A holder ({@code slot} set) or a waiter ({@code position} set, 1 is next). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record OccupantJson(String runId, String label, long pid, String since, Integer slot, Integer position) {
        static OccupantJson of(Occupant o) {
            return new OccupantJson(o.runId(), o.label(), o.pid(), o.since() == null ? null : o.since().toString(), o.slot(), o.position());
        }
    }

    @Command(name = "list", aliases = "ls", description = {"List the groups configured or in use: limit, holders, waiters.",
            "Read from kernel file locks under the state dir: a run whose ao died holds nothing."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao concurrency list",
                    "  ao concurrency list -o json | jq '.[] | select(.waiting > 0)'",
                    "  ao run ./deploy.sh --concurrency deploy-prod   (a second one waits)"})
    static final class ListGroups implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        ListGroups(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws InterruptedException {
            List<GroupStatus> groups = new ConcurrencyGroups(ctx.config().stateDir()).list(ctx.config().concurrencyGroups());
            java.util.Map<String, List<ClusterJson>> cluster = clusterHolders();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                List<GroupJson> all = new java.util.ArrayList<>();
                for (GroupStatus g : groups) all.add(GroupJson.of(g, cluster == null ? null : cluster.getOrDefault(g.group(), List.of())));
                if (cluster != null) {
                    // groups held only in the cluster
                    cluster.forEach((g, hs) -> {
                        if (groups.stream().noneMatch(x -> x.group().equals(g))) {
                            all.add(new GroupJson(g, ctx.config().concurrencyLimit(g, 1), null, 0, 0, List.of(), List.of(), hs));
                        }
                    });
                }
                out.println(Json.write(all));
                return 0;
            }
            printCluster(out, cluster);
            if (groups.isEmpty()) {
                spec.commandLine().getErr().println("no concurrency groups: none configured ([concurrency.groups.NAME] limit = N) and none in use under "
                        + ctx.config().stateDir().resolve(ConcurrencyGroups.DIR));
                return 0;
            }
            Table t = new Table("GROUP", "LIMIT", "HELD", "WAITING");
            for (GroupStatus g : groups) {
                t.row(g.group(), g.limit() == null ? "-" : g.limit().toString(), String.valueOf(g.holders().size()), String.valueOf(g.waiting().size()));
            }
            out.print(t);
            for (GroupStatus g : groups) {
                if (g.holders().isEmpty() && g.waiting().isEmpty()) continue;
                out.println();
                Table who = new Table("  " + g.group(), "RUN", "SKILL/SCRIPT", "PID", "SINCE");
                for (Occupant o : g.holders()) who.row("  holds slot " + o.slot(), safe(o.runId()), safe(o.label()), String.valueOf(o.pid()), ago(o.since()));
                for (Occupant o : g.waiting()) who.row("  waits #" + o.position(), safe(o.runId()), safe(o.label()), String.valueOf(o.pid()), ago(o.since()));
                out.print(who);
            }
            return 0;
        }

        /**
         * Who holds slots in the cluster, by group: null when no [runners.k8s] is configured or the cluster cannot be
         * reached (quietly: the local groups are still worth listing).
         */
        private java.util.Map<String, List<ClusterJson>> clusterHolders() {
            boolean configured = ctx.config().values().entrySet().stream()
                    .anyMatch(e -> e.getKey().startsWith("runners.k8s.") && !"default".equals(e.getValue().origin()));
            if (!configured) return null;
            try {
                dev.ao.engine.k8s.K8sSettings settings = dev.ao.engine.k8s.K8sSettings.of(ctx.config());
                try (io.fabric8.kubernetes.client.KubernetesClient c = dev.ao.engine.k8s.K8sJobRun.client(settings.context())) {
                    java.util.Map<String, List<ClusterJson>> by = new java.util.TreeMap<>();
                    for (dev.ao.engine.k8s.LeaseSlots.Held h : new dev.ao.engine.k8s.LeaseSlots(c, dev.ao.engine.k8s.K8sJobRun.namespace(c, settings)).list()) {
                        if (h.holder() == null) continue;
                        by.computeIfAbsent(h.group(), k -> new java.util.ArrayList<>()).add(ClusterJson.of(h));
                    }
                    return by;
                }
            } catch (RuntimeException e) {
                return null;
            }
        }

        private static void printCluster(PrintWriter out, java.util.Map<String, List<ClusterJson>> cluster) {
            if (cluster == null || cluster.isEmpty()) return;
            Table t = new Table("CLUSTER GROUP", "SLOT", "HOLDER", "SKILL/SCRIPT", "RENEWED");
            cluster.forEach((g, hs) -> hs.forEach(h -> t.row(safe(g), String.valueOf(h.slot()), safe(h.holder()), safe(h.label()),
                    (h.renewed() == null ? "-" : RunsCommand.ago(h.renewed())) + (h.expired() ? " (expired)" : ""))));
            out.print(t);
            out.println();
        }

        private static String safe(String s) {
            return s == null ? "?" : SafeText.line(s);
        }

        private static String ago(Instant since) {
            return since == null ? "-" : RunsCommand.ago(since.toString());
        }
    }
}
