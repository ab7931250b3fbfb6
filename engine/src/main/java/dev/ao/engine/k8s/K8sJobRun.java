package dev.ao.engine.k8s;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.run.RunState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * One run as a Kubernetes Job: creates its objects, follows its pod (watches, not polling), streams the log into the
 * run's files, and says how it ended, from the container's terminated state and the Job's conditions, never from the
 * end of the log stream. The same follow serves a later ao that reattaches to a run whose ao died.
 */
public final class K8sJobRun implements AutoCloseable {

    /** Where a k8s run lives: recorded in run.json ({@code sandbox.runner}) so that any later ao finds it. */
    public record Target(String context, String namespace, String job, String marker, String runId) {}

    public record Outcome(RunState state, int exitCode, String reason) {}

    private final KubernetesClient client;
    private final Target target;
    private final Object changed = new Object();
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private volatile Job job;
    private volatile boolean jobGone;
    private volatile boolean watchesClosed;
    private final List<Watch> watches = new ArrayList<>();

    private K8sJobRun(KubernetesClient client, Target target) {
        this.client = client;
        this.target = target;
    }

    /** A client for {@code [runners.k8s]}: the kubeconfig kubectl reads ($KUBECONFIG, ~/.kube/config), its context. */
    public static KubernetesClient client(String context) {
        try {
            Config c = Config.autoConfigure(context);
            c.setRequestRetryBackoffLimit(2);
            c.setConnectionTimeout(10_000);
            return new KubernetesClientBuilder().withConfig(c).build();
        } catch (RuntimeException e) {
            throw new AoException(ExitCode.MISSING_DEMAND, "k8s runner: cannot read the kubeconfig"
                    + (context != null ? " context '" + context + "'" : "") + ": " + oneLine(e));
        }
    }

    private static final Map<String, KubernetesClient> SHARED = new ConcurrentHashMap<>();

    /**
     * The process's one client for {@code context} (never closed by its users; it lives as long as ao): the runs of
     * one ao (a workflow's for_each of 200 k8s jobs) share its HTTP connections, threads and caches.
     */
    public static KubernetesClient shared(String context) {
        return SHARED.computeIfAbsent(context == null ? "" : context, k -> client(context));
    }

    /** The namespace a run goes to: the config's, else the kubeconfig context's, else default. */
    public static String namespace(KubernetesClient c, K8sSettings s) {
        if (s.namespace() != null) return s.namespace();
        String ns = c.getConfiguration().getNamespace();
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    /** Creates the ConfigMap, Secret and Job, then makes the Job own the other two (deleted with it). */
    public static K8sJobRun submit(KubernetesClient c, K8sManifests.Objects objects, Target target) {
        String ns = target.namespace();
        try {
            c.configMaps().inNamespace(ns).resource(objects.configMap()).create();
            if (objects.secret() != null) c.secrets().inNamespace(ns).resource(objects.secret()).create();
            Job created = c.batch().v1().jobs().inNamespace(ns).resource(objects.job()).create();
            OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                    .withName(created.getMetadata().getName()).withUid(created.getMetadata().getUid()).withBlockOwnerDeletion(true)
                    .build();
            c.configMaps().inNamespace(ns).withName(objects.configMap().getMetadata().getName())
                    .edit(cm -> { cm.getMetadata().setOwnerReferences(List.of(owner)); return cm; });
            if (objects.secret() != null) {
                c.secrets().inNamespace(ns).withName(objects.secret().getMetadata().getName())
                        .edit(s -> { s.getMetadata().setOwnerReferences(List.of(owner)); return s; });
            }
        } catch (KubernetesClientException e) {
            // what was created goes again: a run that never started leaves nothing behind
            for (HasMetadata o : objects.all()) {
                try {
                    c.resource(o).inNamespace(ns).delete();
                } catch (KubernetesClientException ignored) {
                    // not there
                }
            }
            throw new AoException(ExitCode.FAILED, "k8s runner: cannot create the Job in namespace " + ns + " at " + c.getMasterUrl()
                    + ": " + apiMessage(e));
        }
        return new K8sJobRun(c, target);
    }

    /** A run recorded earlier (its ao died): follow it again. */
    public static K8sJobRun attach(KubernetesClient c, Target target) {
        return new K8sJobRun(c, target);
    }

    /** The secret values of the run, read back from its Secret: a reattached follow masks them as the first did. */
    public List<String> secretValues() {
        List<String> out = new ArrayList<>();
        try {
            Secret s = client.secrets().inNamespace(target.namespace()).withName(target.job() + "-secret").get();
            if (s != null && s.getData() != null) {
                s.getData().forEach((k, v) -> {
                    if (k.startsWith("env-")) out.add(new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
                });
            }
        } catch (KubernetesClientException | IllegalArgumentException e) {
            // nothing to mask with: the Secret is gone with its Job
        }
        return out;
    }

    private void watch() {
        String ns = target.namespace();
        String sel = target.job();
        watches.add(client.pods().inNamespace(ns).withLabel("job-name", sel).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                // a deleted pod keeps its last state: how it ended may arrive together with its deletion (a ttl)
                pods.put(pod.getMetadata().getName(), pod);
                poke();
            }

            @Override
            public void onClose(WatcherException cause) {
                watchesClosed = true;
                poke();
            }
        }));
        watches.add(client.batch().v1().jobs().inNamespace(ns).withLabel(K8sManifests.LABEL_RUN, K8sManifests.labelValue(target.runId())).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Job j) {
                if (!j.getMetadata().getName().equals(target.job())) return;
                if (action == Action.DELETED) jobGone = true;
                else job = j;
                poke();
            }

            @Override
            public void onClose(WatcherException cause) {
                watchesClosed = true;
                poke();
            }
        }));
    }

    /** A fresh look at the Job and its pods (at the start, and when a watch closed): one list each, then watch again. */
    private void relist() {
        String ns = target.namespace();
        Job j = client.batch().v1().jobs().inNamespace(ns).withName(target.job()).get();
        if (j == null) jobGone = true;
        else job = j;
        pods.clear();
        for (Pod p : client.pods().inNamespace(ns).withLabel("job-name", target.job()).list().getItems()) {
            pods.put(p.getMetadata().getName(), p);
        }
    }

    private void poke() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /**
     * Follows the run to its end. {@code deadline} is when ao gives up on the Job's own deadline and ends it;
     * {@code canceled} is asked at every change and every second.
     */
    public Outcome follow(PodLogSink sink, Instant deadline, int timeoutSeconds, int scheduleTimeoutSeconds, BooleanSupplier canceled)
            throws InterruptedException {
        return follow(sink, deadline, timeoutSeconds, scheduleTimeoutSeconds, canceled, true);
    }

    /**
     * {@link #follow(PodLogSink, Instant, int, int, BooleanSupplier)}; without {@code untilEnd}, a Job still running
     * has its log caught up once and null comes back.
     */
    public Outcome follow(PodLogSink sink, Instant deadline, int timeoutSeconds, int scheduleTimeoutSeconds, BooleanSupplier canceled,
                          boolean untilEnd) throws InterruptedException {
        if (!untilEnd) {
            try {
                relist();
            } catch (KubernetesClientException e) {
                return null;
            }
            if (jobGone) return new Outcome(RunState.LOST, ExitCode.FAILED.code(), goneReason());
            Optional<ContainerStatus> cs = current().flatMap(K8sJobRun::container);
            boolean ended = cs.map(c -> c.getState() != null && c.getState().getTerminated() != null).orElse(false)
                    || failedBecause(job, null) != null;
            if (!ended) {
                cs.filter(c -> c.getState() != null && c.getState().getRunning() != null).ifPresent(c -> catchUp(sink));
                return null;
            }
        }
        try {
            relist();
            watch();
            relist();
        } catch (KubernetesClientException e) {
            return new Outcome(RunState.FAILED, ExitCode.FAILED.code(), "k8s runner: cannot watch Job " + target.job() + ": " + apiMessage(e));
        }
        LogFollower follower = null;
        Instant unschedulableSince = null;
        try {
            while (true) {
                if (canceled.getAsBoolean()) {
                    delete();
                    if (follower != null) follower.halt();
                    return new Outcome(RunState.CANCELED, ExitCode.CANCELED.code(), "canceled");
                }
                if (watchesClosed) {
                    watchesClosed = false;
                    closeWatches();
                    try {
                        relist();
                        watch();
                    } catch (KubernetesClientException e) {
                        // the API is unreachable for now: try again at the next turn
                        watchesClosed = true;
                    }
                }
                Job j = job;
                Optional<Pod> pod = current();
                ContainerStatus cs = pod.flatMap(K8sJobRun::container).orElse(null);
                ContainerStateTerminated term = cs != null && cs.getState() != null ? cs.getState().getTerminated() : null;
                boolean started = cs != null && cs.getState() != null && (cs.getState().getRunning() != null || term != null);
                if (started && follower == null) {
                    follower = new LogFollower(pod.get().getMetadata().getName(), sink);
                    follower.start();
                }
                if (term != null) {
                    // the container ended: read the log to its end, then say how it ended
                    if (follower != null) follower.finish();
                    drain(follower);
                    return ended(term, j);
                }
                if (jobGone) {
                    drain(follower);
                    return new Outcome(RunState.LOST, ExitCode.FAILED.code(), goneReason());
                }
                String deadlineWhy = failedBecause(j, "DeadlineExceeded");
                if (deadlineWhy != null) {
                    drain(follower);
                    return new Outcome(RunState.TIMED_OUT, ExitCode.TIMEOUT.code(), "timed out after " + timeoutSeconds + " s");
                }
                String failed = failedBecause(j, null);
                if (failed != null && !started) {
                    return new Outcome(RunState.FAILED, ExitCode.FAILED.code(), "Job failed: " + failed);
                }
                if (cs != null && cs.getState() != null && cs.getState().getWaiting() != null) {
                    ContainerStateWaiting w = cs.getState().getWaiting();
                    String r = String.valueOf(w.getReason());
                    if (List.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull").contains(r)) {
                        delete();
                        return new Outcome(RunState.FAILED, ExitCode.FAILED.code(), "image pull failed (" + r + "): "
                                + oneLine(w.getMessage() == null ? cs.getImage() : w.getMessage()));
                    }
                    if (List.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError").contains(r)) {
                        delete();
                        return new Outcome(RunState.FAILED, ExitCode.FAILED.code(), "container could not start (" + r + "): " + oneLine(w.getMessage()));
                    }
                }
                String unsched = pod.map(K8sJobRun::unschedulable).orElse(null);
                if (unsched != null) {
                    if (unschedulableSince == null) unschedulableSince = Instant.now();
                    if (!Instant.now().isBefore(unschedulableSince.plusSeconds(scheduleTimeoutSeconds))) {
                        delete();
                        return new Outcome(RunState.FAILED, ExitCode.FAILED.code(), "unschedulable: " + oneLine(unsched));
                    }
                } else {
                    unschedulableSince = null;
                }
                if (!Instant.now().isBefore(deadline)) {
                    delete();
                    drain(follower);
                    return new Outcome(RunState.TIMED_OUT, ExitCode.TIMEOUT.code(), "timed out after " + timeoutSeconds + " s");
                }
                synchronized (changed) {
                    changed.wait(250);
                }
            }
        } finally {
            if (follower != null) follower.halt();
            closeWatches();
        }
    }

    private String goneReason() {
        return "Job " + target.namespace() + "/" + target.job() + " was deleted outside this run (by someone else, or by its ttl after it ended)";
    }

    /** The log so far, once, without following (a look at a running detached run). */
    private void catchUp(PodLogSink sink) {
        Optional<Pod> p = current();
        if (p.isEmpty()) return;
        sink.resume();
        var l = client.pods().inNamespace(target.namespace()).withName(p.get().getMetadata().getName()).inContainer(K8sManifests.CONTAINER)
                .usingTimestamps();
        String since = sink.since();
        try (InputStream in = (since == null ? l : l.sinceTime(since)).getLogInputStream()) {
            sink.consume(in);
        } catch (IOException | KubernetesClientException e) {
            // the next look tries again
        }
    }

    private Outcome ended(ContainerStateTerminated t, Job j) {
        int exit = t.getExitCode() == null ? 1 : t.getExitCode();
        String reason = t.getReason();
        if ("OOMKilled".equals(reason)) {
            return new Outcome(RunState.FAILED, exit == 0 ? 137 : exit, "killed: out of memory (OOMKilled) in pod of Job " + target.job());
        }
        if (failedBecause(j, "DeadlineExceeded") != null) {
            return new Outcome(RunState.TIMED_OUT, ExitCode.TIMEOUT.code(), "timed out (the Job's activeDeadlineSeconds)");
        }
        if (exit == 0) return new Outcome(RunState.SUCCEEDED, 0, null);
        return new Outcome(RunState.FAILED, exit, null);
    }

    private static String failedBecause(Job j, String reason) {
        if (j == null || j.getStatus() == null || j.getStatus().getConditions() == null) return null;
        for (JobCondition c : j.getStatus().getConditions()) {
            if ("Failed".equals(c.getType()) && "True".equals(c.getStatus()) && (reason == null || reason.equals(c.getReason()))) {
                return c.getReason() + (c.getMessage() != null ? ": " + c.getMessage() : "");
            }
        }
        return null;
    }

    private static String unschedulable(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) return null;
        for (PodCondition c : p.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                return c.getMessage() == null ? "no node fits the pod" : c.getMessage();
            }
        }
        return null;
    }

    /** The Job's newest pod (a disruption the podFailurePolicy ignores gives it a second one). */
    private Optional<Pod> current() {
        return pods.values().stream().max(Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp())));
    }

    private static Optional<ContainerStatus> container(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) return Optional.empty();
        return p.getStatus().getContainerStatuses().stream().filter(c -> K8sManifests.CONTAINER.equals(c.getName())).findFirst();
    }

    /** Ends the Job and its pod now (cancel, timeout, a pod that cannot start): foreground, so the pod goes first. */
    public void delete() {
        try {
            client.batch().v1().jobs().inNamespace(target.namespace()).withName(target.job())
                    .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.FOREGROUND).delete();
        } catch (KubernetesClientException e) {
            // gone already
        }
    }

    private void drain(LogFollower f) throws InterruptedException {
        if (f != null) f.join(Duration.ofSeconds(10));
    }

    private void closeWatches() {
        for (Watch w : watches) {
            try {
                w.close();
            } catch (RuntimeException ignored) {
                // closing
            }
        }
        watches.clear();
    }

    @Override
    public void close() {
        closeWatches();
    }

    /**
     * Streams the pod's log into the sink: follows while the container runs, asks again from the cursor when the
     * stream drops, and once the container ended reads what is left without following.
     */
    private final class LogFollower extends Thread {
        private final String pod;
        private final PodLogSink sink;
        private volatile boolean containerEnded;
        private volatile boolean stopped;
        private volatile LogWatch open;
        private volatile IOException failure;

        LogFollower(String pod, PodLogSink sink) {
            super("ao-k8s-log-" + pod);
            setDaemon(true);
            this.pod = pod;
            this.sink = sink;
        }

        void finish() {
            containerEnded = true;
        }

        void halt() {
            stopped = true;
            LogWatch w = open;
            if (w != null) w.close();
            interrupt();
        }

        void join(Duration d) throws InterruptedException {
            super.join(d.toMillis());
            if (isAlive()) halt();
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    boolean last = containerEnded;
                    sink.resume();
                    PodResource r = client.pods().inNamespace(target.namespace()).withName(pod);
                    String since = sink.since();
                    var loggable = r.inContainer(K8sManifests.CONTAINER).usingTimestamps();
                    var withSince = since == null ? loggable : loggable.sinceTime(since);
                    try {
                        if (last) {
                            try (InputStream in = withSince.getLogInputStream()) {
                                sink.consume(in);
                            }
                            sink.flushPartial();
                            return;
                        }
                        LogWatch w = withSince.watchLog();
                        open = w;
                        try (InputStream in = w.getOutput()) {
                            sink.consume(in);
                        } finally {
                            w.close();
                            open = null;
                        }
                    } catch (KubernetesClientException e) {
                        // not started yet, or the API went away for a moment: ask again
                    }
                    if (sink.ended() && containerEnded) {
                        sink.flushPartial();
                        return;
                    }
                    if (!containerEnded) Thread.sleep(200);
                }
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                // stopped
            }
        }
    }

    static String apiMessage(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) return oneLine(e.getStatus().getMessage());
        // fabric8 wraps a connection failure in "An error has occurred.": the cause says what happened
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root == e ? oneLine(e) : oneLine(e) + " (" + root.getClass().getSimpleName() + (root.getMessage() != null ? ": " + root.getMessage() : "") + ")";
    }

    static String oneLine(Object o) {
        String s = o instanceof Throwable t ? (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()) : String.valueOf(o);
        s = s.replaceAll("\\s+", " ").strip();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
