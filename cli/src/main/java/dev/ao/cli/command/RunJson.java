package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Json;
import dev.ao.engine.run.RunRecord;

/** The one JSON object {@code ao run -o json} prints, and each item of {@code ao runs list -o json}. */
public final class RunJson {
    private RunJson() {}

    public static ObjectNode of(RunRecord r) {
        ObjectNode n = Json.object();
        n.put("id", r.id());
        n.put("label", r.label());
        if (r.skill() != null) n.put("skill", r.skill());
        n.put("state", r.state().id());
        if (r.kind() != null) n.put("kind", r.kind());
        if (r.parent() != null) n.put("parent", r.parent());
        if (r.job() != null) n.put("job", r.job());
        if (r.item() != null) n.put("item", r.item());
        if (r.attempt() != null) n.put("attempt", r.attempt());
        n.put("origin", r.origin());
        if (r.exitCode() != null) n.put("exit_code", r.exitCode()); else n.putNull("exit_code");
        if (r.durationMs() != null) n.put("duration_ms", r.durationMs()); else n.putNull("duration_ms");
        if (r.reason() != null) n.put("reason", r.reason());
        n.put("created_at", r.createdAt());
        if (r.startedAt() != null) n.put("started_at", r.startedAt());
        if (r.endedAt() != null) n.put("ended_at", r.endedAt());
        n.put("summary", r.summary() == null ? "" : r.summary());
        if ((r.state() == dev.ao.engine.run.RunState.FAILED || r.state() == dev.ao.engine.run.RunState.TIMED_OUT) && r.stderrLog() != null) {
            // the reason a run failed is usually at the end of stderr; the log is stored masked
            var tail = n.putArray("stderr_tail");
            dev.ao.engine.run.Summary.stderrTail(java.nio.file.Path.of(r.stderrLog()), java.util.List.of()).forEach(tail::add);
        }
        n.set("outputs", Json.MAPPER.valueToTree(r.outputs() == null ? java.util.Map.of() : r.outputs()));
        ObjectNode logs = n.putObject("logs");
        logs.put("stdout", r.stdoutLog());
        logs.put("stderr", r.stderrLog());
        if (r.source() != null) n.set("source", Json.MAPPER.valueToTree(r.source()));
        if (r.stdoutLog() != null) {
            // files the script kept in $AO_ARTIFACTS, listed without following links (a link shows as refused)
            java.nio.file.Path runDir = java.nio.file.Path.of(r.stdoutLog()).getParent();
            java.util.List<dev.ao.engine.run.Artifacts.Artifact> kept = dev.ao.engine.run.Artifacts.list(runDir);
            com.fasterxml.jackson.databind.node.ArrayNode arts = n.putArray("artifacts");
            for (dev.ao.engine.run.Artifacts.Artifact a : kept) {
                ObjectNode o = arts.addObject();
                o.put("path", a.path());
                o.put("file", runDir.resolve(dev.ao.engine.run.Artifacts.DIR).resolve(a.path()).toString());
                if (a.refused() == null) o.put("size", a.size()); else o.put("refused", a.refused());
            }
        }
        return n;
    }
}
