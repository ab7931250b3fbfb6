package dev.ao.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The three patch formats kubectl sends: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and Kubernetes strategic merge patch.
 */
final class KubePatches {

    private KubePatches() {}

    // ---------------------------------------------------------------- RFC 7386

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject()
                ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        patch.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- RFC 6902

    static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
        if (!ops.isArray()) {
            throw KubeError.badRequest("a JSON patch must be an array of operations");
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String path = op.path("path").asText(null);
            if (path == null) {
                throw KubeError.badRequest("JSON patch operation without a path: " + op);
            }
            switch (op.path("op").asText()) {
                case "add" -> doc = add(doc, path, value(op));
                case "remove" -> doc = remove(doc, path);
                case "replace" -> {
                    get(doc, path);
                    doc = add(remove(doc, path), path, value(op));
                }
                case "move" -> {
                    String from = op.path("from").asText();
                    JsonNode moved = get(doc, from).deepCopy();
                    doc = add(remove(doc, from), path, moved);
                }
                case "copy" -> doc = add(doc, path, get(doc, op.path("from").asText()).deepCopy());
                case "test" -> {
                    if (!get(doc, path).equals(value(op))) {
                        throw new KubeError(422, "Invalid", "the server rejected our request due to an error"
                                + " in our request: testing value " + path + " failed", null);
                    }
                }
                default -> throw KubeError.badRequest("unknown JSON patch operation " + op.path("op"));
            }
        }
        return doc;
    }

    private static JsonNode value(JsonNode op) {
        if (!op.has("value")) {
            throw KubeError.badRequest("JSON patch operation without a value: " + op);
        }
        return op.get("value").deepCopy();
    }

    private static List<String> pointer(String path) {
        if (path.isEmpty()) {
            return List.of();
        }
        if (!path.startsWith("/")) {
            throw KubeError.badRequest("invalid JSON pointer " + path);
        }
        List<String> out = new ArrayList<>();
        for (String token : path.substring(1).split("/", -1)) {
            out.add(token.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static JsonNode get(JsonNode doc, String path) {
        JsonNode node = doc;
        for (String token : pointer(path)) {
            node = node.isArray() ? node.path(index(token, node.size() - 1)) : node.path(token);
            if (node.isMissingNode()) {
                throw missing(path);
            }
        }
        return node;
    }

    private static JsonNode add(JsonNode doc, String path, JsonNode value) {
        List<String> tokens = pointer(path);
        if (tokens.isEmpty()) {
            return value;
        }
        JsonNode parent = get(doc, parentOf(path));
        String last = tokens.get(tokens.size() - 1);
        if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
        } else if (parent.isArray()) {
            ArrayNode array = (ArrayNode) parent;
            if (last.equals("-")) {
                array.add(value);
            } else {
                array.insert(index(last, array.size()), value);
            }
        } else {
            throw missing(path);
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, String path) {
        List<String> tokens = pointer(path);
        if (tokens.isEmpty()) {
            return JsonNodeFactory.instance.nullNode();
        }
        get(doc, path);
        JsonNode parent = get(doc, parentOf(path));
        String last = tokens.get(tokens.size() - 1);
        if (parent.isObject()) {
            ((ObjectNode) parent).remove(last);
        } else {
            ((ArrayNode) parent).remove(index(last, parent.size() - 1));
        }
        return doc;
    }

    private static String parentOf(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    private static int index(String token, int max) {
        try {
            int i = Integer.parseInt(token);
            if (i < 0 || i > max) {
                throw KubeError.badRequest("JSON patch index out of range: " + token);
            }
            return i;
        } catch (NumberFormatException e) {
            throw KubeError.badRequest("JSON patch array index is not a number: " + token);
        }
    }

    private static KubeError missing(String path) {
        return new KubeError(422, "Invalid", "the server rejected our request due to an error in our"
                + " request: doc is missing path: \"" + path + "\"", null);
    }

    // ---------------------------------------------------------------- strategic merge patch

    /**
     * Merge keys of the lists that Kubernetes types merge element-wise rather than replace.
     * The real server reads these from struct tags; the field name is enough for the types served here.
     */
    private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
            Map.entry("containers", "name"), Map.entry("initContainers", "name"),
            Map.entry("ephemeralContainers", "name"), Map.entry("env", "name"),
            Map.entry("volumes", "name"), Map.entry("volumeMounts", "mountPath"),
            Map.entry("volumeDevices", "devicePath"), Map.entry("imagePullSecrets", "name"),
            Map.entry("ownerReferences", "uid"), Map.entry("conditions", "type"),
            Map.entry("hostAliases", "ip"), Map.entry("readinessGates", "conditionType"),
            Map.entry("topologySpreadConstraints", "topologyKey"), Map.entry("resourceClaims", "name"));

    /** Primitive lists whose patch strategy is "merge" (union) rather than replace. */
    private static final Set<String> MERGED_PRIMITIVE_LISTS = Set.of("finalizers");

    static JsonNode strategicMerge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            throw KubeError.badRequest("a strategic merge patch must be a JSON object");
        }
        JsonNode merged = mergeObject(target.isObject() ? (ObjectNode) target : null, (ObjectNode) patch);
        return merged == null ? JsonNodeFactory.instance.objectNode() : merged;
    }

    /** Returns the merged object, or null when the patch says {@code $patch: delete}. */
    private static ObjectNode mergeObject(ObjectNode original, ObjectNode patch) {
        String directive = patch.path("$patch").asText("");
        if (directive.equals("delete")) {
            return null;
        }
        if (directive.equals("replace") || original == null) {
            return strip(patch);
        }
        ObjectNode result = original.deepCopy();
        Map<String, JsonNode> orders = new HashMap<>();
        Map<String, JsonNode> deletions = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$setElementOrder/")) {
                orders.put(key.substring("$setElementOrder/".length()), value);
            } else if (key.startsWith("$deleteFromPrimitiveList/")) {
                deletions.put(key.substring("$deleteFromPrimitiveList/".length()), value);
            } else if (key.equals("$patch") || key.equals("$retainKeys")) {
                continue;
            } else if (value.isNull()) {
                result.remove(key);
            } else if (value.isObject()) {
                JsonNode existing = result.get(key);
                ObjectNode merged = mergeObject(existing != null && existing.isObject()
                        ? (ObjectNode) existing : null, (ObjectNode) value);
                if (merged == null) {
                    result.remove(key);
                } else {
                    result.set(key, merged);
                }
            } else if (value.isArray()) {
                JsonNode existing = result.get(key);
                result.set(key, existing != null && existing.isArray()
                        ? mergeList(key, (ArrayNode) existing, (ArrayNode) value)
                        : strip(value));
            } else {
                result.set(key, value.deepCopy());
            }
        }
        deletions.forEach((field, values) -> {
            if (result.get(field) instanceof ArrayNode list) {
                for (int i = list.size() - 1; i >= 0; i--) {
                    for (JsonNode v : values) {
                        if (list.get(i).equals(v)) {
                            list.remove(i);
                            break;
                        }
                    }
                }
            }
        });
        orders.forEach((field, order) -> {
            if (result.get(field) instanceof ArrayNode list) {
                result.set(field, reorder(field, list, order));
            }
        });
        JsonNode retain = patch.get("$retainKeys");
        if (retain != null && retain.isArray()) {
            Set<String> keep = new LinkedHashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            result.retain(keep);
        }
        return result;
    }

    private static ArrayNode mergeList(String field, ArrayNode original, ArrayNode patch) {
        for (JsonNode element : patch) {
            if (element.isObject() && element.path("$patch").asText("").equals("replace")) {
                ArrayNode replaced = JsonNodeFactory.instance.arrayNode();
                patch.forEach(el -> {
                    if (el != element) {
                        replaced.add(strip(el));
                    }
                });
                return replaced;
            }
        }
        if (MERGED_PRIMITIVE_LISTS.contains(field)) {
            ArrayNode result = original.deepCopy();
            for (JsonNode v : patch) {
                if (!contains(result, v)) {
                    result.add(v.deepCopy());
                }
            }
            return result;
        }
        String mergeKey = mergeKey(field, original, patch);
        if (mergeKey == null) {
            return strip(patch);
        }
        ArrayNode result = original.deepCopy();
        for (JsonNode element : patch) {
            if (!element.isObject() || !element.has(mergeKey)) {
                result.add(strip(element));
                continue;
            }
            int at = indexOf(result, mergeKey, element.get(mergeKey));
            boolean delete = element.path("$patch").asText("").equals("delete");
            if (delete) {
                if (at >= 0) {
                    result.remove(at);
                }
            } else if (at >= 0) {
                result.set(at, mergeObject((ObjectNode) result.get(at), (ObjectNode) element));
            } else {
                result.add(strip(element));
            }
        }
        return result;
    }

    private static String mergeKey(String field, ArrayNode original, ArrayNode patch) {
        if (field.equals("ports")) {
            // Container ports merge on containerPort, service ports on port.
            for (JsonNode n : patch) {
                if (n.has("containerPort")) {
                    return "containerPort";
                }
                if (n.has("port")) {
                    return "port";
                }
            }
            return null;
        }
        return MERGE_KEYS.get(field);
    }

    private static ArrayNode reorder(String field, ArrayNode list, JsonNode order) {
        String key = mergeKey(field, list, JsonNodeFactory.instance.arrayNode());
        List<JsonNode> remaining = new ArrayList<>();
        list.forEach(remaining::add);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode wanted : order) {
            for (Iterator<JsonNode> i = remaining.iterator(); i.hasNext(); ) {
                JsonNode candidate = i.next();
                boolean same = key != null && wanted.isObject()
                        ? candidate.path(key).equals(wanted.path(key)) : candidate.equals(wanted);
                if (same) {
                    out.add(candidate);
                    i.remove();
                    break;
                }
            }
        }
        remaining.forEach(out::add);
        return out;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path(key).equals(value)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean contains(ArrayNode list, JsonNode value) {
        for (JsonNode n : list) {
            if (n.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** A copy without strategic-merge directives ({@code $patch}, {@code $setElementOrder/...}). */
    @SuppressWarnings("unchecked")
    private static <T extends JsonNode> T strip(T node) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("$")) {
                    out.set(e.getKey(), strip(e.getValue()));
                }
            });
            return (T) out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> out.add(strip(n)));
            return (T) out;
        }
        return (T) node.deepCopy();
    }
}
