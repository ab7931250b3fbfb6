package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.exec.MaskingOutputStream;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.run.Summary;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a k8s run is recorded in run.json ({@code sandbox.runner}), and how a later ao takes over a run whose ao died:
 * it follows the Job from the log cursor the first ao left, records the end, or records the run lost (with the
 * reason) when the Job is gone. One ao at a time takes over a run (a lock file in its folder); others wait for it.
 */
public final class K8sAttach {
    /** Seconds past its timeout that ao waits for the Job's own deadline before it ends the Job itself. */
    public static final int DEADLINE_SLACK = 30;

    private K8sAttach() {}

    public static ObjectNode describe(K8sJobRun.Target t, String image, List<String> tags) {
        ObjectNode n = RunStore.JSON.createObjectNode();
        ObjectNode r = n.putObject("runner");
        r.put("name", "k8s");
        if (t.context() != null) r.put("context", t.context());
        r.put("namespace", t.namespace()).put("job", t.job()).put("marker", t.marker()).put("image", image);
        tags.forEach(r.withArray("tags")::add);
        n.put("pod_security", "non-root uid " + K8sManifests.RUN_AS + ", read-only root filesystem, no privilege escalation, "
                + "all capabilities dropped, RuntimeDefault seccomp, emptyDir workspace");
        return n;
    }

    /** The Job a recorded run lives in, if it is a k8s run. */
    public static java.util.Optional<K8sJobRun.Target> target(String runId, JsonNode sandbox) {
        if (sandbox == null) return java.util.Optional.empty();
        JsonNode r = sandbox.path("runner");
        if (!"k8s".equals(r.path("name").asText())) return java.util.Optional.empty();
        return java.util.Optional.of(new K8sJobRun.Target(r.hasNonNull("context") ? r.get("context").asText() : null,
                r.path("namespace").asText("default"), r.path("job").asText(), r.path("marker").asText(), runId));
    }

    /** Whether {@code r} is a k8s run that no ao follows now. */
    public static boolean detached(RunRecord r) {
        return !r.state().terminal() && RunStore.K8S_DETACHED.equals(r.reason());
    }

    /**
     * Takes over a detached k8s run: with {@code untilEnd} follows it to its end; without, catches the log up and
     * records the end only if the Job already ended. Returns the record as it is afterwards.
     */
    public static RunRecord reattach(RunStore store, AoConfig config, RunRecord r, boolean untilEnd) throws InterruptedException {
        Optional<K8sJobRun.Target> t = target(r.id(), r.sandbox());
        if (t.isEmpty() || !detached(r)) return r;
        Path dir = store.dir(r.id());
        try (FileChannel ch = FileChannel.open(dir.resolve("k8s.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) return r;     // another ao follows it: its record is the answer
            RunRecord now = store.read(r.id()).orElse(r);
            if (!detached(now)) return now;
            K8sSettings settings = K8sSettings.of(config);
            try (KubernetesClient c = K8sJobRun.client(t.get().context()); K8sJobRun run = K8sJobRun.attach(c, t.get())) {
                List<String> mask = new java.util.ArrayList<>(run.secretValues());
                mask.addAll(Credentials.valuesOfJob(c, t.get().namespace(), t.get().job()));
                Path io = Files.createDirectories(dir.resolve("io"));
                Path summaryFile = io.resolve("summary.md");
                Path outputFile = io.resolve("outputs.env");
                int timeout = r.timeoutSeconds() == null ? 3600 : r.timeoutSeconds();
                Instant started = r.startedAt() == null ? Instant.now() : Instant.parse(r.startedAt());
                K8sJobRun.Outcome o;
                try (PodLogSink sink = new PodLogSink(dir, Path.of(r.stdoutLog()), Path.of(r.stderrLog()), summaryFile, outputFile,
                        t.get().marker(), mask)) {
                    o = run.follow(sink, started.plusSeconds(timeout + DEADLINE_SLACK), timeout, settings.scheduleTimeoutSeconds(),
                            () -> false, untilEnd);
                }
                if (o == null) return now;
                RunRecord done = end(store, now, o, summaryFile, outputFile, mask);
                Files.deleteIfExists(dir.resolve(PodLogSink.CURSOR));
                Files.deleteIfExists(summaryFile);
                Files.deleteIfExists(outputFile);
                return done;
            }
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir + ": cannot take over the k8s run: " + e.getMessage());
        }
    }

    private static RunRecord end(RunStore store, RunRecord r, K8sJobRun.Outcome o, Path summaryFile, Path outputFile, List<String> mask) {
        Path dir = store.dir(r.id());
        Summary s = Summary.extract(summaryFile, dir.resolve(RunStore.STDOUT), r.id());
        if (o.state() == RunState.FAILED || o.state() == RunState.TIMED_OUT) {
            s = s.withStderr(Summary.stderrTail(dir.resolve(RunStore.STDERR), mask));
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        Summary.outputs(outputFile).forEach((k, v) -> outputs.put(k, MaskingOutputStream.mask(v, mask)));
        String full = MaskingOutputStream.mask(s.full(), mask);
        if (!full.isEmpty() && o.state() != RunState.LOST) RunStore.writeAtomically(dir.resolve(RunStore.SUMMARY), full.getBytes(StandardCharsets.UTF_8));
        String why = o.reason();
        RunRecord done = r.withEnd(o.state(), o.exitCode(), why, Instant.now(), MaskingOutputStream.mask(s.text(), mask), s.truncated(),
                outputs, false);
        store.write(done);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("exit_code", o.exitCode());
        d.put("reattached", true);
        if (why != null) d.put("reason", why);
        store.event(r.id(), o.state(), d);
        return done;
    }

    /** {@code ao runs cancel} of a detached k8s run: deletes its Job and records the run canceled. */
    public static RunRecord cancel(RunStore store, RunRecord r) {
        Optional<K8sJobRun.Target> t = target(r.id(), r.sandbox());
        if (t.isEmpty()) return r;
        try (KubernetesClient c = K8sJobRun.client(t.get().context()); K8sJobRun run = K8sJobRun.attach(c, t.get())) {
            run.delete();
        }
        RunRecord done = r.withEnd(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled (its Job deleted)", Instant.now(), r.summary(),
                r.summaryTruncated(), r.outputs(), false);
        store.write(done);
        store.event(r.id(), RunState.CANCELED, Map.of("reason", done.reason()));
        return done;
    }
}
