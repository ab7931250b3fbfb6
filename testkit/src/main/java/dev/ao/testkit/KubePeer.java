package dev.ao.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A small Kubernetes API server in plain Java that the real {@code kubectl} and the fabric8
 * client talk to over plain HTTP (JSON) on 127.0.0.1. It serves discovery, namespaces, nodes,
 * pods (with the {@code log} subresource), services, configmaps, secrets, events, deployments,
 * replicasets, batch/v1 jobs, coordination.k8s.io/v1 leases and authorization.k8s.io/v1
 * selfsubjectaccessreviews (create only) with get/list/watch/create/update/patch/delete,
 * selectors, dry run, server-side tables and optimistic concurrency (a stale
 * {@code metadata.resourceVersion} gets 409 Conflict, creating an existing name 409
 * AlreadyExists). It runs tiny synchronous controllers (scheduler, kubelet, ReplicaSet,
 * Deployment, Job, garbage collector by ownerReferences, TTL after finished) so that a
 * deployment owns replicasets that own running pods, and a job owns the pod that runs it.
 *
 * <p><b>Pods that run.</b> A pod with a container that has a {@code command} or {@code args} is
 * run by the peer's kubelet as local processes, one per container (the image is ignored; {@code
 * command} then {@code args} are run under {@code setsid}, so the whole process group is killed
 * when the pod is deleted, its Job's deadline passes, or the peer closes). Other pods (no command)
 * are simulated: Running and Ready at once, as before. The scheduler binds a pod to the first node
 * that is not cordoned, matches its {@code nodeSelector} and whose NoSchedule/NoExecute taints it
 * tolerates; otherwise it stays Pending with {@code PodScheduled=False, reason Unschedulable} and a
 * {@code FailedScheduling} event ("0/1 nodes are available: 1 node(s) didn't match Pod's node
 * affinity/selector."). A running container gets:
 * <ul>
 *   <li>env: {@code envFrom} (secretRef/configMapRef, prefix), then {@code env} (literal values with
 *       $(VAR) expansion, secretKeyRef, configMapKeyRef, fieldRef), plus PATH, HOSTNAME, LANG and
 *       KUBERNETES_SERVICE_HOST/PORT pointing at this peer. A missing Secret or ConfigMap leaves the
 *       container waiting in {@code CreateContainerConfigError} ({@code secret "x" not found}); the
 *       kubelet retries every second, so creating it later starts the pod.</li>
 *   <li>volumes: a per-pod folder under a temp dir; {@code configMap} and {@code secret} volumes are
 *       written there as files ({@code items}, {@code defaultMode}, item {@code mode}), {@code emptyDir}
 *       is an empty folder. <b>The peer cannot mount</b>: each volumeMount's {@code mountPath}, and the
 *       container's {@code terminationMessagePath}, are rewritten to their folder/file wherever they
 *       start a path in {@code command}, {@code args}, env values and {@code workingDir}. Paths
 *       written inside files (a script in a ConfigMap) are not rewritten: pass them through env or
 *       args, which a script that uses the env vars it is given does anyway. {@code workingDir}
 *       defaults to an empty per-pod folder.</li>
 *   <li>logs: stdout and stderr interleaved by arrival, each line stamped with its arrival time.</li>
 *   <li>on exit: {@code terminated {exitCode, reason Completed|Error|OOMKilled, startedAt, finishedAt,
 *       message}}, the message being the first 4096 bytes of the termination message file; then the
 *       pod is Succeeded or Failed (no restarts: restartPolicy OnFailure/Always pods are not re-run).</li>
 * </ul>
 * Jobs: one pod at a time from {@code spec.template} (named {@code <job>-<5 chars>}, labelled
 * {@code job-name}, {@code controller-uid} and their {@code batch.kubernetes.io/} forms, owned by the
 * job), a new pod after a failure while {@code backoffLimit} allows, status {@code startTime, active,
 * ready, succeeded, failed, completionTime} and the 1.32 conditions (SuccessCriteriaMet then
 * Complete; FailureTarget then Failed with reason BackoffLimitExceeded or DeadlineExceeded, the
 * latter killing the pod's processes). A {@code podFailurePolicy} rule {@code Ignore} on pod
 * conditions keeps such failures out of the count. {@code ttlSecondsAfterFinished} deletes the
 * finished job with what it owns. Deleting with propagation Foreground or Background removes (and
 * kills) the pods and the ConfigMaps/Secrets the job owns, then the job.
 *
 * <p>Pod log ({@code GET /api/v1/namespaces/NS/pods/NAME/log}): {@code container}, {@code follow}
 * (chunked, ends once the container terminated), {@code timestamps} (RFC3339Nano prefix),
 * {@code sinceTime}, {@code sinceSeconds}, {@code tailLines}, {@code limitBytes}; {@code previous}
 * is 400 (no restarts); a container not started yet is 400 {@code container "c" in pod "p" is
 * waiting to start: ContainerCreating}.
 *
 * <p>Standalone, from the repository root (builds the classpath, prints {@code ready <url>}):
 * <pre>
 *   testkit/run-kube-peer.sh --port 0 --kubeconfig /tmp/peer/config [--seed objects.json]
 *   # or by hand:
 *   mvn -q -pl testkit -am install -DskipTests
 *   mvn -q -pl testkit dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=/tmp/cp.txt
 *   java -cp testkit/target/classes:$(cat /tmp/cp.txt) dev.ao.testkit.KubePeer --port 0 --kubeconfig /tmp/peer/config
 *   KUBECONFIG=/tmp/peer/config HOME=/tmp/peer kubectl get pods -A
 * </pre>
 *
 * <p>Seeding over HTTP (for shell and Python scripts), all under {@code /_peer/}:
 * <pre>
 *   POST /_peer/seed        body: one object, a JSON array, or a List; creates or replaces each
 *   GET  /_peer/state       all objects as a List (?kind=pods&amp;namespace=ns to narrow)
 *   POST /_peer/reset       back to the empty cluster
 *   POST /_peer/deployment?namespace=&amp;name=&amp;replicas=&amp;labels=app=web,tier=fe[&amp;image=]
 *   POST /_peer/pod?namespace=&amp;name=&amp;labels=app=web
 *   POST /_peer/crashloop?namespace=&amp;pod=[&amp;restarts=5]
 *   POST /_peer/phase?namespace=&amp;pod=&amp;phase=Failed
 *   POST /_peer/ready?namespace=&amp;pod=&amp;ready=false
 *   POST /_peer/age?kind=pods&amp;namespace=&amp;name=&amp;seconds=7200    (sets creationTimestamp)
 *   POST /_peer/log?namespace=&amp;pod=[&amp;container=]                body: the log text
 *   GET  /_peer/requests    the requests served so far, "METHOD /path?query" per entry (watches and
 *                           log streams included, each counted when it starts)
 *   POST /_peer/node?name=&amp;labels=k=v,k2=v2&amp;taints=key=value:NoSchedule,key2:NoExecute
 *   POST /_peer/image?image=NAME&amp;behavior=pull-fail|oom|normal
 *           pull-fail: ErrImagePull then ImagePullBackOff (message names the image), never starts;
 *           oom: SIGKILL ~300 ms after start, terminated reason OOMKilled, exitCode 137
 *   POST /_peer/deny?verb=create&amp;resource=jobs[&amp;namespace=ns]
 *           SelfSubjectAccessReviews for it answer allowed=false, and the request itself gets 403
 *   POST /_peer/cut-log-streams   every open follow log stream is dropped mid-body
 *   GET  /_peer/pod-history       [{"time","event":"ADDED|MODIFIED|DELETED","namespace","name","uid",
 *                                   "phase","nodeName","containers":[{"name","state","reason","exitCode"}],
 *                                   "labels":{}}] one entry per phase or container-state change
 *   GET  /_peer/max-running?selector=k=v   {"selector":"k=v","maxRunning":N}
 * </pre>
 * {@code /_peer/reset} also clears the deny list, the image behaviours and the pod history.
 *
 * <p>Not supported: protobuf request bodies (415; kubectl sends JSON for apply, patch, replace,
 * delete, scale, label and rollout, but typed commands such as {@code kubectl create deployment},
 * {@code kubectl create secret} or {@code kubectl create namespace} send protobuf),
 * exec/attach/port-forward, container restarts, init containers, probes, pod disruption
 * budgets, authentication (any or no token is accepted), server-side apply field ownership
 * (apply patches are merged like strategic merge patches), OpenAPI v2 (404) and OpenAPI v3
 * schemas (the v3 documents list paths and parameters only, which is what kubectl needs to know
 * that the server validates fields itself).
 */
public final class KubePeer implements AutoCloseable {

    public static final String SERVER_VERSION = "v1.32.0";

    static {
        // The JDK server delays small responses by Nagle's algorithm unless told otherwise,
        // which costs kubectl ~40 ms per request. Read once, when the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = KubeStore.JSON;
    private static final int REQUEST_LOG_LIMIT = 10_000;
    private static final long DEFAULT_WATCH_SECONDS = 1800;
    private static final long BOOKMARK_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int requestedPort;
    private final KubeStore store = new KubeStore();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final KubeKubelet kubelet;
    private HttpServer server;
    private ExecutorService executor;

    /** A peer on a free port; call {@link #start()}. */
    public KubePeer() {
        this(0);
    }

    public KubePeer(int port) {
        this.requestedPort = port;
        this.kubelet = new KubeKubelet(store, () -> server == null ? 0 : server.getAddress().getPort());
        store.runtime(kubelet);
    }

    /** Starts listening on 127.0.0.1 and returns this peer. */
    public synchronized KubePeer start() {
        if (server != null) {
            return this;
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("KubePeer cannot listen on 127.0.0.1:" + requestedPort, e);
        }
        AtomicInteger threads = new AtomicInteger();
        // Unbounded because watches hold a thread each for their whole life.
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kube-peer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    public int port() {
        if (server == null) {
            throw new IllegalStateException("KubePeer is not started");
        }
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}, the server address for a kubeconfig. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Writes a kubeconfig whose only cluster, user and context are named {@code peer}. */
    public Path writeKubeconfig(Path file) {
        String config = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: peer
                  cluster:
                    server: %s
                users:
                - name: peer
                  user:
                    token: peer-token
                contexts:
                - name: peer
                  context:
                    cluster: peer
                    user: peer
                    namespace: default
                current-context: peer
                preferences: {}
                """.formatted(url());
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write kubeconfig " + file, e);
        }
        return file;
    }

    /**
     * The environment for running the real {@code kubectl} against this peer: {@link Processes#baseEnv()}
     * with {@code HOME=home} (kubectl caches discovery there, per host:port) and
     * {@code KUBECONFIG=home/.kube/config}, written now.
     */
    public Map<String, String> kubectlEnv(Path home) {
        Map<String, String> env = Processes.baseEnv();
        env.put("HOME", home.toString());
        env.put("KUBECONFIG", writeKubeconfig(home.resolve(".kube").resolve("config")).toString());
        return env;
    }

    @Override
    public synchronized void close() {
        kubelet.close();
        store.close();
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    // ======================================================================= Java hooks

    /** Creates or replaces an object as given (status and creationTimestamp included); creates its namespace. */
    public ObjectNode put(ObjectNode object) {
        return store.put(object);
    }

    /**
     * Creates or replaces an object of {@code kind} (Pod, pods, po, Deployment, deploy, ...) in
     * {@code namespace}; {@code object} is a {@link Map} or a {@link JsonNode}.
     */
    public ObjectNode apply(String kind, String namespace, Object object) {
        KubeResource r = KubeResource.lookup(kind);
        ObjectNode obj = object instanceof JsonNode n ? ((ObjectNode) n).deepCopy() : JSON.valueToTree(object);
        obj.put("apiVersion", r.apiVersion()).put("kind", r.kind());
        if (r.namespaced()) {
            KubeStore.child(obj, "metadata").put("namespace", namespace == null ? "default" : namespace);
        }
        return store.put(obj);
    }

    public Optional<ObjectNode> get(String kind, String namespace, String name) {
        KubeResource r = KubeResource.lookup(kind);
        return Optional.ofNullable(store.find(r, r.namespaced() ? namespace : null, name));
    }

    /** Objects of {@code kind} in {@code namespace}, or in all namespaces when it is null. */
    public List<ObjectNode> list(String kind, String namespace) {
        return list(kind, namespace, null);
    }

    public List<ObjectNode> list(String kind, String namespace, String labelSelector) {
        KubeResource r = KubeResource.lookup(kind);
        return store.list(r, namespace, KubeSelectors.parseLabels(labelSelector),
                KubeSelectors.FieldSelector.EVERYTHING, 0, null).items();
    }

    /** Deletes an object and what it owns; false when there was nothing to delete. */
    public boolean delete(String kind, String namespace, String name) {
        KubeResource r = KubeResource.lookup(kind);
        String ns = r.namespaced() ? namespace : null;
        if (store.find(r, ns, name) == null) {
            return false;
        }
        store.delete(r, ns, name, false, KubeStore.Propagation.BACKGROUND, null, null);
        return true;
    }

    /** Changes a stored object in place, status included, and lets the controllers react. */
    public ObjectNode update(String kind, String namespace, String name, Consumer<ObjectNode> change) {
        KubeResource r = KubeResource.lookup(kind);
        return store.mutate(r, r.namespaced() ? namespace : null, name, change);
    }

    /** Every stored object. */
    public List<ObjectNode> state() {
        return store.all();
    }

    /** Back to a fresh cluster: default namespaces and one node, no denials, no image behaviours. */
    public void reset() {
        store.reset();
        denied.clear();
        kubelet.clearImageBehaviours();
    }

    /**
     * What happens to containers of {@code image}: {@code pull-fail} (ErrImagePull, then
     * ImagePullBackOff; never starts), {@code oom} (SIGKILL shortly after start, OOMKilled, 137)
     * or {@code normal}.
     */
    public void imageBehavior(String image, String behavior) {
        kubelet.imageBehaviour(image, behavior);
    }

    /** SelfSubjectAccessReviews for {@code verb} on {@code resource} (in {@code namespace}, or any when null) say no, and so does the API. */
    public void deny(String verb, String resource, String namespace) {
        denied.add(verb + "|" + resource + "|" + (namespace == null || namespace.isEmpty() ? "*" : namespace));
    }

    /** Ends every open {@code follow} log stream abruptly (the connection closes mid-stream). */
    public void cutLogStreams() {
        store.logs().cut();
    }

    /** Every pod phase or container-state change, oldest first (see {@code GET /_peer/pod-history}). */
    public List<ObjectNode> podHistory() {
        return store.podHistory();
    }

    /** The most pods matching {@code labelSelector} that were Running at the same time. */
    public int maxRunning(String labelSelector) {
        return store.maxRunning(KubeSelectors.parseLabels(labelSelector));
    }

    /** A node with labels and taints ({@code key=value:Effect} or {@code key:Effect}), Ready. */
    public ObjectNode seedNode(String name, Map<String, String> labels, List<String> taints) {
        ObjectNode node = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Node");
        ObjectNode meta = node.putObject("metadata").put("name", name);
        ObjectNode l = meta.putObject("labels").put("kubernetes.io/hostname", name).put("kubernetes.io/os", "linux");
        if (labels != null) {
            labels.forEach(l::put);
        }
        ArrayNode taintList = node.putObject("spec").putArray("taints");
        for (String taint : taints == null ? List.<String>of() : taints) {
            int colon = taint.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a taint is key[=value]:Effect, not " + taint);
            }
            String[] kv = taint.substring(0, colon).split("=", 2);
            ObjectNode t = taintList.addObject().put("key", kv[0]);
            if (kv.length == 2) {
                t.put("value", kv[1]);
            }
            t.put("effect", taint.substring(colon + 1));
        }
        ObjectNode status = node.putObject("status");
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True")
                .put("reason", "KubeletReady").put("message", "kubelet is posting ready status");
        status.putArray("addresses").addObject().put("type", "InternalIP").put("address", "10.0.0.11");
        status.putObject("nodeInfo").put("kubeletVersion", SERVER_VERSION)
                .put("operatingSystem", "linux").put("architecture", "amd64");
        return store.put(node);
    }

    /** The clock for new timestamps and table ages. */
    public void clock(Clock clock) {
        store.clock(clock);
    }

    /** Turns the kubelet, ReplicaSet and Deployment controllers on (default) or off. */
    public void controllers(boolean enabled) {
        store.controllers(enabled);
    }

    /** Requests served so far, as {@code METHOD /path?query}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public void clearRequests() {
        requests.clear();
    }

    /** A namespace (kept as is when it exists). */
    public ObjectNode seedNamespace(String name) {
        ObjectNode existing = store.find(KubeResource.NAMESPACES, null, name);
        if (existing != null) {
            return existing;
        }
        ObjectNode ns = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
        ns.putObject("metadata").put("name", name);
        return store.put(ns);
    }

    /** A deployment whose controllers create a ReplicaSet and {@code replicas} Running pods. */
    public ObjectNode seedDeployment(String namespace, String name, Map<String, String> labels, int replicas) {
        return seedDeployment(namespace, name, labels, replicas, "nginx:1.27");
    }

    public ObjectNode seedDeployment(String namespace, String name, Map<String, String> labels, int replicas,
                                     String image) {
        Map<String, String> podLabels = labels == null || labels.isEmpty() ? Map.of("app", name) : labels;
        ObjectNode d = JSON.createObjectNode().put("apiVersion", "apps/v1").put("kind", "Deployment");
        ObjectNode meta = d.putObject("metadata").put("name", name).put("namespace", namespace);
        meta.set("labels", JSON.valueToTree(new TreeMap<>(podLabels)));
        ObjectNode spec = d.putObject("spec").put("replicas", replicas);
        spec.putObject("selector").set("matchLabels", JSON.valueToTree(new TreeMap<>(podLabels)));
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").set("labels", JSON.valueToTree(new TreeMap<>(podLabels)));
        ObjectNode container = template.putObject("spec").putArray("containers").addObject()
                .put("name", containerName(image)).put("image", image);
        container.putArray("ports").addObject().put("containerPort", 80).put("protocol", "TCP");
        return store.put(d);
    }

    /** A standalone Running pod with one container. */
    public ObjectNode seedPod(String namespace, String name, Map<String, String> labels) {
        return seedPod(namespace, name, labels, "busybox:1.36");
    }

    public ObjectNode seedPod(String namespace, String name, Map<String, String> labels, String image) {
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata").put("name", name).put("namespace", namespace);
        if (labels != null && !labels.isEmpty()) {
            meta.set("labels", JSON.valueToTree(new TreeMap<>(labels)));
        }
        pod.putObject("spec").putArray("containers").addObject()
                .put("name", containerName(image)).put("image", image);
        return store.put(pod);
    }

    /** The pods a deployment owns through its replicasets. */
    public List<ObjectNode> podsOf(String namespace, String deployment) {
        ObjectNode d = store.get(KubeResource.DEPLOYMENTS, namespace, deployment);
        List<String> rsUids = new ArrayList<>();
        for (ObjectNode rs : list("replicasets", namespace)) {
            if (ownerUids(rs).contains(KubeStore.uidOf(d))) {
                rsUids.add(KubeStore.uidOf(rs));
            }
        }
        List<ObjectNode> pods = new ArrayList<>();
        for (ObjectNode pod : list("pods", namespace)) {
            if (ownerUids(pod).stream().anyMatch(rsUids::contains)) {
                pods.add(pod);
            }
        }
        return pods;
    }

    private static List<String> ownerUids(JsonNode o) {
        List<String> uids = new ArrayList<>();
        o.path("metadata").path("ownerReferences").forEach(ref -> uids.add(ref.path("uid").asText()));
        return uids;
    }

    /** Every container waits in CrashLoopBackOff after 5 restarts; the pod stays Running but not Ready. */
    public ObjectNode setPodCrashLooping(String namespace, String pod) {
        return setPodCrashLooping(namespace, pod, 5);
    }

    public ObjectNode setPodCrashLooping(String namespace, String pod, int restarts) {
        Instant now = store.now();
        return store.mutate(KubeResource.PODS, namespace, pod, p -> {
            ObjectNode status = statusOf(p);
            status.put("phase", "Running");
            List<String> names = new ArrayList<>();
            ArrayNode statuses = status.putArray("containerStatuses");
            for (JsonNode c : p.path("spec").path("containers")) {
                String name = c.path("name").asText();
                names.add(name);
                ObjectNode cs = statuses.addObject().put("name", name);
                cs.putObject("state").putObject("waiting").put("reason", "CrashLoopBackOff")
                        .put("message", "back-off 5m0s restarting failed container=" + name + " pod=" + pod
                                + "_" + namespace + "(" + KubeStore.uidOf(p) + ")");
                cs.putObject("lastState").putObject("terminated").put("exitCode", 1).put("reason", "Error")
                        .put("startedAt", now.minusSeconds(60).toString())
                        .put("finishedAt", now.minusSeconds(30).toString());
                cs.put("ready", false).put("restartCount", restarts).put("started", false);
                cs.put("image", c.path("image").asText());
            }
            setConditions(status, false, "ContainersNotReady", "containers with unready status: " + names);
        });
    }

    /** Sets the phase with container states to match: Pending, Running, Succeeded, Failed or Unknown. */
    public ObjectNode setPodPhase(String namespace, String pod, String phase) {
        if (!List.of("Pending", "Running", "Succeeded", "Failed", "Unknown").contains(phase)) {
            throw new IllegalArgumentException("not a pod phase: " + phase);
        }
        Instant now = store.now();
        return store.mutate(KubeResource.PODS, namespace, pod, p -> {
            if (phase.equals("Running")) {
                p.set("status", store.runningStatus(p));
                return;
            }
            ObjectNode status = statusOf(p);
            status.put("phase", phase);
            ArrayNode statuses = status.putArray("containerStatuses");
            for (JsonNode c : p.path("spec").path("containers")) {
                ObjectNode cs = statuses.addObject().put("name", c.path("name").asText());
                ObjectNode state = cs.putObject("state");
                switch (phase) {
                    case "Pending" -> state.putObject("waiting").put("reason", "ContainerCreating");
                    case "Succeeded" -> state.putObject("terminated").put("exitCode", 0).put("reason", "Completed")
                            .put("startedAt", now.minusSeconds(60).toString()).put("finishedAt", now.toString());
                    case "Failed" -> state.putObject("terminated").put("exitCode", 1).put("reason", "Error")
                            .put("startedAt", now.minusSeconds(60).toString()).put("finishedAt", now.toString());
                    default -> { }
                }
                cs.putObject("lastState");
                cs.put("ready", false).put("restartCount", 0).put("started", false);
                cs.put("image", c.path("image").asText());
            }
            setConditions(status, false, phase.equals("Succeeded") ? "PodCompleted" : "ContainersNotReady", "");
        });
    }

    /** Marks the pod's containers ready or not, keeping its phase. */
    public ObjectNode setPodReady(String namespace, String pod, boolean ready) {
        return store.mutate(KubeResource.PODS, namespace, pod, p -> {
            ObjectNode status = statusOf(p);
            for (JsonNode cs : status.path("containerStatuses")) {
                ((ObjectNode) cs).put("ready", ready);
            }
            setConditions(status, ready, ready ? null : "ContainersNotReady", "");
        });
    }

    /** Sets {@code metadata.creationTimestamp}, for age-based tests. */
    public ObjectNode setCreationTimestamp(String kind, String namespace, String name, Instant when) {
        return update(kind, namespace, name, o -> KubeStore.child(o, "metadata")
                .put("creationTimestamp", when.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
    }

    /** What {@code kubectl logs} prints for the container (null: the pod's first container). */
    public void setPodLog(String namespace, String pod, String container, String text) {
        ObjectNode p = store.get(KubeResource.PODS, namespace, pod);
        String c = container != null ? container : p.path("spec").path("containers").path(0).path("name").asText();
        store.setLog(namespace, pod, c, text);
    }

    private static ObjectNode statusOf(ObjectNode pod) {
        return KubeStore.child(pod, "status");
    }

    private void setConditions(ObjectNode status, boolean ready, String reason, String message) {
        String now = store.now().toString();
        ArrayNode conditions = status.putArray("conditions");
        for (String type : List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")) {
            boolean value = ready || !(type.equals("Ready") || type.equals("ContainersReady"));
            ObjectNode c = conditions.addObject().put("type", type).put("status", value ? "True" : "False")
                    .putNull("lastProbeTime").put("lastTransitionTime", now);
            if (!value && reason != null) {
                c.put("reason", reason);
                if (!message.isEmpty()) {
                    c.put("message", message);
                }
            }
        }
    }

    private static String containerName(String image) {
        String base = image.substring(image.lastIndexOf('/') + 1);
        int colon = base.indexOf(':');
        String name = (colon >= 0 ? base.substring(0, colon) : base).replaceAll("[^a-z0-9-]", "-");
        return name.isEmpty() ? "main" : name;
    }

    // ======================================================================= HTTP

    /** Thrown out of the handler so that the JDK server drops the connection without ending the body. */
    private static final class StreamCut extends IOException {
        private static final long serialVersionUID = 1L;

        StreamCut() {
            super("log stream cut by /_peer/cut-log-streams");
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String rawQuery = ex.getRequestURI().getRawQuery();
        String path = ex.getRequestURI().getRawPath();
        if (requests.size() < REQUEST_LOG_LIMIT) {
            requests.add(method + " " + path + (rawQuery == null ? "" : "?" + rawQuery));
        }
        Map<String, List<String>> query = parseQuery(rawQuery);
        try {
            handleIn(ex, method, path, query);
        } catch (StreamCut cut) {
            throw cut;
        } catch (IOException ignored) {
            // the client went away
        }
        ex.close();
    }

    private void handleIn(HttpExchange ex, String method, String path, Map<String, List<String>> query)
            throws IOException {
        {
            try {
                route(ex, method, path, query);
            } catch (KubeError e) {
                send(ex, e.code, e.toStatus());
            } catch (IllegalArgumentException e) {
                send(ex, 400, KubeError.badRequest(e.getMessage()).toStatus());
            } catch (JsonProcessingException e) {
                send(ex, 400, KubeError.badRequest("invalid JSON in the request body: " + e.getOriginalMessage()).toStatus());
            } catch (RuntimeException e) {
                send(ex, 500, new KubeError(500, "InternalError", "KubePeer failed: " + e, null).toStatus());
            }
        }
    }

    private void route(HttpExchange ex, String method, String path, Map<String, List<String>> query)
            throws IOException {
        if (path.startsWith("/_peer/")) {
            peerEndpoint(ex, method, path.substring("/_peer/".length()), query);
            return;
        }
        String upgrade = ex.getRequestHeaders().getFirst("Upgrade");
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            // No WebSockets here. Like kubectl proxy, answer 200 with no body: fabric8 then
            // falls back to a plain HTTP watch (a 4xx would end the watch instead).
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, -1);
            return;
        }
        List<String> segs = segments(path);
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (segs.isEmpty()) {
            ObjectNode paths = JSON.createObjectNode();
            ArrayNode list = paths.putArray("paths");
            list.add("/api").add("/api/v1").add("/apis");
            for (String group : KubeResource.GROUPS) {
                if (!group.isEmpty()) {
                    list.add("/apis/" + group).add("/apis/" + group + "/v1");
                }
            }
            List.of("/healthz", "/livez", "/readyz", "/version").forEach(list::add);
            send(ex, 200, paths);
            return;
        }
        switch (segs.get(0)) {
            case "version" -> {
                send(ex, 200, versionInfo());
                return;
            }
            case "healthz", "livez", "readyz" -> {
                sendText(ex, 200, "ok");
                return;
            }
            case "openapi" -> {
                openapi(ex, segs);
                return;
            }
            case "api" -> {
                if (segs.size() == 1) {
                    sendDiscovery(ex, accept, true);
                    return;
                }
                if (!KubeDiscovery.servesGroupVersion("", segs.get(1))) {
                    throw KubeError.pathNotFound();
                }
                if (segs.size() == 2) {
                    send(ex, 200, KubeDiscovery.apiResourceList(""));
                    return;
                }
                resourceRequest(ex, method, "", segs.get(1), segs.subList(2, segs.size()), query, accept);
                return;
            }
            case "apis" -> {
                if (segs.size() == 1) {
                    sendDiscovery(ex, accept, false);
                    return;
                }
                String group = segs.get(1);
                if (group.isEmpty() || !KubeResource.GROUPS.contains(group)) {
                    throw KubeError.pathNotFound();
                }
                if (segs.size() == 2) {
                    send(ex, 200, KubeDiscovery.apiGroup(group));
                    return;
                }
                if (!KubeDiscovery.servesGroupVersion(group, segs.get(2))) {
                    throw KubeError.pathNotFound();
                }
                if (segs.size() == 3) {
                    send(ex, 200, KubeDiscovery.apiResourceList(group));
                    return;
                }
                resourceRequest(ex, method, group, segs.get(2), segs.subList(3, segs.size()), query, accept);
                return;
            }
            default -> throw KubeError.pathNotFound();
        }
    }

    /** OpenAPI v3 (index and group versions, no schemas); v2 is not served, as kubectl can do without. */
    private static void openapi(HttpExchange ex, List<String> segs) throws IOException {
        if (segs.size() < 2 || !segs.get(1).equals("v3")) {
            throw KubeError.pathNotFound();
        }
        List<String> gv = segs.subList(2, segs.size());
        if (gv.isEmpty()) {
            send(ex, 200, KubeDiscovery.openapiIndex());
        } else if (gv.size() == 2 && gv.get(0).equals("api") && gv.get(1).equals("v1")) {
            send(ex, 200, KubeDiscovery.openapiGroupVersion(""));
        } else if (gv.size() == 3 && gv.get(0).equals("apis") && KubeDiscovery.servesGroupVersion(gv.get(1), gv.get(2))
                && !gv.get(1).isEmpty()) {
            send(ex, 200, KubeDiscovery.openapiGroupVersion(gv.get(1)));
        } else {
            throw KubeError.pathNotFound();
        }
    }

    private void sendDiscovery(HttpExchange ex, String accept, boolean core) throws IOException {
        if (KubeDiscovery.wantsAggregated(accept)) {
            send(ex, 200, KubeDiscovery.aggregated(core), KubeDiscovery.AGGREGATED_TYPE);
        } else {
            send(ex, 200, core ? KubeDiscovery.apiVersions("127.0.0.1:" + port()) : KubeDiscovery.apiGroupList());
        }
    }

    private static ObjectNode versionInfo() {
        String[] parts = SERVER_VERSION.substring(1).split("\\.");
        return JSON.createObjectNode().put("major", parts[0]).put("minor", parts[1])
                .put("gitVersion", SERVER_VERSION).put("gitCommit", "0000000000000000000000000000000000000000")
                .put("gitTreeState", "clean").put("buildDate", "2024-12-11T00:00:00Z")
                .put("goVersion", "go1.23.4").put("compiler", "gc").put("platform", "linux/amd64");
    }

    private void resourceRequest(HttpExchange ex, String method, String group, String version, List<String> rest,
                                 Map<String, List<String>> query, String accept) throws IOException {
        String ns = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && KubeResource.byPath(group, version, rest.get(2)).map(KubeResource::namespaced).orElse(false)) {
            ns = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        KubeResource r = KubeResource.byPath(group, version, rest.get(0)).orElseThrow(KubeError::pathNotFound);
        String name = rest.size() > 1 ? rest.get(1) : null;
        String sub = rest.size() > 2 ? rest.get(2) : null;
        if (rest.size() > 3 || (sub != null && !r.subresources().contains(sub))
                || (r.namespaced() && name != null && ns == null) || (!r.namespaced() && ns != null)) {
            throw KubeError.pathNotFound();
        }
        boolean dryRun = query.getOrDefault("dryRun", List.of()).contains("All");
        boolean table = accept != null && accept.contains("as=Table");
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : isTrue(first(query, "watch")) ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        String checked = sub == null || sub.equals("status") || sub.equals("scale") ? r.plural() : r.plural() + "/" + sub;
        if (isDenied(verb, checked, ns)) {
            throw KubeError.forbidden(r.groupResource() + (name == null ? "" : " \"" + name + "\"")
                    + " is forbidden: User \"peer\" cannot " + verb + " resource \"" + checked
                    + "\" in API group \"" + r.group() + "\"" + (ns == null ? " at the cluster scope" : " in the namespace \"" + ns + "\""));
        }
        if (r == KubeResource.SELFSUBJECTACCESSREVIEWS) {
            if (!method.equals("POST") || name != null) {
                throw KubeError.methodNotAllowed(method);
            }
            send(ex, 201, accessReview(readJson(ex, false)));
            return;
        }
        KubeStore.Part part = "status".equals(sub) ? KubeStore.Part.STATUS : KubeStore.Part.MAIN;
        switch (method) {
            case "GET" -> {
                if (name == null) {
                    if (isTrue(first(query, "watch"))) {
                        watch(ex, r, ns, query, table);
                    } else {
                        list(ex, r, ns, query, accept);
                    }
                } else if ("log".equals(sub)) {
                    podLog(ex, ns, name, query);
                } else if ("scale".equals(sub)) {
                    send(ex, 200, scaleOf(r, store.get(r, ns, name)));
                } else {
                    ObjectNode o = store.get(r, ns, name);
                    if (table) {
                        send(ex, 200, KubeTables.table(r, List.of(o), first(query, "includeObject"), store.now(),
                                o.path("metadata").path("resourceVersion").asText(), null));
                    } else {
                        send(ex, 200, o);
                    }
                }
            }
            case "POST" -> {
                if ("eviction".equals(sub)) {
                    evict(ex, ns, name, dryRun);
                    return;
                }
                if (name != null) {
                    throw KubeError.methodNotAllowed(method);
                }
                JsonNode body = readJson(ex, false);
                send(ex, dryRun ? 200 : 201, store.create(r, ns, body, dryRun, KubeStore.Source.API));
            }
            case "PUT" -> {
                requireName(name, method);
                JsonNode body = readJson(ex, false);
                if ("scale".equals(sub)) {
                    send(ex, 200, scale(r, ns, name, body.path("spec").path("replicas"), dryRun));
                } else {
                    send(ex, 200, store.update(r, ns, name, body, dryRun, part, KubeStore.Source.API));
                }
            }
            case "PATCH" -> {
                requireName(name, method);
                String type = contentType(ex);
                JsonNode patch = readJson(ex, true);
                if ("scale".equals(sub)) {
                    JsonNode current = scaleOf(r, store.get(r, ns, name));
                    JsonNode patched = type.startsWith("application/json-patch+json")
                            ? KubePatches.jsonPatch(current, patch) : KubePatches.mergePatch(current, patch);
                    send(ex, 200, scale(r, ns, name, patched.path("spec").path("replicas"), dryRun));
                } else {
                    send(ex, 200, store.patch(r, ns, name, type, patch, dryRun, part, KubeStore.Source.API));
                }
            }
            case "DELETE" -> {
                if (sub != null) {
                    throw KubeError.methodNotAllowed(method);
                }
                JsonNode options = readJson(ex, true);
                dryRun |= options.path("dryRun").toString().contains("\"All\"");
                KubeStore.Propagation propagation = propagation(
                        first(query, "propagationPolicy") != null ? first(query, "propagationPolicy")
                                : options.path("propagationPolicy").asText(""));
                if (name == null) {
                    List<ObjectNode> deleted = store.deleteCollection(r, ns,
                            KubeSelectors.parseLabels(first(query, "labelSelector")),
                            KubeSelectors.parseFields(first(query, "fieldSelector"), r), dryRun, propagation);
                    send(ex, 200, listOf(r, deleted, store.resourceVersion(), null, 0));
                } else {
                    JsonNode pre = options.path("preconditions");
                    send(ex, 200, store.delete(r, ns, name, dryRun, propagation,
                            pre.path("uid").asText(null), pre.path("resourceVersion").asText(null)));
                }
            }
            default -> throw KubeError.methodNotAllowed(method);
        }
    }

    private void list(HttpExchange ex, KubeResource r, String ns, Map<String, List<String>> query, String accept)
            throws IOException {
        int limit = 0;
        if (first(query, "limit") != null) {
            try {
                limit = Integer.parseInt(first(query, "limit"));
            } catch (NumberFormatException e) {
                throw KubeError.badRequest("limit must be a number: " + first(query, "limit"));
            }
        }
        KubeStore.Page page = store.list(r, ns, KubeSelectors.parseLabels(first(query, "labelSelector")),
                KubeSelectors.parseFields(first(query, "fieldSelector"), r), limit, first(query, "continue"));
        if (accept != null && accept.contains("as=Table")) {
            ObjectNode table = KubeTables.table(r, page.items(), first(query, "includeObject"), store.now(),
                    page.resourceVersion(), page.continueToken());
            send(ex, 200, table);
        } else {
            send(ex, 200, listOf(r, page.items(), page.resourceVersion(), page.continueToken(), page.remaining()));
        }
    }

    private static ObjectNode listOf(KubeResource r, List<ObjectNode> items, String rv, String continueToken,
                                     long remaining) {
        ObjectNode list = JSON.createObjectNode().put("kind", r.listKind()).put("apiVersion", r.apiVersion());
        ObjectNode meta = list.putObject("metadata").put("resourceVersion", rv);
        if (continueToken != null) {
            meta.put("continue", continueToken).put("remainingItemCount", remaining);
        }
        ArrayNode array = list.putArray("items");
        items.forEach(array::add);
        return list;
    }

    /**
     * A real watch: the current state as ADDED events when no resourceVersion is given, then
     * every change as it happens, until timeoutSeconds or the peer closes.
     */
    private void watch(HttpExchange ex, KubeResource r, String ns, Map<String, List<String>> query, boolean table)
            throws IOException {
        KubeSelectors.Selector labels = KubeSelectors.parseLabels(first(query, "labelSelector"));
        KubeSelectors.FieldSelector fields = KubeSelectors.parseFields(first(query, "fieldSelector"), r);
        long seconds = DEFAULT_WATCH_SECONDS;
        if (first(query, "timeoutSeconds") != null) {
            seconds = Long.parseLong(first(query, "timeoutSeconds"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String rv = first(query, "resourceVersion");
        boolean initialEvents = isTrue(first(query, "sendInitialEvents"));
        boolean bookmarks = isTrue(first(query, "allowWatchBookmarks"));
        String includeObject = first(query, "includeObject");
        List<ObjectNode> initial = List.of();
        long since;
        if (rv == null || rv.isEmpty() || rv.equals("0") || initialEvents) {
            KubeStore.Page page = store.list(r, ns, labels, fields, 0, null);
            initial = page.items();
            since = Long.parseLong(page.resourceVersion());
        } else {
            try {
                since = Long.parseLong(rv);
            } catch (NumberFormatException e) {
                throw KubeError.badRequest("invalid resource version: " + rv);
            }
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        boolean[] headerSent = {false};
        try {
            for (ObjectNode o : initial) {
                writeEvent(out, "ADDED", o, r, table, includeObject, headerSent);
            }
            if (initialEvents && bookmarks) {
                writeRaw(out, "BOOKMARK", bookmark(r, since, true));
            }
            out.flush();
            while (true) {
                List<KubeStore.Event> events;
                try {
                    events = store.eventsAfter(since);
                } catch (KubeError gone) {
                    writeRaw(out, "ERROR", gone.toStatus());
                    out.flush();
                    break;
                }
                for (KubeStore.Event e : events) {
                    since = e.resourceVersion();
                    if (e.resource() != r) {
                        continue;
                    }
                    boolean now = !e.type().equals("DELETED") && KubeStore.visible(r, e.object(), ns, labels, fields);
                    boolean before = e.previous() != null && KubeStore.visible(r, e.previous(), ns, labels, fields);
                    String type = switch (e.type()) {
                        case "ADDED" -> now ? "ADDED" : null;
                        case "MODIFIED" -> now && before ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : null;
                        default -> before ? "DELETED" : null;
                    };
                    if (type != null) {
                        writeEvent(out, type, e.object(), r, table, includeObject, headerSent);
                    }
                }
                out.flush();
                KubeStore.Wake wake = store.awaitChange(since, Math.min(deadline, System.nanoTime() + BOOKMARK_NANOS));
                if (wake == KubeStore.Wake.CLOSED || System.nanoTime() >= deadline) {
                    break;
                }
                if (wake == KubeStore.Wake.TIMEOUT && bookmarks) {
                    // Also how an abandoned watch notices its client left: the write fails.
                    writeRaw(out, "BOOKMARK", bookmark(r, since, false));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode bookmark(KubeResource r, long resourceVersion, boolean initialEventsEnd) {
        ObjectNode bookmark = JSON.createObjectNode().put("kind", r.kind()).put("apiVersion", r.apiVersion());
        ObjectNode meta = bookmark.putObject("metadata").put("resourceVersion", String.valueOf(resourceVersion));
        if (initialEventsEnd) {
            meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
        }
        return bookmark;
    }

    private void writeEvent(OutputStream out, String type, ObjectNode object, KubeResource r, boolean table,
                            String includeObject, boolean[] headerSent) throws IOException {
        if (table) {
            ObjectNode t = KubeTables.table(r, List.of(object), includeObject, store.now(),
                    object.path("metadata").path("resourceVersion").asText(), null);
            if (headerSent[0]) {
                // Like the real server: column definitions only in the first event of a watch.
                t.putArray("columnDefinitions");
            }
            headerSent[0] = true;
            writeRaw(out, type, t);
        } else {
            writeRaw(out, type, object);
        }
    }

    private static void writeRaw(OutputStream out, String type, JsonNode object) throws IOException {
        ObjectNode event = JSON.createObjectNode().put("type", type);
        event.set("object", object);
        out.write(JSON.writeValueAsBytes(event));
        out.write('\n');
    }

    private boolean isDenied(String verb, String resource, String ns) {
        return !denied.isEmpty() && (denied.contains(verb + "|" + resource + "|*")
                || ns != null && denied.contains(verb + "|" + resource + "|" + ns));
    }

    /** A SelfSubjectAccessReview answered from the deny list: allowed unless {@code /_peer/deny} said no. */
    private ObjectNode accessReview(JsonNode body) {
        if (!body.isObject() || !body.path("spec").isObject()) {
            throw KubeError.badRequest("a SelfSubjectAccessReview needs a spec");
        }
        ObjectNode review = ((ObjectNode) body).deepCopy();
        review.put("apiVersion", "authorization.k8s.io/v1").put("kind", "SelfSubjectAccessReview");
        KubeStore.child(review, "metadata").put("creationTimestamp", (String) null);
        JsonNode attrs = review.path("spec").path("resourceAttributes");
        String resource = attrs.path("resource").asText("");
        if (!attrs.path("subresource").asText("").isEmpty()) {
            resource += "/" + attrs.path("subresource").asText();
        }
        String ns = attrs.path("namespace").asText("");
        boolean deny = isDenied(attrs.path("verb").asText(""), resource, ns.isEmpty() ? null : ns);
        ObjectNode status = review.putObject("status").put("allowed", !deny);
        if (deny) {
            status.put("denied", true).put("reason", "denied by the KubePeer deny list (POST /_peer/deny)");
        }
        return review;
    }

    /**
     * {@code GET .../pods/NAME/log}: the container's lines (stdout and stderr as they arrived),
     * narrowed by sinceTime, sinceSeconds, tailLines and limitBytes, prefixed with their arrival
     * time when {@code timestamps=true}; with {@code follow=true} a chunked stream that ends when
     * the container has terminated (a simulated pod's log ends at once).
     */
    private void podLog(HttpExchange ex, String ns, String name, Map<String, List<String>> query) throws IOException {
        ObjectNode pod = store.get(KubeResource.PODS, ns, name);
        List<String> containers = new ArrayList<>();
        pod.path("spec").path("containers").forEach(c -> containers.add(c.path("name").asText()));
        String container = first(query, "container");
        if (container == null) {
            if (containers.size() != 1) {
                throw KubeError.badRequest("a container name must be specified for pod " + name
                        + ", choose one of: " + containers.toString().replace(",", ""));
            }
            container = containers.get(0);
        } else if (!containers.contains(container)) {
            throw KubeError.badRequest("container " + container + " is not valid for pod " + name);
        }
        if (isTrue(first(query, "previous"))) {
            throw KubeError.badRequest("previous terminated container \"" + container + "\" in pod \"" + name
                    + "\" not found");
        }
        boolean runs = kubelet.runs(pod);
        JsonNode state = null;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            if (cs.path("name").asText().equals(container)) {
                state = cs.path("state");
            }
        }
        if (state != null && state.has("waiting") || state == null && runs) {
            String reason = state == null ? "ContainerCreating" : state.path("waiting").path("reason").asText("ContainerCreating");
            if (reason.equals("ErrImagePull") || reason.equals("ImagePullBackOff")) {
                reason = "trying and failing to pull image";
            }
            throw KubeError.badRequest("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: "
                    + reason);
        }
        boolean follow = isTrue(first(query, "follow")) && runs;
        boolean timestamps = isTrue(first(query, "timestamps"));
        Instant since = null;
        if (first(query, "sinceTime") != null) {
            try {
                since = java.time.OffsetDateTime.parse(first(query, "sinceTime")).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw KubeError.badRequest("sinceTime must be an RFC3339 time: " + first(query, "sinceTime"));
            }
        }
        if (first(query, "sinceSeconds") != null) {
            long seconds = positive(query, "sinceSeconds");
            since = Instant.now().minusSeconds(seconds);
        }
        long limit = first(query, "limitBytes") == null ? Long.MAX_VALUE : positive(query, "limitBytes");
        KubeLogs logs = store.logs();
        long cuts = logs.cuts();
        KubeLogs.Slice slice = logs.from(ns, name, container, 0);
        List<KubeLogs.Line> lines = new ArrayList<>();
        for (KubeLogs.Line line : slice.lines()) {
            if (since == null || !line.time().isBefore(since)) {
                lines.add(line);
            }
        }
        if (first(query, "tailLines") != null) {
            int tail = (int) Math.min(Integer.MAX_VALUE, nonNegative(query, "tailLines"));
            lines = lines.subList(Math.max(0, lines.size() - tail), lines.size());
        }
        if (!follow) {
            StringBuilder text = new StringBuilder();
            lines.forEach(l -> text.append(timestamps ? rfc3339Nano(l.time()) + " " : "").append(l.text()));
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            if (bytes.length > limit) {
                bytes = java.util.Arrays.copyOf(bytes, (int) limit);
            }
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                ex.getResponseBody().write(bytes);
            }
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        long[] written = {0};
        if (!writeLines(out, lines, timestamps, limit, written)) {
            return;
        }
        out.flush();
        int next = slice.next();
        try {
            while (true) {
                logs.await(ns, name, container, next, cuts, 10_000);
                if (logs.cuts() != cuts) {
                    throw new StreamCut();
                }
                KubeLogs.Slice more = logs.from(ns, name, container, next);
                next = more.next();
                if (!writeLines(out, more.lines(), timestamps, limit, written)) {
                    return;
                }
                out.flush();
                if (more.removed() || more.finished() && more.lines().isEmpty()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes lines up to the byte limit; false once it is reached. */
    private static boolean writeLines(OutputStream out, List<KubeLogs.Line> lines, boolean timestamps, long limit,
                                      long[] written) throws IOException {
        for (KubeLogs.Line line : lines) {
            byte[] bytes = ((timestamps ? rfc3339Nano(line.time()) + " " : "") + line.text()).getBytes(StandardCharsets.UTF_8);
            if (written[0] + bytes.length >= limit) {
                out.write(bytes, 0, (int) (limit - written[0]));
                written[0] = limit;
                return false;
            }
            out.write(bytes);
            written[0] += bytes.length;
        }
        return true;
    }

    /** Go's RFC3339Nano: UTC, the fraction without trailing zeros. */
    static String rfc3339Nano(Instant t) {
        String base = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        base = base.substring(0, base.length() - 1);
        int nanos = t.getNano();
        if (nanos == 0) {
            return base + "Z";
        }
        String fraction = String.format("%09d", nanos).replaceAll("0+$", "");
        return base + "." + fraction + "Z";
    }

    private static long positive(Map<String, List<String>> q, String key) {
        long v = nonNegative(q, key);
        if (v == 0) {
            throw KubeError.badRequest(key + " must be greater than 0");
        }
        return v;
    }

    private static long nonNegative(Map<String, List<String>> q, String key) {
        try {
            long v = Long.parseLong(first(q, key));
            if (v < 0) {
                throw KubeError.badRequest(key + " must be 0 or greater: " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw KubeError.badRequest(key + " must be a number: " + first(q, key));
        }
    }

    /**
     * {@code kubectl drain} evicts pods with a typed client that sends protobuf. The pod to evict
     * is named by the URL, so a body that is not JSON is not read (there are no disruption budgets).
     */
    private void evict(HttpExchange ex, String ns, String name, boolean dryRun) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (contentType(ex).startsWith("application/json") && body.length > 0) {
            dryRun |= JSON.readTree(body).path("deleteOptions").path("dryRun").toString().contains("\"All\"");
        }
        store.delete(KubeResource.PODS, ns, name, dryRun, KubeStore.Propagation.BACKGROUND, null, null);
        ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        send(ex, 201, status.put("status", "Success").put("code", 201));
    }

    private static ObjectNode scaleOf(KubeResource r, ObjectNode o) {
        ObjectNode scale = JSON.createObjectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (o.path("metadata").has(f)) {
                meta.set(f, o.path("metadata").get(f));
            }
        }
        scale.putObject("spec").put("replicas", o.path("spec").path("replicas").asInt(1));
        scale.putObject("status").put("replicas", o.path("status").path("replicas").asInt())
                .put("selector", KubeSelectors.toText(o.path("spec").path("selector")));
        return scale;
    }

    private ObjectNode scale(KubeResource r, String ns, String name, JsonNode replicas, boolean dryRun) {
        if (!replicas.isInt()) {
            throw KubeError.invalid(r, name, "spec.replicas", "Required value");
        }
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("spec").put("replicas", replicas.asInt());
        ObjectNode updated = store.patch(r, ns, name, "application/merge-patch+json", patch, dryRun,
                KubeStore.Part.MAIN, KubeStore.Source.API);
        return scaleOf(r, updated);
    }

    // ======================================================================= /_peer/ endpoints

    private void peerEndpoint(HttpExchange ex, String method, String what, Map<String, List<String>> q)
            throws IOException {
        switch (method + " " + what) {
            case "POST seed" -> {
                JsonNode body = readJson(ex, false);
                List<JsonNode> objects = new ArrayList<>();
                if (body.isArray()) {
                    body.forEach(objects::add);
                } else if (body.has("items") && body.path("kind").asText().endsWith("List")) {
                    body.path("items").forEach(objects::add);
                } else {
                    objects.add(body);
                }
                List<ObjectNode> stored = new ArrayList<>();
                for (JsonNode o : objects) {
                    if (!o.isObject()) {
                        throw KubeError.badRequest("seed items must be objects: " + o);
                    }
                    stored.add(store.put((ObjectNode) o));
                }
                send(ex, 200, peerList(stored));
            }
            case "GET state" -> {
                String kind = first(q, "kind");
                List<ObjectNode> items = kind == null ? store.all() : list(kind, first(q, "namespace"));
                send(ex, 200, peerList(items));
            }
            case "POST reset" -> {
                reset();
                send(ex, 200, JSON.createObjectNode().put("reset", true));
            }
            case "POST deployment" -> send(ex, 200, seedDeployment(required(q, "namespace"), required(q, "name"),
                    labelMap(first(q, "labels")), Integer.parseInt(Optional.ofNullable(first(q, "replicas")).orElse("1")),
                    Optional.ofNullable(first(q, "image")).orElse("nginx:1.27")));
            case "POST pod" -> send(ex, 200, seedPod(required(q, "namespace"), required(q, "name"),
                    labelMap(first(q, "labels")), Optional.ofNullable(first(q, "image")).orElse("busybox:1.36")));
            case "POST crashloop" -> send(ex, 200, setPodCrashLooping(required(q, "namespace"), required(q, "pod"),
                    Integer.parseInt(Optional.ofNullable(first(q, "restarts")).orElse("5"))));
            case "POST phase" -> send(ex, 200, setPodPhase(required(q, "namespace"), required(q, "pod"),
                    required(q, "phase")));
            case "POST ready" -> send(ex, 200, setPodReady(required(q, "namespace"), required(q, "pod"),
                    isTrue(required(q, "ready"))));
            case "POST age" -> send(ex, 200, setCreationTimestamp(required(q, "kind"), first(q, "namespace"),
                    required(q, "name"), store.now().minusSeconds(Long.parseLong(required(q, "seconds")))));
            case "POST log" -> {
                String text = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                setPodLog(required(q, "namespace"), required(q, "pod"), first(q, "container"), text);
                send(ex, 200, JSON.createObjectNode().put("bytes", text.length()));
            }
            case "GET requests" -> send(ex, 200, JSON.valueToTree(requests()));
            case "POST image" -> {
                String image = required(q, "image");
                String behavior = required(q, "behavior");
                kubelet.imageBehaviour(image, behavior);
                send(ex, 200, JSON.createObjectNode().put("image", image).put("behavior", behavior));
            }
            case "POST deny" -> {
                deny(required(q, "verb"), required(q, "resource"), first(q, "namespace"));
                send(ex, 200, JSON.createObjectNode().put("verb", first(q, "verb")).put("resource", first(q, "resource"))
                        .put("namespace", Optional.ofNullable(first(q, "namespace")).orElse("*")));
            }
            case "POST cut-log-streams" -> {
                cutLogStreams();
                send(ex, 200, JSON.createObjectNode().put("cut", true));
            }
            case "GET pod-history" -> send(ex, 200, JSON.valueToTree(store.podHistory()));
            case "GET max-running" -> {
                String selector = first(q, "selector");
                send(ex, 200, JSON.createObjectNode().put("selector", selector == null ? "" : selector)
                        .put("maxRunning", maxRunning(selector)));
            }
            case "POST node" -> {
                String taints = first(q, "taints");
                send(ex, 200, seedNode(required(q, "name"), labelMap(first(q, "labels")),
                        taints == null || taints.isBlank() ? List.of() : List.of(taints.split(","))));
            }
            default -> throw KubeError.pathNotFound();
        }
    }

    private static ObjectNode peerList(List<ObjectNode> items) {
        ObjectNode list = JSON.createObjectNode().put("kind", "List").put("apiVersion", "v1");
        list.putObject("metadata");
        ArrayNode array = list.putArray("items");
        items.forEach(array::add);
        return list;
    }

    private static Map<String, String> labelMap(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text != null && !text.isBlank()) {
            for (String pair : text.split(",")) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2) {
                    throw KubeError.badRequest("labels must be key=value pairs: " + text);
                }
                labels.put(kv[0].trim(), kv[1].trim());
            }
        }
        return labels;
    }

    // ======================================================================= plumbing

    private static String required(Map<String, List<String>> q, String key) {
        String v = first(q, key);
        if (v == null || v.isEmpty()) {
            throw KubeError.badRequest("missing query parameter " + key);
        }
        return v;
    }

    private static void requireName(String name, String method) {
        if (name == null) {
            throw KubeError.methodNotAllowed(method);
        }
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equals("true") || v.equals("1"));
    }

    private static KubeStore.Propagation propagation(String policy) {
        return switch (policy) {
            case "Orphan" -> KubeStore.Propagation.ORPHAN;
            case "Foreground" -> KubeStore.Propagation.FOREGROUND;
            case "", "Background" -> KubeStore.Propagation.BACKGROUND;
            default -> throw KubeError.badRequest("unknown propagationPolicy " + policy);
        };
    }

    private static String contentType(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        return type == null ? "application/json" : type.trim();
    }

    private static JsonNode readJson(HttpExchange ex, boolean allowEmpty) throws IOException {
        String type = contentType(ex);
        byte[] body = ex.getRequestBody().readAllBytes();
        if (body.length == 0) {
            if (allowEmpty) {
                return JSON.createObjectNode();
            }
            throw KubeError.badRequest("the request body is empty");
        }
        if (type.contains("protobuf") || type.contains("yaml") && !type.startsWith("application/apply-patch")) {
            throw KubeError.unsupportedMediaType(type);
        }
        return JSON.readTree(body);
    }

    private static String first(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void send(HttpExchange ex, int code, JsonNode body) throws IOException {
        send(ex, code, body, "application/json");
    }

    private static void send(HttpExchange ex, int code, JsonNode body, String contentType) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
        ex.sendResponseHeaders(code, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendText(HttpExchange ex, int code, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    // ======================================================================= standalone

    /**
     * {@code KubePeer [--port N] [--kubeconfig FILE] [--seed FILE.json]}: prints {@code ready <url>}
     * once listening and serves until killed.
     */
    public static void main(String[] args) throws Exception {
        int port = 0;
        Path kubeconfig = null;
        Path seed = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length && List.of("--port", "--kubeconfig", "--seed").contains(a)) {
                usage("missing value for " + a);
            }
            switch (a) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--kubeconfig" -> kubeconfig = Path.of(args[++i]);
                case "--seed" -> seed = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: KubePeer [--port N] [--kubeconfig FILE] [--seed FILE.json]");
                    return;
                }
                default -> usage("unknown argument " + a);
            }
        }
        KubePeer peer = new KubePeer(port).start();
        Runtime.getRuntime().addShutdownHook(new Thread(peer::close, "kube-peer-shutdown"));
        if (kubeconfig != null) {
            peer.writeKubeconfig(kubeconfig);
        }
        if (seed != null) {
            JsonNode body = JSON.readTree(seed.toFile());
            for (JsonNode o : body.isArray() ? body : body.has("items") ? body.path("items") : JSON.createArrayNode().add(body)) {
                peer.put((ObjectNode) o);
            }
        }
        System.out.println("ready " + peer.url());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private static void usage(String problem) {
        System.err.println("KubePeer: " + problem);
        System.err.println("usage: KubePeer [--port N] [--kubeconfig FILE] [--seed FILE.json]");
        System.exit(2);
    }
}
