package dev.ao.testkit;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** One resource type {@link KubePeer} serves, with what discovery says about it. */
record KubeResource(String group, String version, String plural, String singular, String kind,
                    boolean namespaced, List<String> shortNames, List<String> categories,
                    List<String> subresources, Set<String> fieldLabels) {

    static final List<String> VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    private static final Set<String> POD_FIELDS = Set.of("spec.nodeName", "spec.restartPolicy",
            "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
            "status.podIP", "status.nominatedNodeName");
    private static final Set<String> EVENT_FIELDS = Set.of("involvedObject.kind",
            "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type");

    static final KubeResource NAMESPACES = new KubeResource("", "v1", "namespaces", "namespace",
            "Namespace", false, List.of("ns"), List.of(), List.of("status"), Set.of("status.phase"));
    static final KubeResource NODES = new KubeResource("", "v1", "nodes", "node", "Node", false,
            List.of("no"), List.of(), List.of("status"), Set.of("spec.unschedulable"));
    static final KubeResource PODS = new KubeResource("", "v1", "pods", "pod", "Pod", true,
            List.of("po"), List.of("all"), List.of("status", "log", "eviction"), POD_FIELDS);
    static final KubeResource SERVICES = new KubeResource("", "v1", "services", "service", "Service",
            true, List.of("svc"), List.of("all"), List.of("status"), Set.of());
    static final KubeResource CONFIGMAPS = new KubeResource("", "v1", "configmaps", "configmap",
            "ConfigMap", true, List.of("cm"), List.of(), List.of(), Set.of());
    static final KubeResource EVENTS = new KubeResource("", "v1", "events", "event", "Event", true,
            List.of("ev"), List.of(), List.of(), EVENT_FIELDS);
    static final KubeResource DEPLOYMENTS = new KubeResource("apps", "v1", "deployments",
            "deployment", "Deployment", true, List.of("deploy"), List.of("all"),
            List.of("status", "scale"), Set.of());
    static final KubeResource REPLICASETS = new KubeResource("apps", "v1", "replicasets",
            "replicaset", "ReplicaSet", true, List.of("rs"), List.of("all"),
            List.of("status", "scale"), Set.of("status.replicas"));

    static final KubeResource SECRETS = new KubeResource("", "v1", "secrets", "secret", "Secret", true,
            List.of(), List.of(), List.of(), Set.of("type"));
    static final KubeResource JOBS = new KubeResource("batch", "v1", "jobs", "job", "Job", true,
            List.of(), List.of("all"), List.of("status"), Set.of("status.successful"));
    static final KubeResource LEASES = new KubeResource("coordination.k8s.io", "v1", "leases", "lease",
            "Lease", true, List.of(), List.of(), List.of(), Set.of());
    /** Create-only: answered from the peer's deny list, never stored. */
    static final KubeResource SELFSUBJECTACCESSREVIEWS = new KubeResource("authorization.k8s.io", "v1",
            "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false,
            List.of(), List.of(), List.of(), Set.of());

    static final List<KubeResource> ALL = List.of(NAMESPACES, NODES, PODS, SERVICES, CONFIGMAPS, SECRETS,
            EVENTS, DEPLOYMENTS, REPLICASETS, JOBS, LEASES, SELFSUBJECTACCESSREVIEWS);

    /** API groups in discovery order; "" is the legacy core group served under /api. */
    static final List<String> GROUPS = List.of("", "apps", "batch", "coordination.k8s.io", "authorization.k8s.io");

    List<String> verbs() {
        return this == SELFSUBJECTACCESSREVIEWS ? List.of("create") : VERBS;
    }

    String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** How the API server names the resource in messages: {@code pods}, {@code deployments.apps}. */
    String groupResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** How validation messages name the kind: {@code Pod}, {@code Deployment.apps}. */
    String groupKind() {
        return group.isEmpty() ? kind : kind + "." + group;
    }

    String listKind() {
        return kind + "List";
    }

    boolean hasStatus() {
        return subresources.contains("status");
    }

    /** Whether writes to the spec bump metadata.generation. */
    boolean hasGeneration() {
        return this == DEPLOYMENTS || this == REPLICASETS || this == PODS || this == JOBS;
    }

    boolean supportsField(String field) {
        return field.equals("metadata.name") || field.equals("metadata.namespace")
                || fieldLabels.contains(field);
    }

    static Optional<KubeResource> byPath(String group, String version, String plural) {
        return ALL.stream()
                .filter(r -> r.group.equals(group) && r.version.equals(version) && r.plural.equals(plural))
                .findFirst();
    }

    static Optional<KubeResource> byKind(String apiVersion, String kind) {
        return ALL.stream()
                .filter(r -> r.apiVersion().equals(apiVersion) && r.kind.equals(kind))
                .findFirst();
    }

    /** Resolves what a person would type: {@code Pod}, {@code pods}, {@code po}, {@code deployments.apps}. */
    static KubeResource lookup(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return ALL.stream()
                .filter(r -> r.kind.toLowerCase(Locale.ROOT).equals(n) || r.plural.equals(n)
                        || r.singular.equals(n) || r.shortNames.contains(n) || r.groupResource().equals(n))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("KubePeer does not serve resource " + name));
    }
}
