package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.AoException;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.config.ConfigValue;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code [runners.k8s]} as a k8s run uses it, and what a run's tags add to its pod. */
public record K8sSettings(String context, String namespace, String image, String serviceAccount, int ttlSeconds,
                          long workspaceBytes, int scheduleTimeoutSeconds, Map<String, ConfigValue> tags) {

    public static K8sSettings of(AoConfig c) {
        int ttl = (Integer) c.get(ConfigKey.K8S_TTL);
        if (ttl < 0) throw AoException.usage(c.origin(ConfigKey.K8S_TTL) + ": " + ConfigKey.K8S_TTL.name() + " must be 0 or more, got " + ttl);
        int sched = (Integer) c.get(ConfigKey.K8S_SCHEDULE_TIMEOUT);
        if (sched < 0) throw AoException.usage(c.origin(ConfigKey.K8S_SCHEDULE_TIMEOUT) + ": " + ConfigKey.K8S_SCHEDULE_TIMEOUT.name()
                + " must be 0 or more, got " + sched);
        return new K8sSettings(blankToNull((String) c.get(ConfigKey.K8S_CONTEXT)), blankToNull((String) c.get(ConfigKey.K8S_NAMESPACE)),
                (String) c.get(ConfigKey.K8S_IMAGE), blankToNull((String) c.get(ConfigKey.K8S_SERVICE_ACCOUNT)), ttl,
                c.size(ConfigKey.K8S_WORKSPACE_SIZE), sched, c.k8sTags());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** What a run's tags add to its pod: every tag applies (required tags are ANDed). */
    public record PodPlacement(Map<String, String> nodeSelector, List<Toleration> tolerations, Map<String, Quantity> requests,
                               Map<String, Quantity> limits) {}

    /** The pod fields of {@code tags}; an unknown tag, or two tags asking one node label for different values, is one line. */
    public PodPlacement placement(List<String> wanted) {
        Map<String, String> selector = new LinkedHashMap<>();
        Map<String, String> selectorFrom = new LinkedHashMap<>();
        List<Toleration> tolerations = new ArrayList<>();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        for (String tag : wanted) {
            ConfigValue v = tags.get(tag);
            if (v == null) {
                throw AoException.usage("--tag " + tag + ": no [runners.k8s.tags." + tag + "] table in the config"
                        + (tags.isEmpty() ? " (none is configured)" : " (known: " + String.join(", ", tags.keySet()) + ")"));
            }
            JsonNode t = (JsonNode) v.value();
            String at = v.origin() + ": runners.k8s.tags." + tag;
            JsonNode ns = t.path("node_selector");
            if (!ns.isMissingNode()) {
                if (!ns.isObject()) throw AoException.usage(at + ".node_selector must be a table of label = \"value\"");
                for (Iterator<Map.Entry<String, JsonNode>> it = ns.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual()) throw AoException.usage(at + ".node_selector." + e.getKey() + " must be a string");
                    String old = selector.putIfAbsent(e.getKey(), e.getValue().asText());
                    if (old != null && !old.equals(e.getValue().asText())) {
                        throw AoException.usage(at + ".node_selector." + e.getKey() + " = \"" + e.getValue().asText() + "\" conflicts with tag "
                                + selectorFrom.get(e.getKey()) + " (\"" + old + "\"): no node can have both");
                    }
                    selectorFrom.putIfAbsent(e.getKey(), tag);
                }
            }
            JsonNode tol = t.path("tolerations");
            if (!tol.isMissingNode()) {
                if (!tol.isArray()) throw AoException.usage(at + ".tolerations must be an array of {key, operator, value, effect}");
                for (JsonNode one : tol) {
                    if (!one.isObject()) throw AoException.usage(at + ".tolerations: each must be a table {key, operator, value, effect}");
                    for (Iterator<String> f = one.fieldNames(); f.hasNext(); ) {
                        String k = f.next();
                        if (!List.of("key", "operator", "value", "effect", "toleration_seconds").contains(k)) {
                            throw AoException.usage(at + ".tolerations: unknown key '" + k + "' (key, operator, value, effect, toleration_seconds)");
                        }
                    }
                    String op = one.path("operator").asText("Equal");
                    if (!op.equals("Equal") && !op.equals("Exists")) throw AoException.usage(at + ".tolerations: operator must be Equal or Exists, got " + op);
                    TolerationBuilder b = new TolerationBuilder().withOperator(op);
                    if (one.has("key")) b.withKey(one.get("key").asText());
                    if (one.has("value")) b.withValue(one.get("value").asText());
                    if (one.has("effect")) b.withEffect(one.get("effect").asText());
                    if (one.has("toleration_seconds")) b.withTolerationSeconds(one.get("toleration_seconds").asLong());
                    tolerations.add(b.build());
                }
            }
            JsonNode res = t.path("resources");
            if (!res.isMissingNode()) {
                if (!res.isObject()) throw AoException.usage(at + ".resources must be a table with requests and limits");
                for (Iterator<Map.Entry<String, JsonNode>> it = res.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Map<String, Quantity> into = switch (e.getKey()) {
                        case "requests" -> requests;
                        case "limits" -> limits;
                        default -> throw AoException.usage(at + ".resources: unknown key '" + e.getKey() + "' (requests, limits)");
                    };
                    if (!e.getValue().isObject()) throw AoException.usage(at + ".resources." + e.getKey() + " must be a table like {cpu = \"2\"}");
                    for (Iterator<Map.Entry<String, JsonNode>> q = e.getValue().fields(); q.hasNext(); ) {
                        Map.Entry<String, JsonNode> r = q.next();
                        String amount = r.getValue().asText();
                        if (!amount.matches("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")) {
                            throw AoException.usage(at + ".resources." + e.getKey() + "." + r.getKey() + ": '" + amount + "' is not a quantity (e.g. 500m, 2, 1Gi)");
                        }
                        into.put(r.getKey(), new Quantity(amount));
                    }
                }
            }
        }
        return new PodPlacement(selector, tolerations, requests, limits);
    }
}
