package dev.ao.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Discovery documents: the aggregated form (apidiscovery.k8s.io/v2) that kubectl asks for
 * first, and the legacy per-group-version form it falls back to.
 */
final class KubeDiscovery {

    static final String AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private KubeDiscovery() {}

    static boolean wantsAggregated(String accept) {
        return accept != null && accept.contains("as=APIGroupDiscoveryList") && accept.contains("v=v2;");
    }

    /** {@code /api} or {@code /apis} in the aggregated form. */
    static ObjectNode aggregated(boolean core) {
        ObjectNode list = F.objectNode().put("kind", "APIGroupDiscoveryList")
                .put("apiVersion", "apidiscovery.k8s.io/v2");
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        for (String group : KubeResource.GROUPS) {
            if (group.isEmpty() != core) {
                continue;
            }
            ObjectNode item = items.addObject();
            item.putObject("metadata").put("name", group);
            ObjectNode version = item.putArray("versions").addObject().put("version", "v1");
            ArrayNode resources = version.putArray("resources");
            for (KubeResource r : resources(group)) {
                ObjectNode res = resources.addObject().put("resource", r.plural());
                res.set("responseKind", gvk(r.group(), r.version(), r.kind()));
                res.put("scope", r.namespaced() ? "Namespaced" : "Cluster");
                res.put("singularResource", r.singular());
                res.set("verbs", strings(r.verbs()));
                if (!r.shortNames().isEmpty()) {
                    res.set("shortNames", strings(r.shortNames()));
                }
                if (!r.categories().isEmpty()) {
                    res.set("categories", strings(r.categories()));
                }
                if (!r.subresources().isEmpty()) {
                    ArrayNode subs = res.putArray("subresources");
                    for (String sub : r.subresources()) {
                        ObjectNode s = subs.addObject().put("subresource", sub);
                        s.set("responseKind", subresourceKind(r, sub));
                        s.set("verbs", strings(subresourceVerbs(sub)));
                    }
                }
            }
            version.put("freshness", "Current");
        }
        return list;
    }

    /** {@code /api}: the legacy APIVersions document. */
    static ObjectNode apiVersions(String serverAddress) {
        ObjectNode doc = F.objectNode().put("kind", "APIVersions");
        doc.putArray("versions").add("v1");
        doc.putArray("serverAddressByClientCIDRs").addObject()
                .put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return doc;
    }

    /** {@code /apis}: the legacy APIGroupList document. */
    static ObjectNode apiGroupList() {
        ObjectNode doc = F.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = doc.putArray("groups");
        for (String group : KubeResource.GROUPS) {
            if (!group.isEmpty()) {
                groups.add(apiGroup(group).without(List.of("kind", "apiVersion")));
            }
        }
        return doc;
    }

    static ObjectNode apiGroup(String group) {
        ObjectNode doc = F.objectNode().put("kind", "APIGroup").put("apiVersion", "v1").put("name", group);
        ObjectNode version = F.objectNode().put("groupVersion", group + "/v1").put("version", "v1");
        doc.putArray("versions").add(version);
        doc.set("preferredVersion", version.deepCopy());
        return doc;
    }

    /** {@code /api/v1} or {@code /apis/<group>/v1}: the legacy APIResourceList document. */
    static ObjectNode apiResourceList(String group) {
        ObjectNode doc = F.objectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", group.isEmpty() ? "v1" : group + "/v1");
        ArrayNode list = doc.putArray("resources");
        for (KubeResource r : resources(group)) {
            ObjectNode res = list.addObject().put("name", r.plural()).put("singularName", r.singular())
                    .put("namespaced", r.namespaced()).put("kind", r.kind());
            res.set("verbs", strings(r.verbs()));
            if (!r.shortNames().isEmpty()) {
                res.set("shortNames", strings(r.shortNames()));
            }
            if (!r.categories().isEmpty()) {
                res.set("categories", strings(r.categories()));
            }
            for (String sub : r.subresources()) {
                ObjectNode kind = subresourceKind(r, sub);
                ObjectNode s = list.addObject().put("name", r.plural() + "/" + sub).put("singularName", "")
                        .put("namespaced", r.namespaced());
                if (!kind.path("group").asText().equals(r.group())) {
                    s.put("group", kind.path("group").asText()).put("version", kind.path("version").asText());
                }
                s.put("kind", kind.path("kind").asText());
                s.set("verbs", strings(subresourceVerbs(sub)));
            }
        }
        return doc;
    }

    /**
     * {@code /openapi/v3}: the index of per-group-version documents. kubectl reads it to learn
     * whether PATCH takes {@code fieldValidation}; without it, {@code kubectl apply} refuses to run
     * unless given {@code --validate=false}.
     */
    static ObjectNode openapiIndex() {
        ObjectNode doc = F.objectNode();
        ObjectNode paths = doc.putObject("paths");
        for (String group : KubeResource.GROUPS) {
            String gv = group.isEmpty() ? "api/v1" : "apis/" + group + "/v1";
            paths.putObject(gv).put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + openapiHash(group));
        }
        return doc;
    }

    /**
     * A minimal OpenAPI v3 document for one group version: the object paths with their verbs
     * and query parameters, and no schemas (kubectl then computes patches from its built-in types).
     */
    static ObjectNode openapiGroupVersion(String group) {
        ObjectNode doc = F.objectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", KubePeer.SERVER_VERSION);
        ObjectNode paths = doc.putObject("paths");
        String prefix = group.isEmpty() ? "/api/v1" : "/apis/" + group + "/v1";
        for (KubeResource r : resources(group)) {
            String path = prefix + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
            ObjectNode item = paths.putObject(path);
            for (String verb : List.of("get", "put", "patch", "delete")) {
                ObjectNode op = item.putObject(verb);
                op.put("operationId", verb + r.kind());
                op.set("x-kubernetes-group-version-kind", gvk(r.group(), r.version(), r.kind()));
                op.put("x-kubernetes-action", switch (verb) {
                    case "put" -> "put";
                    case "patch" -> "patch";
                    case "delete" -> "delete";
                    default -> "get";
                });
                ArrayNode params = op.putArray("parameters");
                List<String> names = switch (verb) {
                    case "patch" -> List.of("dryRun", "fieldManager", "fieldValidation", "force");
                    case "put" -> List.of("dryRun", "fieldManager", "fieldValidation");
                    case "delete" -> List.of("dryRun", "gracePeriodSeconds", "propagationPolicy");
                    default -> List.of();
                };
                for (String name : names) {
                    ObjectNode param = params.addObject().put("name", name).put("in", "query").put("uniqueItems", true);
                    param.putObject("schema").put("type", name.equals("force") ? "boolean"
                            : name.equals("gracePeriodSeconds") ? "integer" : "string");
                }
                op.putObject("responses").putObject("200").put("description", "OK");
            }
        }
        doc.putObject("components").putObject("schemas");
        return doc;
    }

    private static String openapiHash(String group) {
        return Integer.toHexString((KubePeer.SERVER_VERSION + group + resources(group)).hashCode());
    }

    static boolean servesGroupVersion(String group, String version) {
        return KubeResource.GROUPS.contains(group) && version.equals("v1");
    }

    private static List<KubeResource> resources(String group) {
        return KubeResource.ALL.stream().filter(r -> r.group().equals(group)).toList();
    }

    private static ObjectNode subresourceKind(KubeResource r, String sub) {
        return switch (sub) {
            case "scale" -> gvk("autoscaling", "v1", "Scale");
            case "eviction" -> gvk("policy", "v1", "Eviction");
            default -> gvk(r.group(), r.version(), r.kind());
        };
    }

    private static List<String> subresourceVerbs(String sub) {
        return switch (sub) {
            case "log" -> List.of("get");
            case "eviction" -> List.of("create");
            default -> List.of("get", "patch", "update");
        };
    }

    private static ObjectNode gvk(String group, String version, String kind) {
        return F.objectNode().put("group", group).put("version", version).put("kind", kind);
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = F.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
