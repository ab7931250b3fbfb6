package dev.ao.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The peer's etcd and controllers: objects by resource, a global resourceVersion, a bounded
 * history of watch events, and small synchronous versions of the kubelet, the ReplicaSet and
 * Deployment controllers and the garbage collector. Every public method holds the monitor,
 * so concurrent requests see one consistent state.
 */
final class KubeStore {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String NODE_NAME = "peer-node";
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String HASH_LABEL = "pod-template-hash";

    private static final int HISTORY_LIMIT = 20_000;
    private static final Set<String> UNDELETABLE_NAMESPACES = Set.of("default", "kube-system", "kube-public");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    /** Who is writing: the API (real server rules) or a test hook (may set status and timestamps). */
    enum Source { API, HOOK }

    enum Propagation { BACKGROUND, FOREGROUND, ORPHAN }

    record Event(long resourceVersion, String type, KubeResource resource, ObjectNode object, ObjectNode previous) {}

    record Page(List<ObjectNode> items, String resourceVersion, String continueToken, long remaining) {}

    private final Map<KubeResource, TreeMap<String, ObjectNode>> objects = new HashMap<>();
    private final KubeLogs logs = new KubeLogs();
    private final List<ObjectNode> podHistory = new ArrayList<>();
    private final Map<String, Instant> jobStarts = new HashMap<>();
    private final Map<String, Instant> jobFinishes = new HashMap<>();
    private PodRuntime runtime;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private long resourceVersion = 1;
    private long historyStart = 1;
    private Clock clock = Clock.systemUTC();
    private boolean controllers = true;
    private boolean closed;
    private int nextPodIp = 2;

    /**
     * What runs pod processes (the peer's {@link KubeKubelet}). Called with the store's monitor
     * held, so an implementation only takes note and acts on its own threads.
     */
    interface PodRuntime {
        /** Whether this pod's containers are run as processes (else its status is simulated). */
        boolean runs(JsonNode pod);

        /** The pod is bound to a node and waits in ContainerCreating for its containers to start. */
        void bound(String ns, String name, String uid);

        /** The pod is gone from the store: kill its processes. */
        void removed(String ns, String name, String uid);

        /** Kill the pod's processes; the pod ends Failed with {@code reason}. */
        void kill(String ns, String name, String uid, String reason, String message);
    }

    KubeStore() {
        synchronized (this) {
            seedDefaults();
        }
    }

    // ------------------------------------------------------------------ configuration

    synchronized void clock(Clock clock) {
        this.clock = clock;
    }

    synchronized Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    synchronized void controllers(boolean enabled) {
        this.controllers = enabled;
        reconcile();
    }

    synchronized void runtime(PodRuntime runtime) {
        this.runtime = runtime;
    }

    KubeLogs logs() {
        return logs;
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    synchronized void reset() {
        for (ObjectNode pod : table(KubeResource.PODS).values()) {
            if (runtime != null) {
                runtime.removed(namespaceOf(pod), nameOf(pod), uidOf(pod));
            }
        }
        objects.clear();
        logs.clear();
        history.clear();
        podHistory.clear();
        jobStarts.clear();
        jobFinishes.clear();
        historyStart = resourceVersion + 1;
        seedDefaults();
        notifyAll();
    }

    private void seedDefaults() {
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            ensureNamespace(ns);
        }
        ObjectNode node = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Node");
        ObjectNode meta = node.putObject("metadata").put("name", NODE_NAME);
        meta.putObject("labels").put("kubernetes.io/hostname", NODE_NAME).put("kubernetes.io/os", "linux")
                .put("node-role.kubernetes.io/control-plane", "");
        ObjectNode status = node.putObject("status");
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True")
                .put("reason", "KubeletReady").put("message", "kubelet is posting ready status")
                .put("lastHeartbeatTime", now().toString()).put("lastTransitionTime", now().toString());
        status.putArray("addresses").addObject().put("type", "InternalIP").put("address", "10.0.0.10");
        status.putObject("nodeInfo").put("kubeletVersion", KubePeer.SERVER_VERSION)
                .put("operatingSystem", "linux").put("architecture", "amd64");
        insert(KubeResource.NODES, node);
    }

    // ------------------------------------------------------------------ reads

    synchronized ObjectNode get(KubeResource r, String ns, String name) {
        ObjectNode o = current(r, ns, name);
        if (o == null) {
            throw KubeError.notFound(r, name);
        }
        return o.deepCopy();
    }

    synchronized ObjectNode find(KubeResource r, String ns, String name) {
        ObjectNode o = current(r, ns, name);
        return o == null ? null : o.deepCopy();
    }

    synchronized Page list(KubeResource r, String ns, KubeSelectors.Selector labels,
                           KubeSelectors.FieldSelector fields, int limit, String continueToken) {
        String after = null;
        if (continueToken != null && !continueToken.isEmpty()) {
            try {
                after = new String(java.util.Base64.getUrlDecoder().decode(continueToken), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw KubeError.badRequest("continue key is not valid: " + continueToken);
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        String lastKey = null;
        long remaining = 0;
        for (Map.Entry<String, ObjectNode> e : table(r).entrySet()) {
            ObjectNode o = e.getValue();
            if ((after != null && e.getKey().compareTo(after) <= 0) || !visible(r, o, ns, labels, fields)) {
                continue;
            }
            if (limit > 0 && out.size() >= limit) {
                remaining++;
                continue;
            }
            out.add(o.deepCopy());
            lastKey = e.getKey();
        }
        String token = remaining > 0
                ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8))
                : null;
        return new Page(out, String.valueOf(resourceVersion), token, remaining);
    }

    static boolean visible(KubeResource r, JsonNode o, String ns, KubeSelectors.Selector labels,
                           KubeSelectors.FieldSelector fields) {
        if (o == null) {
            return false;
        }
        if (r.namespaced() && ns != null && !ns.equals(o.path("metadata").path("namespace").asText())) {
            return false;
        }
        return labels.matches(KubeSelectors.labels(o)) && fields.matches(o);
    }

    synchronized List<ObjectNode> all() {
        List<ObjectNode> out = new ArrayList<>();
        for (KubeResource r : KubeResource.ALL) {
            table(r).values().forEach(o -> out.add(o.deepCopy()));
        }
        return out;
    }

    synchronized String resourceVersion() {
        return String.valueOf(resourceVersion);
    }

    // ------------------------------------------------------------------ watch

    /** Events after {@code since}; a 410 Expired when they are no longer kept, as etcd compaction does. */
    synchronized List<Event> eventsAfter(long since) {
        if (since + 1 < historyStart) {
            throw KubeError.gone("too old resource version: " + since + " (" + historyStart + ")");
        }
        List<Event> out = new ArrayList<>();
        Iterator<Event> it = history.descendingIterator();
        while (it.hasNext()) {
            Event e = it.next();
            if (e.resourceVersion() <= since) {
                break;
            }
            out.add(0, e);
        }
        return out;
    }

    enum Wake { CHANGED, TIMEOUT, CLOSED }

    /** Blocks until something newer than {@code since} happened, the deadline passed, or the store closed. */
    synchronized Wake awaitChange(long since, long deadlineNanos) throws InterruptedException {
        while (!closed && resourceVersion <= since) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return Wake.TIMEOUT;
            }
            wait(left);
        }
        return closed ? Wake.CLOSED : Wake.CHANGED;
    }

    // ------------------------------------------------------------------ API writes

    synchronized ObjectNode create(KubeResource r, String ns, JsonNode body, boolean dryRun, Source source) {
        ObjectNode obj = asObject(body);
        checkKind(r, obj);
        ObjectNode meta = child(obj, "metadata");
        if (r.namespaced()) {
            String bodyNs = meta.path("namespace").asText("");
            if (!bodyNs.isEmpty() && ns != null && !bodyNs.equals(ns)) {
                throw KubeError.badRequest("the namespace of the provided object does not match the namespace"
                        + " sent on the request");
            }
            String effective = ns != null ? ns : bodyNs.isEmpty() ? "default" : bodyNs;
            meta.put("namespace", effective);
            if (current(KubeResource.NAMESPACES, null, effective) == null) {
                if (source == Source.API) {
                    throw KubeError.notFound(KubeResource.NAMESPACES, effective);
                }
                ensureNamespace(effective);
            }
        } else {
            meta.remove("namespace");
        }
        if (meta.path("name").asText("").isEmpty()) {
            String prefix = meta.path("generateName").asText("");
            if (prefix.isEmpty()) {
                throw KubeError.invalid(r, "", "metadata.name",
                        "Required value: name or generateName is required");
            }
            String name;
            do {
                name = prefix + randomSuffix();
            } while (current(r, meta.path("namespace").asText(null), name) != null);
            meta.put("name", name);
        }
        String name = meta.path("name").asText();
        if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
            throw KubeError.invalid(r, name, "metadata.name", "Invalid value: \"" + name + "\": a lowercase RFC"
                    + " 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
                    + " start and end with an alphanumeric character");
        }
        if (current(r, meta.path("namespace").asText(null), name) != null) {
            throw KubeError.alreadyExists(r, name);
        }
        if (source == Source.API) {
            meta.remove(List.of("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "generation",
                    "managedFields", "selfLink"));
            if (r.hasStatus()) {
                obj.remove("status");
            }
        }
        applyDefaults(r, obj);
        validate(r, obj);
        if (dryRun) {
            stamp(r, obj, null);
            meta.remove("resourceVersion");
            return obj;
        }
        insert(r, obj);
        reconcile();
        return find(r, meta.path("namespace").asText(null), name);
    }

    enum Part { MAIN, STATUS }

    synchronized ObjectNode update(KubeResource r, String ns, String name, JsonNode body, boolean dryRun,
                                   Part part, Source source) {
        ObjectNode existing = current(r, ns, name);
        if (existing == null) {
            throw KubeError.notFound(r, name);
        }
        ObjectNode obj = asObject(body);
        checkKind(r, obj);
        String bodyName = obj.path("metadata").path("name").asText("");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw KubeError.badRequest("the name of the object (" + bodyName + ") does not match the name on"
                    + " the URL (" + name + ")");
        }
        String bodyRv = obj.path("metadata").path("resourceVersion").asText("");
        if (!bodyRv.isEmpty() && !bodyRv.equals(existing.path("metadata").path("resourceVersion").asText())) {
            throw KubeError.conflict(r, name);
        }
        return replace(r, existing, obj, dryRun, part, source);
    }

    synchronized ObjectNode patch(KubeResource r, String ns, String name, String contentType, JsonNode patch,
                                  boolean dryRun, Part part, Source source) {
        ObjectNode existing = current(r, ns, name);
        boolean apply = contentType.startsWith("application/apply-patch");
        if (existing == null) {
            if (apply && part == Part.MAIN) {
                return create(r, ns, patch, dryRun, source);
            }
            throw KubeError.notFound(r, name);
        }
        JsonNode patched;
        if (contentType.startsWith("application/json-patch+json")) {
            patched = KubePatches.jsonPatch(existing, patch);
        } else if (contentType.startsWith("application/merge-patch+json")) {
            patched = KubePatches.mergePatch(existing, patch);
        } else if (contentType.startsWith("application/strategic-merge-patch+json") || apply) {
            // Server-side apply is approximated by a strategic merge of the applied configuration.
            patched = KubePatches.strategicMerge(existing, patch);
        } else {
            throw KubeError.unsupportedMediaType(contentType);
        }
        String patchRv = patch.path("metadata").path("resourceVersion").asText("");
        if (!patchRv.isEmpty() && !patchRv.equals(existing.path("metadata").path("resourceVersion").asText())) {
            throw KubeError.conflict(r, name);
        }
        ObjectNode obj = asObject(patched);
        checkKind(r, obj);
        child(obj, "metadata").put("name", name);
        return replace(r, existing, obj, dryRun, part, source);
    }

    private ObjectNode replace(KubeResource r, ObjectNode existing, ObjectNode obj, boolean dryRun, Part part,
                               Source source) {
        ObjectNode updated;
        if (part == Part.STATUS) {
            updated = existing.deepCopy();
            if (obj.has("status")) {
                updated.set("status", obj.get("status").deepCopy());
            } else {
                updated.remove("status");
            }
        } else {
            updated = obj.deepCopy();
            ObjectNode meta = child(updated, "metadata");
            JsonNode oldMeta = existing.get("metadata");
            for (String keep : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp")) {
                if (oldMeta.has(keep)) {
                    meta.set(keep, oldMeta.get(keep).deepCopy());
                } else {
                    meta.remove(keep);
                }
            }
            if (source == Source.API && r.hasStatus()) {
                if (existing.has("status")) {
                    updated.set("status", existing.get("status").deepCopy());
                } else {
                    updated.remove("status");
                }
            }
            applyDefaults(r, updated);
            validate(r, updated);
        }
        stamp(r, updated, existing);
        child(updated, "metadata").put("resourceVersion", existing.path("metadata").path("resourceVersion").asText());
        if (updated.equals(existing)) {
            return existing.deepCopy();
        }
        if (dryRun) {
            return updated;
        }
        commit(r, updated, "MODIFIED", existing);
        reconcile();
        return find(r, namespaceOf(updated), nameOf(updated));
    }

    synchronized ObjectNode delete(KubeResource r, String ns, String name, boolean dryRun, Propagation propagation,
                                   String precondUid, String precondRv) {
        ObjectNode existing = current(r, ns, name);
        if (existing == null) {
            throw KubeError.notFound(r, name);
        }
        if (precondUid != null && !precondUid.equals(existing.path("metadata").path("uid").asText())) {
            throw new KubeError(409, "Conflict", "Precondition failed: UID in precondition: " + precondUid
                    + ", UID in object meta: " + existing.path("metadata").path("uid").asText(), null);
        }
        if (precondRv != null && !precondRv.equals(existing.path("metadata").path("resourceVersion").asText())) {
            throw KubeError.conflict(r, name);
        }
        if (r == KubeResource.NAMESPACES && UNDELETABLE_NAMESPACES.contains(name)) {
            throw KubeError.forbidden("namespaces \"" + name + "\" is forbidden: this namespace may not be deleted");
        }
        if (dryRun) {
            return existing.deepCopy();
        }
        removeCascading(r, existing, propagation);
        reconcile();
        return existing.deepCopy();
    }

    synchronized List<ObjectNode> deleteCollection(KubeResource r, String ns, KubeSelectors.Selector labels,
                                                   KubeSelectors.FieldSelector fields, boolean dryRun,
                                                   Propagation propagation) {
        List<ObjectNode> matched = new ArrayList<>();
        for (ObjectNode o : new ArrayList<>(table(r).values())) {
            if (visible(r, o, ns, labels, fields)) {
                matched.add(o.deepCopy());
            }
        }
        if (!dryRun) {
            for (ObjectNode o : matched) {
                if (r == KubeResource.NAMESPACES && UNDELETABLE_NAMESPACES.contains(nameOf(o))) {
                    continue;
                }
                ObjectNode still = current(r, namespaceOf(o), nameOf(o));
                if (still != null) {
                    removeCascading(r, still, propagation);
                }
            }
            reconcile();
        }
        return matched;
    }

    // ------------------------------------------------------------------ hooks

    /** Creates or replaces an object as given, keeping status and timestamps the caller set. */
    synchronized ObjectNode put(ObjectNode body) {
        KubeResource r = resourceOf(body);
        ObjectNode obj = body.deepCopy();
        ObjectNode meta = child(obj, "metadata");
        if (r.namespaced() && meta.path("namespace").asText("").isEmpty()) {
            meta.put("namespace", "default");
        }
        String ns = r.namespaced() ? meta.path("namespace").asText() : null;
        ObjectNode existing = current(r, ns, meta.path("name").asText(""));
        if (existing == null) {
            return create(r, ns, obj, false, Source.HOOK);
        }
        if (!meta.has("uid")) {
            meta.set("uid", existing.path("metadata").path("uid"));
        }
        if (!meta.has("creationTimestamp")) {
            meta.set("creationTimestamp", existing.path("metadata").path("creationTimestamp"));
        }
        applyDefaults(r, obj);
        validate(r, obj);
        stamp(r, obj, existing);
        commit(r, obj, "MODIFIED", existing);
        reconcile();
        return find(r, ns, nameOf(obj));
    }

    /** Changes a stored object in place (status included) and lets the controllers react. */
    synchronized ObjectNode mutate(KubeResource r, String ns, String name, Consumer<ObjectNode> change) {
        ObjectNode existing = current(r, ns, name);
        if (existing == null) {
            throw new IllegalArgumentException(r.groupResource() + " \"" + name + "\" not found"
                    + (ns == null ? "" : " in namespace " + ns));
        }
        ObjectNode updated = existing.deepCopy();
        change.accept(updated);
        ObjectNode meta = child(updated, "metadata");
        meta.set("name", existing.path("metadata").path("name"));
        if (r.namespaced()) {
            meta.set("namespace", existing.path("metadata").path("namespace"));
        }
        stamp(r, updated, existing);
        meta.put("resourceVersion", existing.path("metadata").path("resourceVersion").asText());
        if (!updated.equals(existing)) {
            commit(r, updated, "MODIFIED", existing);
            reconcile();
        }
        return find(r, ns, name);
    }

    synchronized void setLog(String ns, String pod, String container, String text) {
        logs.set(ns, pod, container, text, clock.instant());
    }

    synchronized String log(String ns, String pod, String container) {
        return logs.text(ns, pod, container);
    }

    /**
     * Changes a pod's status for the kubelet when the pod with {@code uid} still exists; false
     * when it is gone (deleted, or replaced by a pod of the same name).
     */
    synchronized boolean updatePod(String ns, String name, String uid, Consumer<ObjectNode> change) {
        ObjectNode existing = current(KubeResource.PODS, ns, name);
        if (existing == null || !uidOf(existing).equals(uid)) {
            return false;
        }
        mutate(KubeResource.PODS, ns, name, change);
        return true;
    }

    /** Every pod phase or container-state change so far, oldest first. */
    synchronized List<ObjectNode> podHistory() {
        List<ObjectNode> out = new ArrayList<>();
        podHistory.forEach(h -> out.add(h.deepCopy()));
        return out;
    }

    /** The most pods matching {@code selector} that were Running at the same time, from the history. */
    synchronized int maxRunning(KubeSelectors.Selector selector) {
        Set<String> running = new java.util.HashSet<>();
        int max = 0;
        for (ObjectNode h : podHistory) {
            String uid = h.path("uid").asText();
            Map<String, String> labels = new HashMap<>();
            h.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            if (h.path("phase").asText().equals("Running") && !h.path("event").asText().equals("DELETED")
                    && selector.matches(labels)) {
                running.add(uid);
            } else {
                running.remove(uid);
            }
            max = Math.max(max, running.size());
        }
        return max;
    }

    private void recordPod(String type, ObjectNode pod, ObjectNode previous) {
        String phase = pod.path("status").path("phase").asText("");
        ArrayNode containers = JSON.createArrayNode();
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            ObjectNode c = containers.addObject().put("name", cs.path("name").asText());
            cs.path("state").fields().forEachRemaining(e -> {
                c.put("state", e.getKey());
                if (e.getValue().has("reason")) {
                    c.put("reason", e.getValue().path("reason").asText());
                }
                if (e.getValue().has("exitCode")) {
                    c.put("exitCode", e.getValue().path("exitCode").asInt());
                }
            });
        }
        if (previous != null && !type.equals("DELETED") && podHistory.size() > 0) {
            for (int i = podHistory.size() - 1; i >= 0; i--) {
                ObjectNode last = podHistory.get(i);
                if (last.path("uid").asText().equals(uidOf(pod))) {
                    if (last.path("phase").asText().equals(phase) && last.path("containers").equals(containers)
                            && last.path("nodeName").asText().equals(pod.path("spec").path("nodeName").asText(""))) {
                        return;
                    }
                    break;
                }
            }
        }
        if (podHistory.size() >= HISTORY_LIMIT * 5) {
            return;
        }
        ObjectNode h = JSON.createObjectNode().put("time", clock.instant().toString()).put("event", type)
                .put("namespace", namespaceOf(pod)).put("name", nameOf(pod)).put("uid", uidOf(pod))
                .put("phase", phase).put("nodeName", pod.path("spec").path("nodeName").asText(""));
        h.set("containers", containers);
        h.set("labels", pod.path("metadata").path("labels").isObject()
                ? pod.path("metadata").path("labels").deepCopy() : JSON.createObjectNode());
        podHistory.add(h);
    }

    // ------------------------------------------------------------------ storage internals

    private TreeMap<String, ObjectNode> table(KubeResource r) {
        return objects.computeIfAbsent(r, k -> new TreeMap<>());
    }

    private static String key(KubeResource r, String ns, String name) {
        return r.namespaced() ? ns + "/" + name : name;
    }

    private ObjectNode current(KubeResource r, String ns, String name) {
        return table(r).get(key(r, ns, name));
    }

    static String nameOf(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    static String namespaceOf(JsonNode o) {
        return o.path("metadata").path("namespace").asText(null);
    }

    static String uidOf(JsonNode o) {
        return o.path("metadata").path("uid").asText();
    }

    static ObjectNode child(ObjectNode parent, String field) {
        JsonNode c = parent.get(field);
        if (c instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    private static ObjectNode asObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw KubeError.badRequest("the request body must be a JSON object");
        }
        return ((ObjectNode) body).deepCopy();
    }

    static KubeResource resourceOf(JsonNode obj) {
        String apiVersion = obj.path("apiVersion").asText("");
        String kind = obj.path("kind").asText("");
        return KubeResource.byKind(apiVersion, kind).orElseThrow(() -> new IllegalArgumentException(
                "KubePeer does not serve kind " + kind + " in " + (apiVersion.isEmpty() ? "(no apiVersion)" : apiVersion)));
    }

    private static void checkKind(KubeResource r, ObjectNode obj) {
        String kind = obj.path("kind").asText("");
        String apiVersion = obj.path("apiVersion").asText("");
        if (kind.isEmpty() && apiVersion.isEmpty()) {
            obj.put("apiVersion", r.apiVersion()).put("kind", r.kind());
            return;
        }
        if (!kind.equals(r.kind()) || !apiVersion.equals(r.apiVersion())) {
            throw KubeError.badRequest("the API version in the data (" + apiVersion + ") and kind (" + kind
                    + ") do not match the resource " + r.groupResource() + " (" + r.apiVersion() + ")");
        }
    }

    /** Sets uid, creationTimestamp and generation for a new or changed object. */
    private void stamp(KubeResource r, ObjectNode obj, ObjectNode previous) {
        ObjectNode meta = child(obj, "metadata");
        // The real server's JSON omits empty maps and lists here (Go omitempty).
        for (String field : List.of("labels", "annotations", "ownerReferences", "finalizers")) {
            if (meta.has(field) && (meta.get(field).isNull() || meta.get(field).isEmpty())) {
                meta.remove(field);
            }
        }
        if (!meta.has("uid")) {
            meta.put("uid", UUID.randomUUID().toString());
        }
        if (!meta.has("creationTimestamp")) {
            meta.put("creationTimestamp", now().toString());
        }
        if (r.hasGeneration()) {
            long generation = previous == null ? 1 : previous.path("metadata").path("generation").asLong(1);
            if (previous != null && !obj.path("spec").equals(previous.path("spec"))) {
                generation++;
            }
            meta.put("generation", generation);
        }
    }

    /** Stores a brand-new object written by the API, a hook or a controller. */
    private ObjectNode insert(KubeResource r, ObjectNode obj) {
        stamp(r, obj, null);
        commit(r, obj, "ADDED", null);
        return obj;
    }

    private void commit(KubeResource r, ObjectNode obj, String type, ObjectNode previous) {
        resourceVersion++;
        child(obj, "metadata").put("resourceVersion", String.valueOf(resourceVersion));
        String k = key(r, namespaceOf(obj), nameOf(obj));
        if (type.equals("DELETED")) {
            table(r).remove(k);
        } else {
            table(r).put(k, obj);
        }
        history.addLast(new Event(resourceVersion, type, r, obj.deepCopy(), previous == null ? null : previous.deepCopy()));
        if (r == KubeResource.PODS) {
            recordPod(type, obj, previous);
        }
        while (history.size() > HISTORY_LIMIT) {
            historyStart = history.removeFirst().resourceVersion() + 1;
        }
        notifyAll();
    }

    /** Writes a controller's change when it changes anything; returns whether it did. */
    private boolean write(KubeResource r, ObjectNode updated) {
        ObjectNode existing = current(r, namespaceOf(updated), nameOf(updated));
        if (existing == null || existing.equals(updated)) {
            return false;
        }
        stamp(r, updated, existing);
        commit(r, updated, "MODIFIED", existing);
        return true;
    }

    private void removeCascading(KubeResource r, ObjectNode obj, Propagation propagation) {
        String uid = uidOf(obj);
        if (r == KubeResource.NAMESPACES) {
            String ns = nameOf(obj);
            for (KubeResource child : KubeResource.ALL) {
                if (child.namespaced()) {
                    for (ObjectNode o : new ArrayList<>(table(child).values())) {
                        if (ns.equals(namespaceOf(o)) && current(child, ns, nameOf(o)) != null) {
                            removeCascading(child, current(child, ns, nameOf(o)), Propagation.BACKGROUND);
                        }
                    }
                }
            }
        }
        for (KubeResource dr : KubeResource.ALL) {
            for (ObjectNode dependent : new ArrayList<>(table(dr).values())) {
                if (!ownedBy(dependent, uid, false)) {
                    continue;
                }
                ObjectNode live = current(dr, namespaceOf(dependent), nameOf(dependent));
                if (live == null) {
                    continue;
                }
                if (propagation == Propagation.ORPHAN) {
                    ObjectNode released = live.deepCopy();
                    removeOwner(released, uid);
                    write(dr, released);
                } else {
                    removeCascading(dr, live, propagation);
                }
            }
        }
        ObjectNode gone = obj.deepCopy();
        commit(r, gone, "DELETED", obj);
        if (r == KubeResource.PODS) {
            logs.removePod(namespaceOf(obj), nameOf(obj));
            if (runtime != null) {
                runtime.removed(namespaceOf(obj), nameOf(obj), uid);
            }
        }
        if (r == KubeResource.JOBS) {
            jobStarts.remove(uid);
            jobFinishes.remove(uid);
        }
    }

    private static boolean ownedBy(JsonNode o, String uid, boolean controllerOnly) {
        for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
            if (ref.path("uid").asText().equals(uid) && (!controllerOnly || ref.path("controller").asBoolean())) {
                return true;
            }
        }
        return false;
    }

    private static void removeOwner(ObjectNode o, String uid) {
        ObjectNode meta = child(o, "metadata");
        if (meta.get("ownerReferences") instanceof ArrayNode refs) {
            for (int i = refs.size() - 1; i >= 0; i--) {
                if (refs.get(i).path("uid").asText().equals(uid)) {
                    refs.remove(i);
                }
            }
            if (refs.isEmpty()) {
                meta.remove("ownerReferences");
            }
        }
    }

    private void ensureNamespace(String name) {
        if (current(KubeResource.NAMESPACES, null, name) == null) {
            ObjectNode ns = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
            ns.putObject("metadata").put("name", name);
            applyDefaults(KubeResource.NAMESPACES, ns);
            insert(KubeResource.NAMESPACES, ns);
        }
    }

    private static String randomSuffix() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(SAFE_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(SAFE_ALPHABET.length())));
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ defaulting and validation

    private void applyDefaults(KubeResource r, ObjectNode obj) {
        ObjectNode meta = child(obj, "metadata");
        if (r == KubeResource.NAMESPACES) {
            child(meta, "labels").put("kubernetes.io/metadata.name", meta.path("name").asText());
            ObjectNode spec = child(obj, "spec");
            if (!spec.has("finalizers")) {
                spec.putArray("finalizers").add("kubernetes");
            }
            if (!obj.path("status").has("phase")) {
                child(obj, "status").put("phase", "Active");
            }
        } else if (r == KubeResource.PODS) {
            defaultPodSpec(child(obj, "spec"));
        } else if (r == KubeResource.DEPLOYMENTS || r == KubeResource.REPLICASETS) {
            ObjectNode spec = child(obj, "spec");
            if (!spec.has("replicas")) {
                spec.put("replicas", 1);
            }
            if (r == KubeResource.DEPLOYMENTS) {
                if (!spec.has("strategy")) {
                    spec.putObject("strategy").put("type", "RollingUpdate").putObject("rollingUpdate")
                            .put("maxUnavailable", "25%").put("maxSurge", "25%");
                }
                if (!spec.has("revisionHistoryLimit")) {
                    spec.put("revisionHistoryLimit", 10);
                }
                if (!spec.has("progressDeadlineSeconds")) {
                    spec.put("progressDeadlineSeconds", 600);
                }
            }
            if (spec.get("template") instanceof ObjectNode template) {
                child(template, "metadata");
                defaultPodSpec(child(template, "spec"));
            }
        } else if (r == KubeResource.SECRETS) {
            // The API server folds stringData into data (base64) on every write.
            if (obj.get("stringData") instanceof ObjectNode stringData) {
                ObjectNode data = child(obj, "data");
                stringData.fields().forEachRemaining(e -> data.put(e.getKey(), java.util.Base64.getEncoder()
                        .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
            }
            obj.remove("stringData");
            if (!obj.has("type")) {
                obj.put("type", "Opaque");
            }
        } else if (r == KubeResource.JOBS) {
            defaultJob(obj);
        } else if (r == KubeResource.SERVICES) {
            ObjectNode spec = child(obj, "spec");
            if (!spec.has("type")) {
                spec.put("type", "ClusterIP");
            }
            if (!spec.has("clusterIP")) {
                int h = Math.floorMod(meta.path("name").asText().hashCode(), 250) + 2;
                spec.put("clusterIP", "10.96.0." + h);
            }
            for (JsonNode p : spec.path("ports")) {
                if (p instanceof ObjectNode port && !port.has("protocol")) {
                    port.put("protocol", "TCP");
                }
            }
        }
    }

    /** What the API server sets on a new Job: defaults, the generated selector and the pod labels. */
    private static void defaultJob(ObjectNode job) {
        ObjectNode meta = child(job, "metadata");
        if (!meta.has("uid")) {
            meta.put("uid", UUID.randomUUID().toString());
        }
        ObjectNode spec = child(job, "spec");
        for (String field : List.of("parallelism", "completions")) {
            if (!spec.has(field)) {
                spec.put(field, 1);
            }
        }
        if (!spec.has("backoffLimit")) {
            spec.put("backoffLimit", 6);
        }
        if (!spec.has("completionMode")) {
            spec.put("completionMode", "NonIndexed");
        }
        if (!spec.has("suspend")) {
            spec.put("suspend", false);
        }
        if (!spec.has("podReplacementPolicy")) {
            spec.put("podReplacementPolicy", spec.has("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        }
        if (!spec.path("manualSelector").asBoolean() && !spec.has("selector")) {
            spec.putObject("selector").putObject("matchLabels").put("batch.kubernetes.io/controller-uid", uidOf(job));
        }
        ObjectNode template = child(spec, "template");
        ObjectNode labels = child(child(template, "metadata"), "labels");
        if (!spec.path("manualSelector").asBoolean()) {
            labels.put("batch.kubernetes.io/controller-uid", uidOf(job)).put("batch.kubernetes.io/job-name", nameOf(job))
                    .put("controller-uid", uidOf(job)).put("job-name", nameOf(job));
        }
        defaultPodSpec(child(template, "spec"));
    }

    private static void defaultPodSpec(ObjectNode spec) {
        if (!spec.has("restartPolicy")) {
            spec.put("restartPolicy", "Always");
        }
        if (!spec.has("dnsPolicy")) {
            spec.put("dnsPolicy", "ClusterFirst");
        }
        if (!spec.has("terminationGracePeriodSeconds")) {
            spec.put("terminationGracePeriodSeconds", 30);
        }
        if (!spec.has("schedulerName")) {
            spec.put("schedulerName", "default-scheduler");
        }
        for (JsonNode c : spec.path("containers")) {
            if (!(c instanceof ObjectNode container)) {
                continue;
            }
            if (!container.has("imagePullPolicy")) {
                String image = container.path("image").asText("");
                boolean latest = image.endsWith(":latest") || !image.substring(image.lastIndexOf('/') + 1).contains(":");
                container.put("imagePullPolicy", latest ? "Always" : "IfNotPresent");
            }
            if (!container.has("terminationMessagePath")) {
                container.put("terminationMessagePath", "/dev/termination-log");
                container.put("terminationMessagePolicy", "File");
            }
            for (JsonNode p : container.path("ports")) {
                if (p instanceof ObjectNode port && !port.has("protocol")) {
                    port.put("protocol", "TCP");
                }
            }
        }
    }

    private static void validate(KubeResource r, ObjectNode obj) {
        String name = nameOf(obj);
        if (r == KubeResource.PODS) {
            validateContainers(r, name, obj.path("spec"), "spec.containers");
        } else if (r == KubeResource.DEPLOYMENTS || r == KubeResource.REPLICASETS) {
            JsonNode spec = obj.path("spec");
            if (spec.path("replicas").asInt() < 0) {
                throw KubeError.invalid(r, name, "spec.replicas", "Invalid value: " + spec.path("replicas")
                        + ": must be greater than or equal to 0");
            }
            JsonNode selector = spec.get("selector");
            if (selector == null || (selector.path("matchLabels").isEmpty()
                    && selector.path("matchExpressions").isEmpty())) {
                throw KubeError.invalid(r, name, "spec.selector", "Required value");
            }
            Map<String, String> templateLabels = KubeSelectors.labels(spec.path("template"));
            if (!KubeSelectors.fromObject(selector).matches(templateLabels)) {
                throw KubeError.invalid(r, name, "spec.template.metadata.labels", "Invalid value: "
                        + templateLabels + ": `selector` does not match template `labels`");
            }
            validateContainers(r, name, spec.path("template").path("spec"), "spec.template.spec.containers");
        } else if (r == KubeResource.JOBS) {
            JsonNode spec = obj.path("spec");
            String policy = spec.path("template").path("spec").path("restartPolicy").asText();
            if (!policy.equals("Never") && !policy.equals("OnFailure")) {
                throw KubeError.invalid(r, name, "spec.template.spec.restartPolicy", "Unsupported value: \""
                        + policy + "\": supported values: \"OnFailure\", \"Never\"");
            }
            if (spec.has("podFailurePolicy") && !policy.equals("Never")) {
                throw KubeError.invalid(r, name, "spec.template.spec.restartPolicy", "Invalid value: \"" + policy
                        + "\": only \"Never\" is supported when podFailurePolicy is specified");
            }
            if (spec.path("backoffLimit").asInt() < 0) {
                throw KubeError.invalid(r, name, "spec.backoffLimit", "Invalid value: " + spec.path("backoffLimit")
                        + ": must be greater than or equal to 0");
            }
            if (spec.has("activeDeadlineSeconds") && spec.path("activeDeadlineSeconds").asLong() <= 0) {
                throw KubeError.invalid(r, name, "spec.activeDeadlineSeconds", "Invalid value: "
                        + spec.path("activeDeadlineSeconds") + ": must be greater than or equal to 1");
            }
            for (JsonNode rule : spec.path("podFailurePolicy").path("rules")) {
                String action = rule.path("action").asText();
                if (!List.of("Ignore", "FailJob", "Count", "FailIndex").contains(action)) {
                    throw KubeError.invalid(r, name, "spec.podFailurePolicy.rules[0].action", "Unsupported value: \""
                            + action + "\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"");
                }
            }
            validateContainers(r, name, spec.path("template").path("spec"), "spec.template.spec.containers");
        } else if (r == KubeResource.SELFSUBJECTACCESSREVIEWS) {
            throw KubeError.methodNotAllowed("PUT");
        }
    }

    private static void validateContainers(KubeResource r, String name, JsonNode podSpec, String field) {
        JsonNode containers = podSpec.path("containers");
        if (containers.isEmpty()) {
            throw KubeError.invalid(r, name, field, "Required value");
        }
        for (int i = 0; i < containers.size(); i++) {
            JsonNode c = containers.get(i);
            if (c.path("name").asText("").isEmpty()) {
                throw KubeError.invalid(r, name, field + "[" + i + "].name", "Required value");
            }
            if (c.path("image").asText("").isEmpty()) {
                throw KubeError.invalid(r, name, field + "[" + i + "].image", "Required value");
            }
        }
    }

    // ------------------------------------------------------------------ controllers

    /** Runs the controllers until nothing changes (bounded: a bug here must not hang the server). */
    private void reconcile() {
        if (!controllers) {
            return;
        }
        for (int pass = 0; pass < 20; pass++) {
            boolean changed = kubelet();
            changed |= deploymentController();
            changed |= replicaSetController();
            changed |= jobController();
            changed |= statusUpdater();
            if (!changed) {
                return;
            }
        }
    }

    /**
     * The scheduler and the kubelets: binds each new pod to the first node that takes it (not
     * cordoned, its nodeSelector matches the node's labels, it tolerates the node's NoSchedule
     * and NoExecute taints), else leaves it Pending, Unschedulable, with a FailedScheduling event.
     * A bound pod whose containers the {@link PodRuntime} runs waits in ContainerCreating for
     * it; any other bound pod is simply marked Running and Ready.
     */
    private boolean kubelet() {
        boolean changed = false;
        for (ObjectNode pod : new ArrayList<>(table(KubeResource.PODS).values())) {
            boolean bound = !pod.path("spec").path("nodeName").asText("").isEmpty();
            boolean started = pod.path("status").has("phase");
            ObjectNode p = pod.deepCopy();
            if (!bound && (!started || unschedulable(pod))) {
                List<String> problems = new ArrayList<>();
                String node = schedule(pod, problems);
                if (node != null) {
                    child(p, "spec").put("nodeName", node);
                    changed |= start(p);
                    continue;
                }
                String message = schedulingMessage(problems);
                if (!started || !message.equals(unschedulableMessage(pod))) {
                    p.set("status", unschedulableStatus(message));
                    if (write(KubeResource.PODS, p)) {
                        failedSchedulingEvent(p, message);
                        changed = true;
                    }
                }
            } else if (bound && !started) {
                changed |= start(p);
            }
        }
        return changed;
    }

    private boolean start(ObjectNode p) {
        boolean process = runtime != null && runtime.runs(p);
        p.set("status", process ? creatingStatus(p) : runningStatus(p));
        boolean changed = write(KubeResource.PODS, p);
        if (changed && process) {
            runtime.bound(namespaceOf(p), nameOf(p), uidOf(p));
        }
        return changed;
    }

    /** The first node (by name) that takes the pod, or null with one problem per node that does not. */
    private String schedule(JsonNode pod, List<String> problems) {
        JsonNode spec = pod.path("spec");
        for (ObjectNode node : table(KubeResource.NODES).values()) {
            if (node.path("spec").path("unschedulable").asBoolean()) {
                problems.add("node(s) were unschedulable");
                continue;
            }
            Map<String, String> labels = KubeSelectors.labels(node);
            boolean selectorMatches = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("nodeSelector").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                selectorMatches &= e.getValue().asText().equals(labels.get(e.getKey()));
            }
            if (!selectorMatches) {
                problems.add("node(s) didn't match Pod's node affinity/selector");
                continue;
            }
            String untolerated = null;
            for (JsonNode taint : node.path("spec").path("taints")) {
                String effect = taint.path("effect").asText();
                if ((effect.equals("NoSchedule") || effect.equals("NoExecute")) && !tolerates(spec, taint)) {
                    untolerated = "node(s) had untolerated taint {" + taint.path("key").asText()
                            + (taint.has("value") ? ": " + taint.path("value").asText() : "") + "}";
                    break;
                }
            }
            if (untolerated != null) {
                problems.add(untolerated);
                continue;
            }
            return nameOf(node);
        }
        return null;
    }

    private static boolean tolerates(JsonNode podSpec, JsonNode taint) {
        for (JsonNode t : podSpec.path("tolerations")) {
            String key = t.path("key").asText("");
            String operator = t.path("operator").asText("Equal");
            String effect = t.path("effect").asText("");
            boolean keyOk = key.isEmpty() ? operator.equals("Exists") : key.equals(taint.path("key").asText());
            boolean valueOk = operator.equals("Exists") || t.path("value").asText("").equals(taint.path("value").asText(""));
            boolean effectOk = effect.isEmpty() || effect.equals(taint.path("effect").asText());
            if (keyOk && valueOk && effectOk) {
                return true;
            }
        }
        return false;
    }

    /** The scheduler's summary: {@code 0/2 nodes are available: 1 node(s) ..., 1 node(s) ....} */
    private String schedulingMessage(List<String> problems) {
        Map<String, Integer> counts = new TreeMap<>();
        problems.forEach(p -> counts.merge(p, 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((problem, n) -> parts.add(n + " " + problem));
        return "0/" + table(KubeResource.NODES).size() + " nodes are available"
                + (parts.isEmpty() ? "" : ": " + String.join(", ", parts)) + ".";
    }

    private static boolean unschedulable(JsonNode pod) {
        return !unschedulableMessage(pod).isEmpty();
    }

    private static String unschedulableMessage(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("PodScheduled") && c.path("reason").asText().equals("Unschedulable")) {
                return c.path("message").asText(" ");
            }
        }
        return "";
    }

    private ObjectNode unschedulableStatus(String message) {
        ObjectNode status = JSON.createObjectNode().put("phase", "Pending");
        status.putArray("conditions").addObject().put("type", "PodScheduled").put("status", "False")
                .putNull("lastProbeTime").put("lastTransitionTime", now().toString())
                .put("reason", "Unschedulable")
                .put("message", message);
        status.put("qosClass", "BestEffort");
        return status;
    }

    private void failedSchedulingEvent(JsonNode pod, String message) {
        event(pod, "Warning", "FailedScheduling", message, "default-scheduler");
    }

    /** A core/v1 Event about an object, as a controller records it. */
    private void event(JsonNode about, String type, String reason, String message, String component) {
        String ns = namespaceOf(about) == null ? "default" : namespaceOf(about);
        ObjectNode e = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
        String name;
        do {
            name = nameOf(about) + "." + hex(16);
        } while (current(KubeResource.EVENTS, ns, name) != null);
        e.putObject("metadata").put("name", name).put("namespace", ns);
        e.putObject("involvedObject").put("kind", about.path("kind").asText())
                .put("namespace", ns).put("name", nameOf(about)).put("uid", uidOf(about))
                .put("apiVersion", about.path("apiVersion").asText())
                .put("resourceVersion", about.path("metadata").path("resourceVersion").asText());
        String now = now().toString();
        e.put("reason", reason).put("message", message).put("type", type).put("count", 1)
                .put("firstTimestamp", now).put("lastTimestamp", now)
                .put("reportingComponent", component).put("reportingInstance", "");
        e.putObject("source").put("component", component);
        insert(KubeResource.EVENTS, e);
    }

    /** A pod bound to a node whose containers are about to be started by the runtime. */
    private ObjectNode creatingStatus(JsonNode pod) {
        String now = now().toString();
        ObjectNode status = JSON.createObjectNode().put("phase", "Pending");
        ArrayNode conditions = status.putArray("conditions");
        for (String type : List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")) {
            boolean ok = !type.equals("Ready") && !type.equals("ContainersReady") && !type.equals("PodReadyToStartContainers");
            ObjectNode c = conditions.addObject().put("type", type).put("status", ok ? "True" : "False")
                    .putNull("lastProbeTime").put("lastTransitionTime", now);
            if (type.equals("Ready") || type.equals("ContainersReady")) {
                List<String> names = new ArrayList<>();
                pod.path("spec").path("containers").forEach(x -> names.add(x.path("name").asText()));
                c.put("reason", "ContainersNotReady").put("message", "containers with unready status: " + names);
            }
        }
        status.put("hostIP", "10.0.0.10");
        status.putArray("hostIPs").addObject().put("ip", "10.0.0.10");
        status.put("startTime", now);
        status.put("qosClass", "BestEffort");
        ArrayNode statuses = status.putArray("containerStatuses");
        for (JsonNode c : pod.path("spec").path("containers")) {
            String image = c.path("image").asText();
            ObjectNode cs = statuses.addObject().put("name", c.path("name").asText());
            cs.putObject("state").putObject("waiting").put("reason", "ContainerCreating");
            cs.putObject("lastState");
            cs.put("ready", false).put("restartCount", 0).put("started", false);
            cs.put("image", image);
            cs.put("imageID", "");
        }
        return status;
    }

    ObjectNode runningStatus(JsonNode pod) {
        String now = now().toString();
        ObjectNode status = JSON.createObjectNode();
        status.put("phase", "Running");
        ArrayNode conditions = status.putArray("conditions");
        for (String type : List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")) {
            conditions.addObject().put("type", type).put("status", "True").putNull("lastProbeTime")
                    .put("lastTransitionTime", now);
        }
        String ip = "10.244.0." + (nextPodIp++ % 250 + 2);
        status.put("hostIP", "10.0.0.10");
        status.putArray("hostIPs").addObject().put("ip", "10.0.0.10");
        status.put("podIP", ip);
        status.putArray("podIPs").addObject().put("ip", ip);
        status.put("startTime", now);
        status.put("qosClass", "BestEffort");
        ArrayNode statuses = status.putArray("containerStatuses");
        for (JsonNode c : pod.path("spec").path("containers")) {
            ObjectNode cs = statuses.addObject();
            String image = c.path("image").asText();
            cs.put("name", c.path("name").asText());
            cs.putObject("state").putObject("running").put("startedAt", now);
            cs.putObject("lastState");
            cs.put("ready", true).put("restartCount", 0);
            cs.put("image", image.contains("/") ? image : "docker.io/library/" + image);
            cs.put("imageID", "docker.io/library/" + image.replaceAll(":.*$", "") + "@sha256:" + hex(64));
            cs.put("containerID", "containerd://" + hex(64));
            cs.put("started", true);
        }
        return status;
    }

    private static String hex(int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return s.toString();
    }

    private boolean deploymentController() {
        boolean changed = false;
        for (ObjectNode stale : new ArrayList<>(table(KubeResource.DEPLOYMENTS).values())) {
            ObjectNode d = current(KubeResource.DEPLOYMENTS, namespaceOf(stale), nameOf(stale));
            if (d != null) {
                changed |= syncDeployment(d);
            }
        }
        return changed;
    }

    private boolean syncDeployment(ObjectNode d) {
        String ns = namespaceOf(d);
        JsonNode spec = d.path("spec");
        int replicas = spec.path("replicas").asInt(1);
        List<ObjectNode> owned = owned(KubeResource.REPLICASETS, ns, uidOf(d));
        ObjectNode template = spec.path("template").deepCopy();
        String hash = templateHash(template, 0);
        ObjectNode newRs = null;
        for (ObjectNode rs : owned) {
            if (hash.equals(rs.path("metadata").path("labels").path(HASH_LABEL).asText())) {
                newRs = rs;
            }
        }
        boolean changed = false;
        if (spec.path("paused").asBoolean()) {
            return false;
        }
        int maxRevision = 0;
        for (ObjectNode rs : owned) {
            maxRevision = Math.max(maxRevision, rs.path("metadata").path("annotations").path(REVISION).asInt());
        }
        if (newRs == null) {
            int collision = 0;
            String name = nameOf(d) + "-" + hash;
            while (current(KubeResource.REPLICASETS, ns, name) != null) {
                hash = templateHash(template, ++collision);
                name = nameOf(d) + "-" + hash;
            }
            ObjectNode rs = JSON.createObjectNode().put("apiVersion", "apps/v1").put("kind", "ReplicaSet");
            ObjectNode meta = rs.putObject("metadata").put("name", name).put("namespace", ns);
            ObjectNode labels = meta.putObject("labels");
            template.path("metadata").path("labels").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
            labels.put(HASH_LABEL, hash);
            meta.putObject("annotations").put(REVISION, String.valueOf(maxRevision + 1))
                    .put("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas))
                    .put("deployment.kubernetes.io/max-replicas", String.valueOf(replicas));
            meta.putArray("ownerReferences").add(ownerRef(KubeResource.DEPLOYMENTS, d));
            ObjectNode rsSpec = rs.putObject("spec").put("replicas", replicas);
            ObjectNode selector = spec.path("selector").deepCopy();
            child(selector, "matchLabels").put(HASH_LABEL, hash);
            rsSpec.set("selector", selector);
            ObjectNode rsTemplate = template.deepCopy();
            child(child(rsTemplate, "metadata"), "labels").put(HASH_LABEL, hash);
            rsSpec.set("template", rsTemplate);
            newRs = insert(KubeResource.REPLICASETS, rs);
            owned.add(newRs);
            changed = true;
        } else if (newRs.path("metadata").path("annotations").path(REVISION).asInt() < maxRevision) {
            // Rolling back to an older template makes its ReplicaSet the newest revision again.
            ObjectNode rs = newRs.deepCopy();
            child(child(rs, "metadata"), "annotations").put(REVISION, String.valueOf(maxRevision + 1));
            changed |= write(KubeResource.REPLICASETS, rs);
            newRs = current(KubeResource.REPLICASETS, ns, nameOf(rs));
        }
        for (ObjectNode rs : owned) {
            boolean isNew = nameOf(rs).equals(nameOf(newRs));
            ObjectNode live = current(KubeResource.REPLICASETS, ns, nameOf(rs));
            if (live == null) {
                continue;
            }
            int want = isNew ? replicas : 0;
            if (live.path("spec").path("replicas").asInt() != want) {
                ObjectNode scaled = live.deepCopy();
                child(scaled, "spec").put("replicas", want);
                child(child(scaled, "metadata"), "annotations")
                        .put("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas));
                changed |= write(KubeResource.REPLICASETS, scaled);
            }
        }
        String revision = current(KubeResource.REPLICASETS, ns, nameOf(newRs)).path("metadata")
                .path("annotations").path(REVISION).asText();
        if (!revision.equals(d.path("metadata").path("annotations").path(REVISION).asText())) {
            ObjectNode annotated = current(KubeResource.DEPLOYMENTS, ns, nameOf(d)).deepCopy();
            child(child(annotated, "metadata"), "annotations").put(REVISION, revision);
            changed |= write(KubeResource.DEPLOYMENTS, annotated);
        }
        changed |= pruneHistory(d, ns);
        return changed;
    }

    private boolean pruneHistory(ObjectNode d, String ns) {
        int limit = d.path("spec").path("revisionHistoryLimit").asInt(10);
        String currentRevision = d.path("metadata").path("annotations").path(REVISION).asText();
        List<ObjectNode> old = new ArrayList<>();
        for (ObjectNode rs : owned(KubeResource.REPLICASETS, ns, uidOf(d))) {
            if (rs.path("spec").path("replicas").asInt() == 0 && owned(KubeResource.PODS, ns, uidOf(rs)).isEmpty()
                    && !revisionOf(rs).equals(currentRevision)) {
                old.add(rs);
            }
        }
        old.sort(Comparator.comparingInt(rs -> Integer.parseInt(revisionOf(rs).isEmpty() ? "0" : revisionOf(rs))));
        boolean changed = false;
        while (old.size() > limit) {
            removeCascading(KubeResource.REPLICASETS, old.remove(0), Propagation.BACKGROUND);
            changed = true;
        }
        return changed;
    }

    private static String revisionOf(JsonNode o) {
        return o.path("metadata").path("annotations").path(REVISION).asText("");
    }

    private boolean replicaSetController() {
        boolean changed = false;
        for (ObjectNode stale : new ArrayList<>(table(KubeResource.REPLICASETS).values())) {
            ObjectNode rs = current(KubeResource.REPLICASETS, namespaceOf(stale), nameOf(stale));
            if (rs == null) {
                continue;
            }
            String ns = namespaceOf(rs);
            KubeSelectors.Selector selector = KubeSelectors.fromObject(rs.path("spec").path("selector"));
            List<ObjectNode> pods = new ArrayList<>();
            for (ObjectNode pod : owned(KubeResource.PODS, ns, uidOf(rs))) {
                if (selector.matches(KubeSelectors.labels(pod))) {
                    pods.add(pod);
                } else {
                    // A pod relabelled out of the selector is released, and replaced.
                    ObjectNode released = pod.deepCopy();
                    removeOwner(released, uidOf(rs));
                    changed |= write(KubeResource.PODS, released);
                }
            }
            int want = rs.path("spec").path("replicas").asInt(1);
            for (int i = pods.size(); i < want; i++) {
                insert(KubeResource.PODS, podFromTemplate(KubeResource.REPLICASETS, rs));
                changed = true;
            }
            if (pods.size() > want) {
                // Delete unready pods first, then the newest, as the real controller prefers.
                pods.sort(Comparator.comparing((ObjectNode p) -> ready(p))
                        .thenComparing(p -> p.path("metadata").path("creationTimestamp").asText(), Comparator.reverseOrder()));
                for (ObjectNode pod : pods.subList(0, pods.size() - want)) {
                    removeCascading(KubeResource.PODS, pod, Propagation.BACKGROUND);
                    changed = true;
                }
            }
        }
        return changed;
    }

    private ObjectNode podFromTemplate(KubeResource ownerKind, ObjectNode rs) {
        String ns = namespaceOf(rs);
        String name;
        do {
            name = nameOf(rs) + "-" + randomSuffix();
        } while (current(KubeResource.PODS, ns, name) != null);
        JsonNode template = rs.path("spec").path("template");
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata").put("name", name).put("generateName", nameOf(rs) + "-")
                .put("namespace", ns);
        if (template.path("metadata").has("labels")) {
            meta.set("labels", template.path("metadata").path("labels").deepCopy());
        }
        if (template.path("metadata").has("annotations")) {
            meta.set("annotations", template.path("metadata").path("annotations").deepCopy());
        }
        meta.putArray("ownerReferences").add(ownerRef(ownerKind, rs));
        ObjectNode spec = template.path("spec").deepCopy();
        defaultPodSpec(spec);
        pod.set("spec", spec);
        return pod;
    }

    /**
     * The Job controller: one pod at a time from the template (another after a failure while
     * the backoff limit allows), status counts, and the conditions of Kubernetes 1.32:
     * SuccessCriteriaMet then Complete, or FailureTarget then Failed (BackoffLimitExceeded,
     * DeadlineExceeded) once no pod is active any more.
     */
    private boolean jobController() {
        boolean changed = false;
        for (ObjectNode stale : new ArrayList<>(table(KubeResource.JOBS).values())) {
            ObjectNode job = current(KubeResource.JOBS, namespaceOf(stale), nameOf(stale));
            if (job != null) {
                changed |= syncJob(job);
            }
        }
        return changed;
    }

    private boolean syncJob(ObjectNode job) {
        String ns = namespaceOf(job);
        String uid = uidOf(job);
        JsonNode spec = job.path("spec");
        ObjectNode status = job.path("status").isObject() ? job.path("status").deepCopy() : JSON.createObjectNode();
        boolean finished = conditionTrue(status, "Complete") || conditionTrue(status, "Failed");
        List<ObjectNode> active = new ArrayList<>();
        int ready = 0;
        int succeeded = 0;
        int failed = 0;
        for (ObjectNode pod : owned(KubeResource.PODS, ns, uid)) {
            String phase = pod.path("status").path("phase").asText("");
            if (phase.equals("Succeeded")) {
                succeeded++;
            } else if (phase.equals("Failed")) {
                if (!ignoredFailure(spec, pod)) {
                    failed++;
                }
            } else {
                active.add(pod);
                if (ready(pod)) {
                    ready++;
                }
            }
        }
        succeeded = Math.max(succeeded, status.path("succeeded").asInt());
        failed = Math.max(failed, status.path("failed").asInt());
        boolean changed = false;
        if (!finished && !spec.path("suspend").asBoolean()) {
            if (!status.has("startTime")) {
                status.put("startTime", now().toString());
                jobStarts.put(uid, clock.instant());
            }
            if (!conditionTrue(status, "FailureTarget") && !conditionTrue(status, "SuccessCriteriaMet")) {
                String[] failure = null;
                if (failed > spec.path("backoffLimit").asInt(6)) {
                    failure = new String[] {"BackoffLimitExceeded", "Job has reached the specified backoff limit"};
                } else if (succeeded < spec.path("completions").asInt(1) && deadlinePassed(job)) {
                    failure = new String[] {"DeadlineExceeded", "Job was active longer than specified deadline"};
                }
                if (failure != null) {
                    addCondition(status, "FailureTarget", failure[0], failure[1]);
                    for (ObjectNode pod : active) {
                        stopPod(pod, failure[0], failure[0].equals("DeadlineExceeded")
                                ? "Pod was active on the node longer than the specified deadline"
                                : "Job has reached the specified backoff limit");
                    }
                } else if (succeeded >= spec.path("completions").asInt(1)) {
                    addCondition(status, "SuccessCriteriaMet", "CompletionsReached",
                            "Reached expected number of succeeded pods");
                } else {
                    int want = Math.min(spec.path("parallelism").asInt(1), spec.path("completions").asInt(1) - succeeded);
                    for (int i = active.size(); i < want; i++) {
                        ObjectNode pod = podFromTemplate(KubeResource.JOBS, job);
                        insert(KubeResource.PODS, pod);
                        active.add(pod);
                        changed = true;
                    }
                }
            }
            if (active.isEmpty() && conditionTrue(status, "FailureTarget")) {
                JsonNode target = condition(status, "FailureTarget");
                addCondition(status, "Failed", target.path("reason").asText(), target.path("message").asText());
                jobFinishes.put(uid, clock.instant());
            } else if (active.isEmpty() && conditionTrue(status, "SuccessCriteriaMet")) {
                addCondition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
                status.put("completionTime", now().toString());
                jobFinishes.put(uid, clock.instant());
            }
        }
        putOrRemove(status, "active", active.size());
        status.put("ready", ready);
        putOrRemove(status, "succeeded", succeeded);
        putOrRemove(status, "failed", failed);
        if (!status.has("uncountedTerminatedPods")) {
            status.putObject("uncountedTerminatedPods");
        }
        ObjectNode updated = current(KubeResource.JOBS, ns, nameOf(job)).deepCopy();
        updated.set("status", status);
        return write(KubeResource.JOBS, updated) | changed;
    }

    /** podFailurePolicy, minimally: a failed pod matched by an Ignore rule does not count. */
    private static boolean ignoredFailure(JsonNode jobSpec, JsonNode pod) {
        for (JsonNode rule : jobSpec.path("podFailurePolicy").path("rules")) {
            if (!rule.path("action").asText().equals("Ignore")) {
                continue;
            }
            for (JsonNode wanted : rule.path("onPodConditions")) {
                for (JsonNode c : pod.path("status").path("conditions")) {
                    if (c.path("type").asText().equals(wanted.path("type").asText())
                            && c.path("status").asText().equals(wanted.path("status").asText("True"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private boolean deadlinePassed(JsonNode job) {
        JsonNode deadline = job.path("spec").path("activeDeadlineSeconds");
        if (!deadline.canConvertToLong()) {
            return false;
        }
        Instant start = jobStarts.get(uidOf(job));
        if (start == null) {
            start = Instant.parse(job.path("status").path("startTime").asText(now().toString()));
        }
        return !clock.instant().isBefore(start.plusSeconds(deadline.asLong()));
    }

    /** Ends an active pod: the runtime kills its processes; a simulated pod is marked Failed here. */
    private void stopPod(ObjectNode pod, String reason, String message) {
        if (runtime != null && runtime.runs(pod)) {
            runtime.kill(namespaceOf(pod), nameOf(pod), uidOf(pod), reason, message);
            return;
        }
        ObjectNode p = pod.deepCopy();
        ObjectNode status = child(p, "status").put("phase", "Failed").put("reason", reason).put("message", message);
        for (JsonNode cs : status.path("containerStatuses")) {
            ObjectNode state = ((ObjectNode) cs).putObject("state");
            state.putObject("terminated").put("exitCode", 137).put("reason", "Error")
                    .put("finishedAt", now().toString());
            ((ObjectNode) cs).put("ready", false).put("started", false);
        }
        write(KubeResource.PODS, p);
    }

    /**
     * Time-driven work, called a few times a second by the peer: Jobs past activeDeadlineSeconds,
     * and finished Jobs past ttlSecondsAfterFinished (deleted with their pods and what they own).
     */
    synchronized void tick() {
        if (!controllers || closed) {
            return;
        }
        boolean due = false;
        for (ObjectNode job : new ArrayList<>(table(KubeResource.JOBS).values())) {
            JsonNode status = job.path("status");
            boolean finished = conditionTrue(status, "Complete") || conditionTrue(status, "Failed");
            if (!finished && !conditionTrue(status, "FailureTarget") && deadlinePassed(job)) {
                due = true;
            }
            JsonNode ttl = job.path("spec").path("ttlSecondsAfterFinished");
            if (finished && ttl.canConvertToLong()) {
                Instant end = jobFinishes.get(uidOf(job));
                if (end == null) {
                    end = Instant.parse(condition(status, conditionTrue(status, "Complete") ? "Complete" : "Failed")
                            .path("lastTransitionTime").asText(now().toString()));
                }
                if (!clock.instant().isBefore(end.plusSeconds(ttl.asLong()))
                        && current(KubeResource.JOBS, namespaceOf(job), nameOf(job)) != null) {
                    removeCascading(KubeResource.JOBS, current(KubeResource.JOBS, namespaceOf(job), nameOf(job)),
                            Propagation.BACKGROUND);
                    due = true;
                }
            }
        }
        if (due) {
            reconcile();
        }
    }

    private static boolean conditionTrue(JsonNode status, String type) {
        return condition(status, type).path("status").asText().equals("True");
    }

    private static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private void addCondition(ObjectNode status, String type, String reason, String message) {
        String now = now().toString();
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        conditions.addObject().put("type", type).put("status", "True").put("lastProbeTime", now)
                .put("lastTransitionTime", now).put("reason", reason).put("message", message);
    }

    private static void putOrRemove(ObjectNode status, String field, int value) {
        if (value > 0) {
            status.put(field, value);
        } else {
            status.remove(field);
        }
    }

    /** Recomputes ReplicaSet and Deployment status from the pods that exist. */
    private boolean statusUpdater() {
        boolean changed = false;
        for (ObjectNode rs : new ArrayList<>(table(KubeResource.REPLICASETS).values())) {
            List<ObjectNode> pods = owned(KubeResource.PODS, namespaceOf(rs), uidOf(rs));
            int ready = (int) pods.stream().filter(KubeStore::ready).count();
            ObjectNode updated = rs.deepCopy();
            ObjectNode status = JSON.createObjectNode();
            status.put("replicas", pods.size());
            putIfPositive(status, "fullyLabeledReplicas", pods.size());
            putIfPositive(status, "readyReplicas", ready);
            putIfPositive(status, "availableReplicas", ready);
            status.put("observedGeneration", rs.path("metadata").path("generation").asLong(1));
            updated.set("status", status);
            changed |= write(KubeResource.REPLICASETS, updated);
        }
        for (ObjectNode d : new ArrayList<>(table(KubeResource.DEPLOYMENTS).values())) {
            changed |= write(KubeResource.DEPLOYMENTS, deploymentWithStatus(d));
        }
        return changed;
    }

    private ObjectNode deploymentWithStatus(ObjectNode d) {
        String ns = namespaceOf(d);
        int desired = d.path("spec").path("replicas").asInt(1);
        String revision = d.path("metadata").path("annotations").path(REVISION).asText("");
        int total = 0;
        int updatedPods = 0;
        int ready = 0;
        String newRsName = null;
        for (ObjectNode rs : owned(KubeResource.REPLICASETS, ns, uidOf(d))) {
            boolean isNew = rs.path("metadata").path("annotations").path(REVISION).asText().equals(revision);
            if (isNew) {
                newRsName = nameOf(rs);
            }
            for (ObjectNode pod : owned(KubeResource.PODS, ns, uidOf(rs))) {
                total++;
                if (isNew) {
                    updatedPods++;
                }
                if (ready(pod)) {
                    ready++;
                }
            }
        }
        ObjectNode updated = d.deepCopy();
        JsonNode oldStatus = d.path("status");
        ObjectNode status = JSON.createObjectNode();
        status.put("observedGeneration", d.path("metadata").path("generation").asLong(1));
        putIfPositive(status, "replicas", total);
        putIfPositive(status, "updatedReplicas", updatedPods);
        putIfPositive(status, "readyReplicas", ready);
        putIfPositive(status, "availableReplicas", ready);
        putIfPositive(status, "unavailableReplicas", Math.max(0, desired - ready));
        int maxUnavailable = maxUnavailable(d.path("spec"), desired);
        boolean available = ready >= desired - maxUnavailable;
        boolean complete = updatedPods == desired && total == desired && ready == desired;
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(oldStatus, "Available", available ? "True" : "False",
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."));
        String rsText = "ReplicaSet \"" + (newRsName == null ? nameOf(d) : newRsName) + "\"";
        if (d.path("spec").path("paused").asBoolean()) {
            conditions.add(condition(oldStatus, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"));
        } else {
            conditions.add(condition(oldStatus, "Progressing", "True",
                    complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    complete ? rsText + " has successfully progressed." : rsText + " is progressing."));
        }
        updated.set("status", status);
        return updated;
    }

    private static int maxUnavailable(JsonNode spec, int desired) {
        if (!spec.path("strategy").path("type").asText("RollingUpdate").equals("RollingUpdate")) {
            return 0;
        }
        JsonNode v = spec.path("strategy").path("rollingUpdate").path("maxUnavailable");
        if (v.isInt()) {
            return v.asInt();
        }
        String text = v.asText("25%");
        if (text.endsWith("%")) {
            return (int) Math.floor(desired * Integer.parseInt(text.substring(0, text.length() - 1)) / 100.0);
        }
        return Integer.parseInt(text);
    }

    /** A condition that keeps its old timestamps when nothing about it changed, like the controllers do. */
    private ObjectNode condition(JsonNode oldStatus, String type, String status, String reason, String message) {
        String now = now().toString();
        String transition = now;
        String update = now;
        for (JsonNode c : oldStatus.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                if (c.path("status").asText().equals(status)) {
                    transition = c.path("lastTransitionTime").asText(now);
                    if (c.path("reason").asText().equals(reason) && c.path("message").asText().equals(message)) {
                        update = c.path("lastUpdateTime").asText(now);
                    }
                }
            }
        }
        return JSON.createObjectNode().put("type", type).put("status", status).put("lastUpdateTime", update)
                .put("lastTransitionTime", transition).put("reason", reason).put("message", message);
    }

    private static void putIfPositive(ObjectNode status, String field, int value) {
        if (value > 0) {
            status.put(field, value);
        }
    }

    static boolean ready(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    private List<ObjectNode> owned(KubeResource r, String ns, String ownerUid) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode o : table(r).values()) {
            if (ns.equals(namespaceOf(o)) && ownedBy(o, ownerUid, true)) {
                out.add(o);
            }
        }
        return out;
    }

    private static ObjectNode ownerRef(KubeResource r, JsonNode owner) {
        return JSON.createObjectNode().put("apiVersion", r.apiVersion()).put("kind", r.kind())
                .put("name", nameOf(owner)).put("uid", uidOf(owner))
                .put("controller", true).put("blockOwnerDeletion", true);
    }

    /** The deployment controller's pod-template-hash: FNV-32a of the template, safe-encoded. */
    static String templateHash(JsonNode template, int collisionCount) {
        ObjectNode t = template.deepCopy();
        if (t.path("metadata").path("labels") instanceof ObjectNode labels) {
            labels.remove(HASH_LABEL);
        }
        String text = canonical(t) + (collisionCount > 0 ? collisionCount : "");
        int h = 0x811c9dc5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        String decimal = Integer.toUnsignedString(h);
        StringBuilder out = new StringBuilder();
        for (char c : decimal.toCharArray()) {
            out.append(SAFE_ALPHABET.charAt(c % SAFE_ALPHABET.length()));
        }
        return out.toString();
    }

    /**
     * Sorted keys, without nulls and empty objects or lists: the real hash is over Go structs, where
     * {@code resources: {}}, {@code creationTimestamp: null} and a missing field are the same thing.
     */
    private static String canonical(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            node.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (!v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
                    sorted.put(e.getKey(), v);
                }
            });
            StringBuilder s = new StringBuilder("{");
            sorted.forEach((k, v) -> s.append(JsonNodeFactory.instance.textNode(k)).append(':').append(canonical(v)).append(','));
            return s.append('}').toString();
        }
        if (node.isArray()) {
            StringBuilder s = new StringBuilder("[");
            node.forEach(v -> s.append(canonical(v)).append(','));
            return s.append(']').toString();
        }
        return node.toString();
    }
}
