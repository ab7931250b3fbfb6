package dev.ao.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peer's kubelet: runs the containers of a pod whose containers have a {@code command} or
 * {@code args} as local processes (the image is ignored), and reports their states into the pod's
 * status. See {@link KubePeer} for what it resolves (env, volumes) and how mount paths are mapped.
 */
final class KubeKubelet implements KubeStore.PodRuntime, AutoCloseable {

    private static final int TERMINATION_MESSAGE_LIMIT = 4096;
    private static final Pattern VAR_REF = Pattern.compile("\\$\\$|\\$\\(([-._a-zA-Z0-9]+)\\)");

    private final KubeStore store;
    private final KubeLogs logs;
    private Path root;
    private final java.util.function.IntSupplier apiPort;
    private final ExecutorService work;
    private final ScheduledExecutorService timer;
    private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final Map<String, String> imageBehaviours = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A container's process and what the kubelet knows of it. */
    private static final class ContainerRun {
        final String name;
        final Process process;
        final Instant startedAt;
        final Path terminationFile;
        final String terminationPolicy;
        final List<Thread> readers = new ArrayList<>();
        volatile boolean oomKilled;

        ContainerRun(String name, Process process, Instant startedAt, Path terminationFile, String terminationPolicy) {
            this.name = name;
            this.process = process;
            this.startedAt = startedAt;
            this.terminationFile = terminationFile;
            this.terminationPolicy = terminationPolicy;
        }
    }

    private static final class PodRun {
        final String ns;
        final String name;
        final String uid;
        final Path dir;
        // Read without the run's lock from under the store's monitor (removed), so never lock both.
        final List<ContainerRun> containers = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile String killReason;
        volatile String killMessage;
        volatile boolean stopped;

        PodRun(String ns, String name, String uid, Path dir) {
            this.ns = ns;
            this.name = name;
            this.uid = uid;
            this.dir = dir;
        }
    }

    /** A Secret or ConfigMap (or one of its keys) the pod needs and the store does not have. */
    private static final class MissingConfig extends Exception {
        private static final long serialVersionUID = 1L;

        MissingConfig(String message) {
            super(message, null, false, false);
        }
    }

    KubeKubelet(KubeStore store, java.util.function.IntSupplier apiPort) {
        this.store = store;
        this.logs = store.logs();
        this.apiPort = apiPort;
        AtomicInteger n = new AtomicInteger();
        this.work = Executors.newCachedThreadPool(r -> daemon(r, "kube-kubelet-" + n.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kube-kubelet-timer"));
        timer.scheduleWithFixedDelay(() -> {
            try {
                store.tick();
            } catch (RuntimeException e) {
                // a bad object must not stop the clock
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The folder for pods' volumes and working dirs, made when the first pod runs (a peer that runs none leaves nothing). */
    private synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("kube-peer-pods-");
        }
        return root;
    }

    /** {@code pull-fail}, {@code oom}, or null to clear: what happens to containers of this image. */
    void imageBehaviour(String image, String behaviour) {
        if (behaviour == null || behaviour.isEmpty() || behaviour.equals("normal")) {
            imageBehaviours.remove(image);
        } else if (behaviour.equals("pull-fail") || behaviour.equals("oom")) {
            imageBehaviours.put(image, behaviour);
        } else {
            throw new IllegalArgumentException("behavior must be pull-fail, oom or normal, not " + behaviour);
        }
    }

    void clearImageBehaviours() {
        imageBehaviours.clear();
    }

    // ------------------------------------------------------------------ PodRuntime (store monitor held)

    @Override
    public boolean runs(JsonNode pod) {
        for (JsonNode c : pod.path("spec").path("containers")) {
            if (!c.path("command").isEmpty() || !c.path("args").isEmpty()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void bound(String ns, String name, String uid) {
        if (!closed) {
            work.execute(() -> start(ns, name, uid));
        }
    }

    @Override
    public void removed(String ns, String name, String uid) {
        removed.add(uid);
        PodRun run = runs.remove(uid);
        if (run != null && !closed) {
            // Signal now, so the processes are gone by the time the DELETE is answered; reap later.
            run.containers.forEach(cr -> killGroup(cr.process));
            work.execute(() -> {
                killAll(run);
                deleteTree(run.dir);
            });
        }
    }

    @Override
    public void kill(String ns, String name, String uid, String reason, String message) {
        PodRun run = runs.get(uid);
        if (run != null) {
            run.killReason = reason;
            run.killMessage = message;
            work.execute(() -> killAll(run));
        } else if (!closed) {
            // Not started (pulling, waiting for config): it never will.
            work.execute(() -> store.updatePod(ns, name, uid, p -> {
                ObjectNode status = KubeStore.child(p, "status");
                status.put("phase", "Failed").put("reason", reason).put("message", message);
                for (JsonNode cs : status.path("containerStatuses")) {
                    ObjectNode state = ((ObjectNode) cs).putObject("state");
                    state.putObject("terminated").put("exitCode", 137).put("reason", "ContainerStatusUnknown")
                            .put("message", "The container could not be located when the pod was terminated")
                            .put("finishedAt", store.now().toString());
                }
                notReady(status, "PodFailed");
            }));
        }
    }

    // ------------------------------------------------------------------ starting

    private void start(String ns, String name, String uid) {
        if (closed || removed.contains(uid)) {
            return;
        }
        ObjectNode pod = store.find(KubeResource.PODS, ns, name);
        if (pod == null || !KubeStore.uidOf(pod).equals(uid) || !pod.path("status").path("phase").asText().equals("Pending")) {
            return;
        }
        JsonNode spec = pod.path("spec");
        for (JsonNode c : spec.path("containers")) {
            String image = c.path("image").asText();
            if ("pull-fail".equals(imageBehaviours.get(image))) {
                pullFails(ns, name, uid, c.path("name").asText(), image);
                return;
            }
        }
        Path dir;
        try {
            dir = root().resolve(ns + "_" + name + "_" + uid);
        } catch (IOException e) {
            throw new UncheckedIOException("KubePeer kubelet cannot create a folder for pods", e);
        }
        PodRun run = new PodRun(ns, name, uid, dir);
        List<ProcessBuilder> builders = new ArrayList<>();
        List<Path> terminationFiles = new ArrayList<>();
        try {
            Map<String, Path> volumes = materialiseVolumes(pod, dir);
            for (JsonNode c : spec.path("containers")) {
                String cname = c.path("name").asText();
                Path termination = dir.resolve("termination-log-" + cname);
                Map<String, Path> mounts = new LinkedHashMap<>();
                for (JsonNode m : c.path("volumeMounts")) {
                    Path volume = volumes.get(m.path("name").asText());
                    if (volume != null) {
                        String sub = m.path("subPath").asText("");
                        mounts.put(trimSlash(m.path("mountPath").asText()), sub.isEmpty() ? volume : volume.resolve(sub));
                    }
                }
                mounts.put(c.path("terminationMessagePath").asText("/dev/termination-log"), termination);
                Map<String, String> env = environment(pod, c);
                List<String> argv = new ArrayList<>();
                c.path("command").forEach(a -> argv.add(rewrite(expand(a.asText(), env), mounts)));
                c.path("args").forEach(a -> argv.add(rewrite(expand(a.asText(), env), mounts)));
                env.replaceAll((k, v) -> rewrite(v, mounts));
                String workingDir = c.path("workingDir").asText("");
                Path cwd = workingDir.isEmpty() ? dir.resolve("work") : Path.of(rewrite(workingDir, mounts));
                Files.createDirectories(cwd);
                List<String> cmd = new ArrayList<>(List.of("setsid"));
                cmd.addAll(argv);
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
                pb.environment().clear();
                pb.environment().putAll(env);
                builders.add(pb);
                terminationFiles.add(termination);
            }
        } catch (MissingConfig e) {
            waitingForConfig(ns, name, uid, e.getMessage());
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("KubePeer kubelet cannot prepare pod " + ns + "/" + name, e);
        }
        runs.put(uid, run);
        List<JsonNode> containers = new ArrayList<>();
        spec.path("containers").forEach(containers::add);
        List<String[]> startErrors = new ArrayList<>();
        synchronized (run) {
            for (int i = 0; i < builders.size(); i++) {
                JsonNode c = containers.get(i);
                String cname = c.path("name").asText();
                logs.open(ns, name, cname);
                Process process;
                try {
                    process = builders.get(i).start();
                } catch (IOException e) {
                    startErrors.add(new String[] {cname, e.getMessage()});
                    logs.finish(ns, name, cname);
                    continue;
                }
                try {
                    process.getOutputStream().close();
                } catch (IOException e) {
                    // stdin is not offered, as with a container without stdin: true
                }
                ContainerRun cr = new ContainerRun(cname, process, Instant.now(), terminationFiles.get(i),
                        c.path("terminationMessagePolicy").asText("File"));
                run.containers.add(cr);
            }
        }
        boolean alive = store.updatePod(ns, name, uid, p -> running(p, run, startErrors));
        if (!alive || removed.contains(uid) || closed) {
            runs.remove(uid);
            killAll(run);
            deleteTree(dir);
            return;
        }
        for (ContainerRun cr : run.containers) {
            cr.readers.add(reader(run, cr, cr.process.getInputStream()));
            cr.readers.add(reader(run, cr, cr.process.getErrorStream()));
            JsonNode c = containers.stream().filter(x -> x.path("name").asText().equals(cr.name)).findFirst().orElseThrow();
            if ("oom".equals(imageBehaviours.get(c.path("image").asText()))) {
                timer.schedule(() -> {
                    cr.oomKilled = true;
                    killGroup(cr.process);
                }, 300, TimeUnit.MILLISECONDS);
            }
            work.execute(() -> awaitExit(run, cr));
        }
        if (run.containers.isEmpty()) {
            finishIfDone(run);
        }
    }

    private Thread reader(PodRun run, ContainerRun cr, InputStream in) {
        Thread t = daemon(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        line.write(buf[i]);
                        if (buf[i] == '\n') {
                            logs.append(run.ns, run.name, cr.name, new KubeLogs.Line(Instant.now(), line.toString(StandardCharsets.UTF_8)));
                            line.reset();
                        }
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
            if (line.size() > 0) {
                logs.append(run.ns, run.name, cr.name, new KubeLogs.Line(Instant.now(), line.toString(StandardCharsets.UTF_8)));
            }
        }, "kube-kubelet-log-" + run.name + "-" + cr.name);
        t.start();
        return t;
    }

    private void awaitExit(PodRun run, ContainerRun cr) {
        int exit;
        try {
            exit = cr.process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // A container ends with its main process: whatever it left behind goes too.
        killGroup(cr.process);
        for (Thread t : cr.readers) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        logs.finish(run.ns, run.name, cr.name);
        Instant finishedAt = Instant.now();
        String message = terminationMessage(run, cr, exit);
        String reason = cr.oomKilled ? "OOMKilled" : exit == 0 ? "Completed" : "Error";
        int code = cr.oomKilled ? 137 : exit;
        store.updatePod(run.ns, run.name, run.uid, p -> {
            ObjectNode cs = containerStatus(p, cr.name);
            if (cs == null) {
                return;
            }
            ObjectNode terminated = cs.putObject("state").putObject("terminated").put("exitCode", code)
                    .put("reason", reason).put("startedAt", seconds(cr.startedAt)).put("finishedAt", seconds(finishedAt))
                    .put("containerID", cs.path("containerID").asText(""));
            if (message != null && !message.isEmpty()) {
                terminated.put("message", message);
            }
            cs.put("ready", false).put("started", false);
        });
        finishIfDone(run);
    }

    private String terminationMessage(PodRun run, ContainerRun cr, int exit) {
        String message = "";
        try {
            if (Files.isRegularFile(cr.terminationFile)) {
                byte[] bytes;
                try (InputStream in = Files.newInputStream(cr.terminationFile)) {
                    bytes = in.readNBytes(TERMINATION_MESSAGE_LIMIT);
                }
                message = new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            message = "";
        }
        if (message.isEmpty() && exit != 0 && cr.terminationPolicy.equals("FallbackToLogsOnError")) {
            String text = logs.text(run.ns, run.name, cr.name);
            String[] lines = text.split("\n", -1);
            int from = Math.max(0, lines.length - 81);
            message = String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
            if (message.length() > 2048) {
                message = message.substring(message.length() - 2048);
            }
        }
        return message;
    }

    /** When every container has terminated: phase Succeeded or Failed, and the pod's dir goes. */
    private void finishIfDone(PodRun run) {
        synchronized (run) {
            if (run.stopped) {
                return;
            }
            ObjectNode pod = store.find(KubeResource.PODS, run.ns, run.name);
            if (pod == null || !KubeStore.uidOf(pod).equals(run.uid)) {
                return;
            }
            for (JsonNode cs : pod.path("status").path("containerStatuses")) {
                if (!cs.path("state").has("terminated")) {
                    return;
                }
            }
            run.stopped = true;
        }
        store.updatePod(run.ns, run.name, run.uid, p -> {
            ObjectNode status = KubeStore.child(p, "status");
            boolean ok = true;
            for (JsonNode cs : status.path("containerStatuses")) {
                ok &= cs.path("state").path("terminated").path("exitCode").asInt(1) == 0;
            }
            ok &= run.killReason == null;
            status.put("phase", ok ? "Succeeded" : "Failed");
            if (run.killReason != null) {
                status.put("reason", run.killReason).put("message", run.killMessage);
            }
            notReady(status, ok ? "PodCompleted" : "PodFailed");
        });
        runs.remove(run.uid);
    }

    // ------------------------------------------------------------------ status changes

    private void running(ObjectNode p, PodRun run, List<String[]> startErrors) {
        ObjectNode status = KubeStore.child(p, "status");
        String now = store.now().toString();
        status.put("phase", "Running");
        for (JsonNode c : status.path("conditions")) {
            ((ObjectNode) c).put("status", "True").put("lastTransitionTime", now);
            ((ObjectNode) c).remove(List.of("reason", "message"));
        }
        int ip = Math.floorMod(run.uid.hashCode(), 250) + 2;
        status.put("podIP", "10.244.0." + ip);
        status.putArray("podIPs").addObject().put("ip", "10.244.0." + ip);
        for (ContainerRun cr : run.containers) {
            ObjectNode cs = containerStatus(p, cr.name);
            cs.putObject("state").putObject("running").put("startedAt", seconds(cr.startedAt));
            String image = cs.path("image").asText();
            cs.put("ready", true).put("started", true)
                    .put("image", image.contains("/") ? image : "docker.io/library/" + image)
                    .put("imageID", "docker.io/library/" + image.replaceAll(":.*$", "") + "@sha256:"
                            + String.format("%064x", new java.math.BigInteger(1, run.uid.getBytes(StandardCharsets.UTF_8))).substring(0, 64))
                    .put("containerID", "containerd://" + Long.toHexString(cr.process.pid()) + "0".repeat(48));
        }
        for (String[] error : startErrors) {
            ObjectNode cs = containerStatus(p, error[0]);
            String ts = seconds(Instant.now());
            cs.putObject("state").putObject("terminated").put("exitCode", 128).put("reason", "StartError")
                    .put("message", "failed to create containerd task: failed to create shim task: OCI runtime create"
                            + " failed: runc create failed: unable to start container process: exec: " + error[1])
                    .put("startedAt", "1970-01-01T00:00:00Z").put("finishedAt", ts);
            cs.put("ready", false).put("started", false);
        }
        if (!startErrors.isEmpty()) {
            notReady(status, "ContainersNotReady");
        }
    }

    private void pullFails(String ns, String name, String uid, String container, String image) {
        String ref = image.contains("/") ? image : "docker.io/library/" + image;
        String message = "failed to pull and unpack image \"" + ref + "\": failed to resolve reference \"" + ref
                + "\": " + ref + ": not found";
        boolean alive = store.updatePod(ns, name, uid, p -> {
            ObjectNode cs = containerStatus(p, container);
            cs.putObject("state").putObject("waiting").put("reason", "ErrImagePull").put("message", message);
        });
        if (alive) {
            timer.schedule(() -> store.updatePod(ns, name, uid, p -> {
                ObjectNode cs = containerStatus(p, container);
                if (cs.path("state").has("waiting")) {
                    cs.putObject("state").putObject("waiting").put("reason", "ImagePullBackOff")
                            .put("message", "Back-off pulling image \"" + image + "\": ErrImagePull: " + message);
                }
            }), 1, TimeUnit.SECONDS);
        }
    }

    private void waitingForConfig(String ns, String name, String uid, String message) {
        boolean alive = store.updatePod(ns, name, uid, p -> {
            for (JsonNode cs : p.path("status").path("containerStatuses")) {
                ((ObjectNode) cs).putObject("state").putObject("waiting").put("reason", "CreateContainerConfigError")
                        .put("message", message);
            }
        });
        if (alive && !closed) {
            // The kubelet retries: a Secret created later lets the pod start.
            timer.schedule(() -> work.execute(() -> start(ns, name, uid)), 1, TimeUnit.SECONDS);
        }
    }

    private static ObjectNode containerStatus(ObjectNode pod, String container) {
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            if (cs.path("name").asText().equals(container)) {
                return (ObjectNode) cs;
            }
        }
        return null;
    }

    private void notReady(ObjectNode status, String reason) {
        String now = store.now().toString();
        for (JsonNode c : status.path("conditions")) {
            String type = c.path("type").asText();
            if (type.equals("Ready") || type.equals("ContainersReady")) {
                ((ObjectNode) c).put("status", "False").put("reason", reason).put("lastTransitionTime", now);
            }
        }
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    // ------------------------------------------------------------------ env and volumes

    /** The container's environment as the kubelet builds it: envFrom, then env, $(VAR) expanded. */
    private Map<String, String> environment(JsonNode pod, JsonNode c) throws MissingConfig {
        String ns = KubeStore.namespaceOf(pod);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("HOSTNAME", KubeStore.nameOf(pod));
        env.put("LANG", "C.UTF-8");
        env.put("KUBERNETES_SERVICE_HOST", "127.0.0.1");
        env.put("KUBERNETES_SERVICE_PORT", String.valueOf(apiPort.getAsInt()));
        for (JsonNode from : c.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            boolean secret = from.has("secretRef");
            JsonNode ref = secret ? from.path("secretRef") : from.path("configMapRef");
            Map<String, String> data = configData(ns, secret, ref.path("name").asText(), ref.path("optional").asBoolean());
            data.forEach((k, v) -> env.put(prefix + k, v));
        }
        for (JsonNode e : c.path("env")) {
            String name = e.path("name").asText();
            if (e.has("valueFrom")) {
                JsonNode from = e.path("valueFrom");
                String value = null;
                if (from.has("secretKeyRef") || from.has("configMapKeyRef")) {
                    boolean secret = from.has("secretKeyRef");
                    JsonNode ref = secret ? from.path("secretKeyRef") : from.path("configMapKeyRef");
                    boolean optional = ref.path("optional").asBoolean();
                    Map<String, String> data = configData(ns, secret, ref.path("name").asText(), optional);
                    value = data.get(ref.path("key").asText());
                    if (value == null && !optional && !data.isEmpty()) {
                        throw new MissingConfig("couldn't find key " + ref.path("key").asText() + " in "
                                + (secret ? "Secret " : "ConfigMap ") + ns + "/" + ref.path("name").asText());
                    }
                } else if (from.has("fieldRef")) {
                    value = switch (from.path("fieldRef").path("fieldPath").asText()) {
                        case "metadata.name" -> KubeStore.nameOf(pod);
                        case "metadata.namespace" -> ns;
                        case "metadata.uid" -> KubeStore.uidOf(pod);
                        case "spec.nodeName" -> pod.path("spec").path("nodeName").asText();
                        case "spec.serviceAccountName" -> pod.path("spec").path("serviceAccountName").asText("default");
                        case "status.hostIP" -> "10.0.0.10";
                        case "status.podIP" -> "10.244.0." + (Math.floorMod(KubeStore.uidOf(pod).hashCode(), 250) + 2);
                        default -> "";
                    };
                }
                if (value != null) {
                    env.put(name, value);
                }
            } else {
                env.put(name, expand(e.path("value").asText(""), env));
            }
        }
        return env;
    }

    private Map<String, String> configData(String ns, boolean secret, String name, boolean optional) throws MissingConfig {
        ObjectNode o = store.find(secret ? KubeResource.SECRETS : KubeResource.CONFIGMAPS, ns, name);
        Map<String, String> out = new LinkedHashMap<>();
        if (o == null) {
            if (optional) {
                return out;
            }
            throw new MissingConfig((secret ? "secret" : "configmap") + " \"" + name + "\" not found");
        }
        o.path("data").fields().forEachRemaining(e -> out.put(e.getKey(), secret
                ? new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)
                : e.getValue().asText()));
        return out;
    }

    /** Volumes as folders: configMap and secret keys as files (items, modes), emptyDir empty. */
    private Map<String, Path> materialiseVolumes(JsonNode pod, Path dir) throws IOException, MissingConfig {
        String ns = KubeStore.namespaceOf(pod);
        Map<String, Path> out = new LinkedHashMap<>();
        Files.createDirectories(dir);
        for (JsonNode v : pod.path("spec").path("volumes")) {
            String name = v.path("name").asText();
            Path target = dir.resolve("volumes").resolve(name);
            Files.createDirectories(target);
            out.put(name, target);
            boolean secret = v.has("secret");
            if (!secret && !v.has("configMap")) {
                continue;
            }
            JsonNode source = secret ? v.path("secret") : v.path("configMap");
            String objectName = secret ? source.path("secretName").asText() : source.path("name").asText();
            ObjectNode o = store.find(secret ? KubeResource.SECRETS : KubeResource.CONFIGMAPS, ns, objectName);
            if (o == null) {
                if (source.path("optional").asBoolean()) {
                    continue;
                }
                throw new MissingConfig((secret ? "secret" : "configmap") + " \"" + objectName + "\" not found");
            }
            int defaultMode = source.path("defaultMode").asInt(0644);
            Map<String, byte[]> data = new LinkedHashMap<>();
            o.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), secret
                    ? Base64.getDecoder().decode(e.getValue().asText())
                    : e.getValue().asText().getBytes(StandardCharsets.UTF_8)));
            if (!secret) {
                o.path("binaryData").fields().forEachRemaining(e ->
                        data.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText())));
            }
            if (source.path("items").isEmpty()) {
                for (Map.Entry<String, byte[]> e : data.entrySet()) {
                    writeFile(target, e.getKey(), e.getValue(), defaultMode);
                }
            } else {
                for (JsonNode item : source.path("items")) {
                    byte[] bytes = data.get(item.path("key").asText());
                    if (bytes == null) {
                        throw new MissingConfig("configmap references non-existent config key: " + item.path("key").asText());
                    }
                    writeFile(target, item.path("path").asText(), bytes, item.path("mode").asInt(defaultMode));
                }
            }
        }
        return out;
    }

    private static void writeFile(Path dir, String relative, byte[] bytes, int mode) throws IOException {
        Path file = dir.resolve(relative).normalize();
        if (!file.startsWith(dir) || relative.startsWith("/")) {
            throw new IOException("volume item path escapes its volume: " + relative);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        Files.setPosixFilePermissions(file, perms);
    }

    /** Kubernetes' $(VAR) expansion: known names are replaced, $$ is a literal $, unknown refs stay. */
    static String expand(String text, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) == null ? "$" : env.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Replaces each mount path (longest first) by its folder where it starts a path in {@code text}. */
    static String rewrite(String text, Map<String, ?> mounts) {
        List<String> paths = new ArrayList<>(mounts.keySet());
        paths.sort(Comparator.comparingInt(String::length).reversed());
        for (String mountPath : paths) {
            if (mountPath.isEmpty() || mountPath.equals("/")) {
                continue;
            }
            Pattern p = Pattern.compile("(?<![\\w./-])" + Pattern.quote(mountPath) + "(?=$|[/\\s\"':;,=)}])");
            text = p.matcher(text).replaceAll(Matcher.quoteReplacement(mounts.get(mountPath).toString()));
        }
        return text;
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    // ------------------------------------------------------------------ killing

    private void killAll(PodRun run) {
        List<ContainerRun> containers = List.copyOf(run.containers);
        for (ContainerRun cr : containers) {
            killGroup(cr.process);
        }
        for (ContainerRun cr : containers) {
            Processes.kill(cr.process);
        }
    }

    /** SIGKILL to the container's process group (setsid made its pid the group id), then its tree. */
    private static void killGroup(Process process) {
        try {
            Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // fall through to killing the tree we can see
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a test's temp folder
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** Kills every process this kubelet started and waits for them; removes the pods' folders. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        for (PodRun run : List.copyOf(runs.values())) {
            killAll(run);
        }
        runs.clear();
        work.shutdownNow();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (root != null) {
                deleteTree(root);
            }
        }
    }
}
