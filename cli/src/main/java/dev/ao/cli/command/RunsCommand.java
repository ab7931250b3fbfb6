package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Table;
import dev.ao.cli.Terminal;
import dev.ao.cli.render.Durations;
import dev.ao.cli.render.LogFollower;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.run.DetachedRuns;
import dev.ao.engine.run.RunLogs;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao runs}: what ran, how it ended, its logs. */
@Command(name = "runs", description = "List, inspect, follow, cancel and approve runs.",
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Logs.class, RunsCommand.Cancel.class,
                RunsCommand.Approve.class, RunsCommand.Reject.class, RunsCommand.Prune.class})
public final class RunsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String colorState(Terminal t, RunState s) {
        return switch (s) {
            case SUCCEEDED -> t.green(s.id());
            case FAILED, TIMED_OUT, LOST, REJECTED -> t.red(s.id());
            case RUNNING, WAITING_APPROVAL, QUEUED -> t.yellow(s.id());
            default -> s.id();
        };
    }

    @Command(name = "list", aliases = "ls", description = "List runs, newest first.")
    static final class ListRuns implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Option(names = "--state", paramLabel = "STATE", description = "Only runs in this state (succeeded, failed, running, lost, ...).")
        String state;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N runs (0 = all; default: ${DEFAULT-VALUE}).")
        int limit;
        @Mixin OutputOptions output;

        ListRuns(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            RunState filter = state == null ? null : RunState.parse(state);
            if (limit < 0) throw AoException.usage("--limit must be 0 or more, got " + limit);
            List<RunRecord> runs = ctx.store().list(r -> filter == null || r.state() == filter, limit);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                runs.forEach(r -> arr.add(RunJson.of(r)));
                out.println(Json.write(arr));
                return 0;
            }
            if (runs.isEmpty()) {
                spec.commandLine().getErr().println("no runs" + (filter != null ? " in state " + filter.id() : "") + " in " + ctx.store().runsDir());
                return 0;
            }
            Terminal t = ctx.terminal();
            Table table = new Table("ID", "SKILL/SCRIPT", "STATE", "STARTED", "DURATION", "EXIT");
            for (RunRecord r : runs) {
                Long d = r.elapsedMs();
                table.row(SafeText.line(r.id()), SafeText.line(r.label()), colorState(t, r.state()), ago(r.createdAt()), d == null ? "-" : Durations.human(d),
                        r.exitCode() == null ? "-" : r.exitCode().toString());
            }
            out.print(table);
            return 0;
        }
    }

    static String ago(String iso) {
        if (iso == null) return "-";
        long s = Duration.between(Instant.parse(iso), Instant.now()).toSeconds();
        if (s < 60) return s + "s ago";
        if (s < 3600) return (s / 60) + "m ago";
        if (s < 86400) return (s / 3600) + "h ago";
        return (s / 86400) + "d ago";
    }

    @Command(name = "show", description = "Show one run: state, times, sandbox, parameters, summary.")
    static final class Show implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;
        @Option(names = "--full", description = "Print the whole summary, not the bounded one.")
        boolean full;
        @Mixin OutputOptions output;

        Show(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws IOException {
            RunStore store = ctx.store();
            RunRecord r = store.resolve(id);
            PrintWriter out = spec.commandLine().getOut();
            Path summaryFile = store.dir(r.id()).resolve(RunStore.SUMMARY);
            String fullSummary = Files.isRegularFile(summaryFile) ? Files.readString(summaryFile) : r.summary();
            if (output.json()) {
                ObjectNode n = RunJson.of(r);
                n.set("params", r.params());
                n.set("sandbox", r.sandbox());
                if (r.approval() != null) n.set("approval", Json.MAPPER.valueToTree(r.approval()));
                if (r.supervisor() != null) n.set("supervisor", Json.MAPPER.valueToTree(r.supervisor()));
                n.put("workspace", r.workspace());
                n.put("run_dir", store.dir(r.id()).toString());
                if (full) n.put("summary", fullSummary == null ? "" : fullSummary);
                ArrayNode ev = n.putArray("events");
                store.events(r.id()).forEach(ev::add);
                out.println(Json.write(n));
                return 0;
            }
            Terminal t = ctx.terminal();
            out.println(t.bold("run " + r.id()) + "  " + colorState(t, r.state()) + (r.reason() != null ? " (" + SafeText.line(r.reason()) + ")" : ""));
            out.println("  skill/script  " + SafeText.line(r.label()) + (r.source() != null
                    ? "  from " + SafeText.line(r.source().url()) + " @ " + SafeText.line(r.source().commit()) : ""));
            out.println("  started       " + (r.startedAt() == null ? "-" : r.startedAt()));
            out.println("  ended         " + (r.endedAt() == null ? "-" : r.endedAt()));
            Long d = r.elapsedMs();
            out.println("  duration      " + (d == null ? "-" : Durations.human(d)));
            out.println("  exit code     " + (r.exitCode() == null ? "-" : r.exitCode()));
            if (r.sandbox() != null) {
                out.println("  sandbox       " + r.sandbox().path("mode").asText() + ", network " + (r.sandbox().path("network").asBoolean() ? "on" : "off"));
            }
            if (r.approval() != null) out.println("  approval      " + SafeText.line(r.approval().decision() + " by " + r.approval().by() + " at " + r.approval().at()));
            out.println("  parameters    " + (r.params() == null ? "{}" : SafeText.line(r.params().toString())));
            if (r.outputs() != null && !r.outputs().isEmpty()) out.println("  outputs       " + SafeText.line(r.outputs().toString()));
            out.println("  workspace     " + SafeText.line(r.workspace()) + (Boolean.FALSE.equals(r.workspaceKept()) ? " (removed)" : ""));
            out.println("  logs          " + r.stdoutLog() + ", " + r.stderrLog());
            String s = full ? fullSummary : r.summary();
            if (s != null && !s.isBlank()) {
                out.println();
                out.println(SafeText.block(s.stripTrailing()));
            }
            return 0;
        }
    }

    @Command(name = "logs", description = "Print a run's stdout (or stderr); -f follows a live run.")
    static final class Logs implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;
        @Option(names = "--stderr", description = "Show stderr.log instead of stdout.log.")
        boolean stderr;
        @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
        Integer tail;
        @Option(names = {"-f", "--follow"}, description = "Keep printing as the run writes, until it ends.")
        boolean follow;

        Logs(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws Exception {
            RunStore store = ctx.store();
            RunRecord r = store.resolve(id);
            Path dir = store.dir(r.id());
            Path file = dir.resolve(stderr ? RunStore.STDERR : RunStore.STDOUT);
            PrintWriter out = spec.commandLine().getOut();
            if (tail != null && tail < 0) throw AoException.usage("--tail must be 0 or more, got " + tail);
            long start = tail == null ? 0 : RunLogs.tailOffset(file, tail);
            boolean toTerminal = Terminal.outputIsTerminal();
            if (!follow) {
                copyRange(file, start, out, toTerminal ? new SafeText.Filter(true) : null);
                return 0;
            }
            PrintWriter sink = new PrintWriter(java.io.Writer.nullWriter());
            LogFollower f = stderr ? new LogFollower(dir, sink, out).from(Long.MAX_VALUE, start)
                    : new LogFollower(dir, out, sink).from(start, Long.MAX_VALUE);
            f.sanitized(toTerminal);
            while (true) {
                f.pump();
                RunRecord now = store.read(r.id()).orElse(r);
                if (now.state().terminal()) {
                    f.pump();
                    return 0;
                }
                Thread.sleep(200);
            }
        }

        private static void copyRange(Path file, long start, PrintWriter out, SafeText.Filter filter) throws IOException {
            if (!Files.exists(file)) return;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                raf.seek(start);
                byte[] buf = new byte[64 * 1024];
                java.io.InputStream in = java.nio.channels.Channels.newInputStream(raf.getChannel());
                java.io.Reader reader = new java.io.InputStreamReader(in, StandardCharsets.UTF_8);
                char[] cbuf = new char[32 * 1024];
                int n;
                while ((n = reader.read(cbuf)) > 0) {
                    if (filter == null) out.write(cbuf, 0, n);
                    else out.write(filter.feed(java.nio.CharBuffer.wrap(cbuf, 0, n)));
                }
                out.flush();
            }
        }
    }

    @Command(name = "cancel", description = "Stop a running run and its whole process tree; it ends canceled.")
    static final class Cancel implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;

        Cancel(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws InterruptedException {
            RunRecord r = DetachedRuns.cancel(ctx.store(), id, Duration.ofSeconds(10));
            spec.commandLine().getOut().println(r.id() + " " + r.state().id());
            return r.state() == RunState.CANCELED || r.state() == RunState.LOST ? 0 : 1;
        }
    }

    @Command(name = "approve", description = "Approve a run that is waiting_approval.")
    static final class Approve implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;

        Approve(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            DetachedRuns.decide(ctx.store(), id, true, ctx.env().getOrDefault("USER", "unknown") + " via ao runs approve");
            spec.commandLine().getOut().println("approved " + ctx.store().resolve(id).id());
            return 0;
        }
    }

    @Command(name = "reject", description = "Reject a run that is waiting_approval.")
    static final class Reject implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID") String id;

        Reject(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            DetachedRuns.decide(ctx.store(), id, false, ctx.env().getOrDefault("USER", "unknown") + " via ao runs reject");
            spec.commandLine().getOut().println("rejected " + ctx.store().resolve(id).id());
            return 0;
        }
    }

    @Command(name = "prune", description = "Delete ended runs, keeping the newest N (default 100).")
    static final class Prune implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Option(names = "--keep", paramLabel = "N", defaultValue = "100", description = "Ended runs to keep (default: ${DEFAULT-VALUE}).")
        int keep;
        @Option(names = "--dry-run", description = "Only say what would be deleted.")
        boolean dryRun;

        Prune(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            if (keep < 0) throw AoException.usage("--keep must be 0 or more, got " + keep);
            RunStore store = ctx.store();
            List<RunRecord> ended = store.list(r -> r.state().terminal(), 0);
            int deleted = 0;
            for (RunRecord r : ended.subList(Math.min(keep, ended.size()), ended.size())) {
                if (!dryRun) store.delete(r.id());
                deleted++;
            }
            spec.commandLine().getOut().println((dryRun ? "would delete " : "deleted ") + deleted + " run(s), kept " + Math.min(keep, ended.size()));
            return 0;
        }
    }
}
