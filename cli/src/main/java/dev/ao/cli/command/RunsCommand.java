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
import dev.ao.engine.run.RunIndex;
import dev.ao.engine.run.Retention;
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
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Logs.class, RunsCommand.Wait.class, RunsCommand.Cancel.class,
                RunsCommand.Approve.class, RunsCommand.Reject.class, RunsCommand.Prune.class, RunsCommand.Rerun.class,
                RunsCommand.Pause.class, RunsCommand.Resume.class, RunsCommand.Reindex.class, RunsCommand.Query.class})
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
            case RUNNING, WAITING_APPROVAL, QUEUED, BLOCKED, PAUSED -> t.yellow(s.id());
            case INTERRUPTED -> t.red(s.id());
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
        @Option(names = "--skill", paramLabel = "S", description = "Only runs of this skill id or script path (as labelled in the list).")
        String skill;
        @Option(names = "--since", paramLabel = "TIME", description = "Only runs created at or after TIME: a duration back from now (90s, 30m, 2h, 7d) or an ISO time (2025-01-31T12:00:00Z, 2025-01-31).")
        String since;
        @Option(names = "--until", paramLabel = "TIME", description = "Only runs created before TIME (same forms as --since).")
        String until;
        @Option(names = {"-a", "--all"}, description = "Also the child runs of workflows (a run per job and per for_each item); by default a workflow is one line.")
        boolean all;
        @Option(names = "--parent", paramLabel = "ID", description = "Only the child runs of this workflow run.")
        String parent;
        @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Skip the first N matching runs (with --limit: a page).")
        int offset;
        @Mixin OutputOptions output;

        ListRuns(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            RunState filter = state == null ? null : RunState.parse(state);
            if (limit < 0) throw AoException.usage("--limit must be 0 or more, got " + limit);
            if (offset < 0) throw AoException.usage("--offset must be 0 or more, got " + offset);
            Instant from = since == null ? null : RunTimes.parse(since, "--since", Instant.now());
            Instant to = until == null ? null : RunTimes.parse(until, "--until", Instant.now());
            RunStore store = ctx.store();
            List<RunRecord> runs = listed(store, new RunIndex.Query(filter, skill, from, to, parent, all, limit, offset));
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
                table.row(SafeText.line(r.id()), SafeText.line(r.label()) + (RunRecord.KIND_WORKFLOW.equals(r.kind()) ? t.dim(" [workflow]") : ""), colorState(t, r.state()), ago(r.createdAt()), d == null ? "-" : Durations.human(d),
                        r.exitCode() == null ? "-" : r.exitCode().toString());
            }
            out.print(table);
            return 0;
        }

        /**
         * The index picks the ids, the files describe the runs (so the output is what the files say); when the index
         * cannot be used, the files alone answer, with one line of warning.
         */
        private List<RunRecord> listed(RunStore store, RunIndex.Query q) {
            PrintWriter err = spec.commandLine().getErr();
            List<String> ids;
            if (!RunIndex.worthUsing(store, RunIndex.indexFrom(ctx.env()))) return fromFiles(store, q);
            try (RunIndex index = RunIndex.open(store, w -> err.println(ctx.terminal().yellow("ao: warning: " + w)))) {
                ids = index.ids(q);
            } catch (RuntimeException | LinkageError e) {
                err.println(ctx.terminal().yellow("ao: warning: the run index cannot be used (" + e.getMessage() + "); listing from the run folders"));
                return fromFiles(store, q);
            }
            List<RunRecord> runs = new java.util.ArrayList<>(ids.size());
            for (String id : ids) store.read(id).ifPresent(runs::add);
            return runs;
        }

        private static List<RunRecord> fromFiles(RunStore store, RunIndex.Query q) {
            List<RunRecord> all = store.list(r -> (q.parent() != null ? q.parent().equals(r.parent()) : q.all() || r.parent() == null)
                    && (q.state() == null || r.state() == q.state())
                    && (q.skill() == null || q.skill().equals(r.label()) || q.skill().equals(r.skill()))
                    && RunTimes.within(r.createdAt(), q.since(), q.until()), q.limit() == 0 ? 0 : q.limit() + q.offset());
            return all.subList(Math.min(q.offset(), all.size()), all.size());
        }
    }

    @Command(name = "reindex", description = "Rebuild the run index (.ao/index.db) from the run folders.")
    static final class Reindex implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;

        Reindex(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try (RunIndex index = RunIndex.open(ctx.store(), w -> err.println(ctx.terminal().yellow("ao: warning: " + w)), false)) {
                RunIndex.Sync s = index.rebuild();
                spec.commandLine().getOut().println("indexed " + s.runs() + " run(s) in " + Durations.human(s.millis()) + " (" + index.file() + ")");
            }
            return 0;
        }
    }

    @Command(name = "query", description = {"Run one read-only SQL query on the run index and print the rows.",
            "Table runs(id, label, skill, state, exit_code, created_at, started_at, ended_at, duration_ms, parent, kind, origin, mtime).",
            "Example: ao runs query \"SELECT state, count(*) AS n FROM runs GROUP BY state\""})
    static final class Query implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "SQL", description = "One SELECT (or read-only PRAGMA); statements that write and ATTACH are refused.")
        String sql;
        @Mixin OutputOptions output;

        Query(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            RunIndex.Table result;
            try (RunIndex index = RunIndex.open(ctx.store(), w -> err.println(ctx.terminal().yellow("ao: warning: " + w)))) {
                result = index.query(sql);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (List<Object> row : result.rows()) {
                    ObjectNode o = arr.addObject();
                    for (int i = 0; i < row.size(); i++) o.set(result.columns().get(i), Json.MAPPER.valueToTree(row.get(i)));
                }
                out.println(Json.write(arr));
                return 0;
            }
            if (result.columns().isEmpty()) return 0;
            Table table = new Table(result.columns().toArray(String[]::new));
            for (List<Object> row : result.rows()) {
                table.row(row.stream().map(v -> v == null ? "-" : SafeText.line(v.toString())).toArray(String[]::new));
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
            // a k8s run whose ao died: catch its log up, and record its end if the Job has ended
            r = reattach(ctx, r, false);
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
                if (RunRecord.KIND_WORKFLOW.equals(r.kind())) {
                    ArrayNode jobs = n.putArray("jobs");
                    dev.ao.engine.workflow.WorkflowView.jobs(store, r.id()).forEach(j -> jobs.add(Json.MAPPER.valueToTree(j)));
                }
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
            if (r.outputs() != null && !r.outputs().isEmpty()) {
                out.println("  outputs");
                r.outputs().forEach((k, v) -> out.println("    " + SafeText.line(k) + " = " + SafeText.line(v)));
            }
            if (r.workspace() != null) {
                out.println("  workspace     " + SafeText.line(r.workspace()) + (Boolean.FALSE.equals(r.workspaceKept()) ? " (removed)" : ""));
            }
            out.println("  logs          " + r.stdoutLog() + ", " + r.stderrLog());
            List<dev.ao.engine.run.Artifacts.Artifact> kept = dev.ao.engine.run.Artifacts.list(store.dir(r.id()));
            if (!kept.isEmpty()) {
                out.println("  artifacts     " + store.dir(r.id()).resolve(dev.ao.engine.run.Artifacts.DIR));
                for (dev.ao.engine.run.Artifacts.Artifact a : kept) {
                    out.println("    " + SafeText.line(a.path()) + "  " + (a.refused() == null ? Durations.bytes(a.size()) : t.yellow("not read: " + a.refused())));
                }
            }
            if (r.parent() != null) out.println("  workflow      " + r.parent() + "  job " + SafeText.line(String.valueOf(r.job()))
                    + (r.item() != null ? "  item " + r.item() : "") + (r.attempt() != null ? "  attempt " + r.attempt() : ""));
            if (RunRecord.KIND_WORKFLOW.equals(r.kind())) {
                out.println("  jobs");
                for (String l : dev.ao.cli.workflow.JobTree.lines(dev.ao.engine.workflow.WorkflowView.jobs(store, r.id()), t, 0)) out.println("    " + l);
                out.println(t.dim("  (a job's runs: ao runs list --all · ao runs show <child id>)"));
            }
            String s = full ? fullSummary : r.summary();
            if (s != null && !s.isBlank()) {
                out.println();
                out.println(SafeText.block(s.stripTrailing()));
            }
            return 0;
        }
    }

    @Command(name = "logs", description = {"Print a run's stdout (or stderr); -f follows a live run and exits with its exit code.",
            "Page through a big log with --offset/--limit (the next offset is printed on stderr, or in -o json) and",
            "filter it with --grep."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao runs logs ID --tail 50", "  ao runs logs ID -f",
                    "  ao runs logs ID --limit 65536                       # the first 64 KiB; then --offset NEXT",
                    "  ao runs logs ID --stderr --grep 'ERROR|Traceback' -o json"})
    static final class Logs implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;
        @Option(names = "--stderr", description = "Show stderr.log instead of stdout.log.")
        boolean stderr;
        @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
        Integer tail;
        @Option(names = {"-f", "--follow"}, description = "Keep printing as the run writes, until it ends; then exit with the run's exit code.")
        boolean follow;
        @Option(names = "--offset", paramLabel = "BYTES", description = "Start at this byte of the log (a page's next offset).")
        Long offset;
        @Option(names = "--limit", paramLabel = "BYTES", description = "Print at most this many bytes of whole lines (at most 64M), then the next offset on stderr.")
        Long limit;
        @Option(names = "--grep", paramLabel = "REGEX", description = "Only lines this regular expression finds (Java syntax).")
        String grep;
        @Mixin OutputOptions output;

        Logs(Context ctx) { this.ctx = ctx; }

        /** The page size when --offset or --grep come without --limit. */
        static final long DEFAULT_PAGE = 64 * 1024;

        @Override
        public Integer call() throws Exception {
            RunStore store = ctx.store();
            RunRecord r = store.resolve(id);
            Path dir = store.dir(r.id());
            Path file = dir.resolve(stderr ? RunStore.STDERR : RunStore.STDOUT);
            PrintWriter out = spec.commandLine().getOut();
            if (tail != null && tail < 0) throw AoException.usage("--tail must be 0 or more, got " + tail);
            boolean paged = offset != null || limit != null || grep != null || output.json();
            if (paged) return page(r, file, out);
            long start = tail == null ? 0 : RunLogs.tailOffset(file, tail);
            boolean toTerminal = Terminal.outputIsTerminal();
            if (!follow) {
                copyRange(file, start, out, toTerminal ? new SafeText.Filter(true) : null);
                return 0;
            }
            followDetached(ctx, r);
            PrintWriter sink = new PrintWriter(java.io.Writer.nullWriter());
            LogFollower f = stderr ? new LogFollower(dir, sink, out).from(Long.MAX_VALUE, start)
                    : new LogFollower(dir, out, sink).from(start, Long.MAX_VALUE);
            f.sanitized(toTerminal);
            while (true) {
                f.pump();
                RunRecord now = store.read(r.id()).orElse(r);
                if (now.state().terminal()) {
                    f.pump();
                    // a script or agent that follows a run learns how it ended from the exit code alone
                    return dev.ao.engine.run.RunService.exitCode(now);
                }
                Thread.sleep(200);
            }
        }

        private Integer page(RunRecord r, Path file, PrintWriter out) throws IOException {
            if (follow) throw AoException.usage("-f cannot be combined with --offset, --limit, --grep or -o json; page with --offset instead");
            if (tail != null) throw AoException.usage("--tail cannot be combined with --offset, --limit, --grep or -o json");
            if (offset != null && offset < 0) throw AoException.usage("--offset must be 0 or more, got " + offset);
            if (limit != null && (limit <= 0 || limit > (64L << 20))) throw AoException.usage("--limit must be between 1 and 67108864 bytes, got " + limit);
            java.util.regex.Pattern pattern = null;
            if (grep != null) {
                try {
                    pattern = java.util.regex.Pattern.compile(grep);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw AoException.usage("--grep '" + grep + "' is not a regular expression: " + e.getDescription());
                }
            }
            RunLogs.Page p = RunLogs.page(file, offset == null ? 0 : offset, limit == null ? DEFAULT_PAGE : limit, pattern);
            PrintWriter err = spec.commandLine().getErr();
            if (output.json()) {
                ObjectNode n = Json.object();
                n.put("id", r.id());
                n.put("stream", stderr ? "stderr" : "stdout");
                n.put("offset", p.offset());
                n.put("next_offset", p.next());
                n.put("eof", p.eof());
                n.put("size", p.size());
                n.put("run_state", r.state().id());
                n.put("lines", p.lines());
                n.put("text", p.text());
                out.println(Json.write(n));
                out.flush();
                return 0;
            }
            out.print(Terminal.outputIsTerminal() ? new SafeText.Filter(true).feed(p.text()) : p.text());
            out.flush();
            if (!p.eof()) {
                err.println("next offset: " + p.next() + " (ao runs logs " + r.id() + (stderr ? " --stderr" : "") + " --offset " + p.next()
                        + (limit != null ? " --limit " + limit : "") + (grep != null ? " --grep '" + grep + "'" : "") + ")");
            } else {
                err.println("end of log at offset " + p.next() + (r.state().terminal() ? "" : "; the run is still " + r.state().id()));
            }
            err.flush();
            return 0;
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

    @Command(name = "wait", description = {"Wait for a run to end and exit with its exit code (what 'ao run' would have returned).",
            "With --timeout, exit 124 if it is still going then (the run goes on)."},
            footerHeading = "%nExit codes:%n",
            footer = {"  0-   the run's, as 'ao run' returns it: 0 succeeded, the script's code if it failed,",
                    "       124 timed out, 126 rejected, 130 canceled, 1 lost",
                    "  2    no such run, or an ambiguous id prefix",
                    "  124  --timeout passed first (the run goes on)"})
    static final class Wait implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop waiting after this many seconds (exit 124; the run is not touched).")
        Integer timeout;
        @Mixin OutputOptions output;

        Wait(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws InterruptedException {
            if (timeout != null && timeout <= 0) throw AoException.usage("--timeout must be a positive number of seconds, got " + timeout);
            RunStore store = ctx.store();
            RunRecord r = store.resolve(id);
            followDetached(ctx, r);
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000_000L;
            while (!r.state().terminal()) {
                if (System.nanoTime() - deadline >= 0) {
                    String line = "run " + r.id() + " is still " + r.state().id() + " after " + timeout + " s; wait again with: ao runs wait " + r.id();
                    if (output.json()) {
                        ObjectNode n = RunJson.of(r);
                        n.put("waited_seconds", timeout);
                        n.put("still_running", true);
                        spec.commandLine().getOut().println(Json.write(n));
                        spec.commandLine().getOut().flush();
                    }
                    spec.commandLine().getErr().println("ao: " + line);
                    return dev.ao.engine.ExitCode.TIMEOUT.code();
                }
                Thread.sleep(200);
                // a supervisor that died leaves a run that never ends: reading through the store sees it as lost
                r = store.resolve(r.id());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                out.println(Json.write(RunJson.of(r)));
            } else {
                if (r.summary() != null && !r.summary().isBlank()) out.println(SafeText.block(r.summary()));
                spec.commandLine().getErr().println(RunCommand.trailer(r, ctx.terminal()));
            }
            out.flush();
            return dev.ao.engine.run.RunService.exitCode(r);
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
            RunRecord target = ctx.store().resolve(id);
            if (target.parent() != null && !target.state().terminal()) {
                // one job's run: its workflow's supervisor stops that child only, and the workflow goes on with its result
                dev.ao.engine.workflow.Control.cancelChild(ctx.store().dir(target.id()), ctx.env().getOrDefault("USER", "unknown"));
                RunRecord now = awaitState(ctx, target.id(), RunState::terminal);
                spec.commandLine().getOut().println(now.id() + " " + now.state().id());
                return now.state() == RunState.CANCELED || now.state() == RunState.LOST ? 0 : 1;
            }
            if (dev.ao.engine.k8s.K8sAttach.detached(target)) {
                // nobody follows it here: end its Job in the cluster
                RunRecord r = dev.ao.engine.k8s.K8sAttach.cancel(ctx.store(), target);
                spec.commandLine().getOut().println(r.id() + " " + r.state().id());
                return 0;
            }
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

    @Command(name = "pause", description = {"Pause a running workflow: running jobs finish, no new job or item starts.",
            "It stays paused until 'ao runs resume ID'."})
    static final class Pause implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A workflow run id or an unambiguous prefix of one.") String id;

        Pause(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws InterruptedException {
            RunRecord r = requireLiveWorkflow(ctx, id, "pause");
            dev.ao.engine.workflow.Control.request(ctx.store().dir(r.id()), "pause", ctx.env().getOrDefault("USER", "unknown"));
            RunRecord now = awaitState(ctx, r.id(), s -> s == RunState.PAUSED || s.terminal());
            spec.commandLine().getOut().println(now.id() + " " + now.state().id());
            return now.state() == RunState.PAUSED ? 0 : 1;
        }
    }

    @Command(name = "resume", description = {"Resume a workflow: a paused one goes on; one whose ao died (lost) or that failed is taken over",
            "here: jobs that succeeded keep their outputs and do not run again, the rest run."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao runs resume ID                       # paused: go on; lost or failed: re-run what did not succeed",
                    "  ao runs resume ID --rerun-interrupted   # also jobs that were running when ao died (not idempotent)",
                    "  ao runs resume ID -p token=env:TOKEN    # secret parameters are never stored: give them again"})
    static final class Resume implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A workflow run id or an unambiguous prefix of one.") String id;
        @Option(names = "--rerun-interrupted", description = "Run again the jobs that were running when ao died although their skill does not say idempotent: true.")
        boolean rerunInterrupted;
        @Option(names = "--allow-changed", description = "Resume although the workflow file or a skill's source commit changed since the run started.")
        boolean allowChanged;
        @Option(names = "--approve", description = "Approve the jobs that need approval without asking.")
        boolean approve;
        @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A parameter given again (secrets are never stored).")
        List<String> params = new java.util.ArrayList<>();
        @Mixin OutputOptions output;

        Resume(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() throws InterruptedException {
            RunRecord r = ctx.store().resolve(id);
            if (!RunRecord.KIND_WORKFLOW.equals(r.kind())) throw AoException.usage("run " + r.id() + " is not a workflow run; see 'ao runs rerun'");
            if (r.parent() != null) throw AoException.usage("run " + r.id() + " is part of workflow run " + r.parent() + "; resume that one");
            if (!r.state().terminal()) {
                dev.ao.engine.workflow.Control.request(ctx.store().dir(r.id()), "resume", ctx.env().getOrDefault("USER", "unknown"));
                RunRecord now = awaitState(ctx, r.id(), s -> s != RunState.PAUSED);
                spec.commandLine().getOut().println(now.id() + " " + now.state().id());
                return 0;
            }
            if (r.state() == RunState.SUCCEEDED) throw AoException.usage("run " + r.id() + " succeeded; nothing to resume");
            return new dev.ao.cli.workflow.WorkflowRun(ctx, spec.commandLine().getOut(), spec.commandLine().getErr())
                    .resume(r, params, approve, output.json(), rerunInterrupted, allowChanged);
        }
    }

    private static RunRecord requireLiveWorkflow(Context ctx, String id, String verb) {
        RunRecord r = ctx.store().resolve(id);
        if (!RunRecord.KIND_WORKFLOW.equals(r.kind())) throw AoException.usage("run " + r.id() + " is not a workflow run; only a workflow can " + verb);
        if (r.state().terminal()) throw AoException.usage("run " + r.id() + " already ended: " + r.state().id());
        return r;
    }

    private static RunRecord awaitState(Context ctx, String id, java.util.function.Predicate<RunState> done) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RunRecord now = ctx.store().read(id).orElseThrow();
        while (!done.test(now.state()) && System.nanoTime() < end) {
            Thread.sleep(100);
            now = ctx.store().read(id).orElse(now);
        }
        return now;
    }

    @Command(name = "prune", description = {"Delete ended runs by the retention settings: [runs] keep_days, keep_count, keep_failed_days",
            "in config (ao config show), each overridden by its flag. A run is removed when it is older than its age limit",
            "or not among the newest keep_count ended runs. Never a live run (queued, waiting_approval, blocked, running,",
            "paused); a workflow's child runs go with their parent and are never removed alone, and a workflow is kept whole",
            "while any run in it is live. ao also prunes by the config, at most once a day, after an 'ao run'."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao runs prune --dry-run                  # what the config would remove, and the bytes freed",
                    "  ao runs prune --keep-days 30 --keep-failed-days 90   # failures kept three times as long",
                    "  ao runs prune --keep-count 1000 -o json"})
    static final class Prune implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Option(names = "--keep-days", paramLabel = "DAYS", description = "Remove ended runs that ended more than DAYS days ago (0: no age limit; config: runs.keep_days).")
        Integer keepDays;
        @Option(names = {"--keep-count", "--keep"}, paramLabel = "N", description = "Keep only the newest N ended runs, a workflow with its child runs counting once (0: no limit; config: runs.keep_count).")
        Integer keepCount;

        @Option(names = "--all", description = "Remove every ended run (live runs stay), whatever the config says.")
        boolean all;
        @Option(names = "--keep-failed-days", paramLabel = "DAYS", description = "As --keep-days for runs that ended failed, timed_out or lost, longer or shorter than the rest"
                + " (-1: the same as --keep-days; 0: no age limit; config: runs.keep_failed_days).")
        Integer keepFailedDays;
        @Option(names = "--dry-run", description = "Only say what would be removed.")
        boolean dryRun;
        @Mixin OutputOptions output;

        Prune(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            if (keepDays != null && keepDays < 0) throw AoException.usage("--keep-days must be 0 (no age limit) or more, got " + keepDays);
            if (keepCount != null && keepCount < 0) throw AoException.usage("--keep-count must be 0 (no limit) or more, got " + keepCount);
            if (keepFailedDays != null && keepFailedDays < -1) {
                throw AoException.usage("--keep-failed-days must be -1 (as --keep-days), 0 (no age limit) or more, got " + keepFailedDays);
            }
            Retention.Policy config = Retention.Policy.of(ctx.config());
            if (all && (keepDays != null || keepCount != null || keepFailedDays != null)) {
                throw AoException.usage("--all removes every ended run: leave out --keep-days, --keep-count and --keep-failed-days");
            }
            Retention.Policy policy = all ? new Retention.Policy(0, Retention.Policy.KEEP_NONE, 0)
                    : new Retention.Policy(keepDays != null ? keepDays : config.keepDays(),
                    keepCount != null ? keepCount : config.keepCount(), keepFailedDays != null ? keepFailedDays : config.keepFailedDays());
            if (!policy.any()) {
                throw AoException.usage("no retention is set: give --keep-days, --keep-count, --keep-failed-days or --all, or set [runs] keep_days, "
                        + "keep_count or keep_failed_days in the config (ao config show)");
            }
            RunStore store = ctx.store();
            PrintWriter err = spec.commandLine().getErr();
            Retention.Result r;
            if (RunIndex.worthUsing(store, RunIndex.indexFrom(ctx.env()))) {
                try (RunIndex index = RunIndex.open(store, w -> err.println(ctx.terminal().yellow("ao: warning: " + w)))) {
                    r = Retention.prune(store, index, policy, Instant.now(), dryRun);
                }
            } else {
                r = Retention.prune(store, null, policy, Instant.now(), dryRun);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode n = Json.object();
                n.put("dry_run", r.dryRun());
                n.put("removed", r.runs().size());
                n.put("folders", r.removed());
                n.put("bytes_freed", r.bytesFreed());
                n.put("kept", r.kept());
                ObjectNode p = n.putObject("policy");
                p.put("keep_days", policy.keepDays());
                p.put("keep_count", policy.keepCount() == Retention.Policy.KEEP_NONE ? 0 : policy.keepCount());
                p.put("all", all);
                p.put("keep_failed_days", policy.failedDays());
                ArrayNode ids = n.putArray("runs");
                r.runs().forEach(ids::add);
                out.println(Json.write(n));
                return 0;
            }
            String children = r.removed() > r.runs().size() ? " with " + (r.removed() - r.runs().size()) + " child run(s)" : "";
            out.println((r.dryRun() ? "would remove " : "removed ") + r.runs().size() + " run(s)" + children + ", "
                    + Durations.bytes(r.bytesFreed()) + (r.dryRun() ? " to free" : " freed") + "; kept " + r.kept());
            return 0;
        }
    }

    @Command(name = "rerun", description = {"Run the same target again with the same parameters; -p overrides some.",
            "Secret parameters are never stored: give them again with -p (KEY=@FILE, KEY=env:VAR) or type them at a terminal."})
    static final class Rerun implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "A run id or an unambiguous prefix of one.")
        String id;
        @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A parameter to override or give again (KEY=@FILE, KEY=env:VAR as with ao run).")
        List<String> params = new java.util.ArrayList<>();
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "Override the recorded timeout.")
        Integer timeout;
        @Option(names = "--approve", description = "Approve a run that needs approval without asking.")
        boolean approve;
        @Option(names = "--ci", paramLabel = "auto|github|gitlab|none", description = "As with ao run.")
        String ci;
        @Option(names = "--junit", paramLabel = "FILE", description = "As with ao run.")
        Path junit;
        @Mixin OutputOptions output;

        Rerun(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            RunRecord r = ctx.store().resolve(id);
            String target = r.skill() != null ? r.skill() : r.script();
            if (target == null) throw AoException.usage("run " + r.id() + " has no recorded target to run again");
            java.util.Set<String> given = new java.util.HashSet<>();
            for (String p : params) given.add(p.contains("=") ? p.substring(0, p.indexOf('=')).strip() : p);
            List<String> literal = new java.util.ArrayList<>();
            List<String> secrets = new java.util.ArrayList<>();
            if (r.params() != null) {
                r.params().fields().forEachRemaining(e -> {
                    if (given.contains(e.getKey())) return;
                    com.fasterxml.jackson.databind.JsonNode v = e.getValue();
                    if (v.isTextual() && "***".equals(v.asText())) secrets.add(e.getKey());
                    else literal.addAll(dev.ao.engine.script.ParameterBinder.pairsOf(e.getKey(), v));
                });
            }
            if (!secrets.isEmpty()) {
                java.io.Console console = System.console();
                if (!ctx.terminal().interactive() || console == null) {
                    throw AoException.usage("run " + r.id() + " had secret parameter" + (secrets.size() > 1 ? "s " : " ") + String.join(", ", secrets)
                            + ", which ao never stores; give " + (secrets.size() > 1 ? "them" : "it") + " again: -p "
                            + secrets.get(0) + "=@FILE or -p " + secrets.get(0) + "=env:VAR");
                }
                for (String name : secrets) {
                    char[] typed = console.readPassword("%s (secret, not shown): ", name);
                    if (typed == null || typed.length == 0) throw AoException.usage("no value for secret parameter " + name + "; nothing ran");
                    literal.add(name + "=" + new String(typed));
                    java.util.Arrays.fill(typed, ' ');
                }
            }
            // in-process, never on a command line: literal values are not read as @FILE or env:VAR again
            List<String> args = new java.util.ArrayList<>(List.of("run", target));
            for (String l : literal) { args.add("--literal-param"); args.add(l); }
            for (String p : params) { args.add("-p"); args.add(p); }
            Integer t = timeout != null ? timeout : r.timeoutSeconds();
            if (t != null) { args.add("--timeout"); args.add(t.toString()); }
            if (approve) args.add("--approve");
            if (ci != null) { args.add("--ci"); args.add(ci); }
            if (junit != null) { args.add("--junit"); args.add(junit.toString()); }
            if (output.json()) { args.add("-o"); args.add("json"); }
            spec.commandLine().getErr().println(ctx.terminal().dim("rerun of " + r.id() + " (" + SafeText.line(r.label()) + ")"));
            String[] argv = args.toArray(String[]::new);
            picocli.CommandLine run = dev.ao.cli.CommandFactory.create(ctx, argv);
            run.setOut(spec.commandLine().getOut());
            run.setErr(spec.commandLine().getErr());
            return run.execute(argv);
        }
    }

    /** A detached k8s run, taken over once: {@code untilEnd} follows it to its end. */
    static RunRecord reattach(Context ctx, RunRecord r, boolean untilEnd) {
        if (!dev.ao.engine.k8s.K8sAttach.detached(r)) return r;
        try {
            return dev.ao.engine.k8s.K8sAttach.reattach(ctx.store(), ctx.config(), r, untilEnd);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return r;
        }
    }

    /**
     * A detached k8s run is followed to its end by a background thread of this ao (its log into the run's files,
     * its end into run.json), while the command reads the files as for any run.
     */
    static void followDetached(Context ctx, RunRecord r) {
        if (!dev.ao.engine.k8s.K8sAttach.detached(r)) return;
        Thread t = new Thread(() -> {
            try {
                reattach(ctx, r, true);
            } catch (RuntimeException e) {
                System.err.println("ao: " + e.getMessage());
            }
        }, "ao-k8s-reattach");
        t.setDaemon(true);
        t.start();
    }
}
