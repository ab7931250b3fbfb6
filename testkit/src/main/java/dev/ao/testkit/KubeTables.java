package dev.ao.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-side printing: the {@code meta.k8s.io/v1 Table} that {@code kubectl get} asks for,
 * with the columns and cell rules of the real API server's printers.
 */
final class KubeTables {

    private KubeTables() {}

    private record Column(String name, String type, String format, int priority, String description) {}

    private static Column col(String name, String type, int priority, String description) {
        return new Column(name, type, name.equals("Name") ? "name" : "", priority, description);
    }

    private static final Column NAME = col("Name", "string", 0,
            "Name must be unique within a namespace.");
    private static final Column AGE = col("Age", "string", 0,
            "CreationTimestamp is a timestamp representing the server time when this object was created.");

    static ObjectNode table(KubeResource r, List<ObjectNode> objects, String includeObject,
                            Instant now, String resourceVersion, String continueToken) {
        List<Column> columns = columns(r);
        ObjectNode table = JsonNodeFactory.instance.objectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata").put("resourceVersion", resourceVersion);
        if (continueToken != null) {
            meta.put("continue", continueToken);
        }
        ArrayNode defs = table.putArray("columnDefinitions");
        for (Column c : columns) {
            defs.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
                    .put("description", c.description()).put("priority", c.priority());
        }
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object cell : cells(r, o, now)) {
                if (cell instanceof Integer i) {
                    cells.add(i);
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            switch (includeObject == null ? "Metadata" : includeObject) {
                case "None" -> { }
                case "Object" -> row.set("object", o);
                default -> {
                    ObjectNode partial = row.putObject("object");
                    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                    partial.set("metadata", o.path("metadata").deepCopy());
                }
            }
        }
        return table;
    }

    private static List<Column> columns(KubeResource r) {
        List<Column> c = new ArrayList<>();
        c.add(NAME);
        switch (r.plural()) {
            case "pods" -> {
                c.add(col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."));
                c.add(col("Status", "string", 0, "The aggregate status of the containers in this pod."));
                c.add(col("Restarts", "string", 0,
                        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."));
                c.add(AGE);
                c.add(col("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster."));
                c.add(col("Node", "string", 1, "Name of the node the pod is scheduled on."));
                c.add(col("Nominated Node", "string", 1, "Node the scheduler nominated for preemption."));
                c.add(col("Readiness Gates", "string", 1, "Pod readiness gates."));
            }
            case "deployments" -> {
                c.add(col("Ready", "string", 0, "Number of the pod with ready state"));
                c.add(col("Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."));
                c.add(col("Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."));
                c.add(AGE);
                c.add(col("Containers", "string", 1, "Names of each container in the template."));
                c.add(col("Images", "string", 1, "Images referenced by each container in the template."));
                c.add(col("Selector", "string", 1, "Label selector for pods."));
            }
            case "jobs" -> {
                c.add(col("Status", "string", 0, "Status of the job."));
                c.add(col("Completions", "string", 0, "The completion status of the job."));
                c.add(col("Duration", "string", 0, "Time required to complete the job."));
                c.add(AGE);
                c.add(col("Containers", "string", 1, "Names of each container in the template."));
                c.add(col("Images", "string", 1, "Images referenced by each container in the template."));
                c.add(col("Selector", "string", 1, "Label selector for pods."));
            }
            case "secrets" -> {
                c.add(col("Type", "string", 0, "The type of the secret"));
                c.add(col("Data", "string", 0, "The number of data entries in the secret"));
                c.add(AGE);
            }
            case "leases" -> {
                c.add(col("Holder", "string", 0, "The holder of the lease"));
                c.add(AGE);
            }
            case "replicasets" -> {
                c.add(col("Desired", "integer", 0, "Number of desired pods."));
                c.add(col("Current", "integer", 0, "The most recently observed number of replicas."));
                c.add(col("Ready", "integer", 0, "The number of ready replicas for this replica set."));
                c.add(AGE);
                c.add(col("Containers", "string", 1, "Names of each container in the template."));
                c.add(col("Images", "string", 1, "Images referenced by each container in the template."));
                c.add(col("Selector", "string", 1, "Label selector for pods."));
            }
            case "namespaces" -> {
                c.add(col("Status", "string", 0, "The status of the namespace"));
                c.add(AGE);
            }
            case "nodes" -> {
                c.add(col("Status", "string", 0, "The status of the node"));
                c.add(col("Roles", "string", 0, "The roles of the node"));
                c.add(AGE);
                c.add(col("Version", "string", 0, "Kubelet Version reported by the node."));
            }
            case "services" -> {
                c.add(col("Type", "string", 0, "The type of the service."));
                c.add(col("Cluster-IP", "string", 0, "The cluster IP of the service."));
                c.add(col("External-IP", "string", 0, "The external IP of the service."));
                c.add(col("Port(s)", "string", 0, "The ports of the service."));
                c.add(AGE);
                c.add(col("Selector", "string", 1, "The label selector of the service."));
            }
            case "configmaps" -> {
                c.add(col("Data", "integer", 0, "Number of data items in the config map."));
                c.add(AGE);
            }
            case "events" -> {
                c.clear();
                c.add(col("Last Seen", "string", 0, "The time since the event was last seen."));
                c.add(col("Type", "string", 0, "Type of this event."));
                c.add(col("Reason", "string", 0, "The reason for this event."));
                c.add(col("Object", "string", 0, "The object this event is about."));
                c.add(col("Message", "string", 0, "A human-readable description of the event."));
            }
            default -> c.add(AGE);
        }
        return c;
    }

    private static List<Object> cells(KubeResource r, JsonNode o, Instant now) {
        List<Object> cells = new ArrayList<>();
        cells.add(o.path("metadata").path("name").asText());
        String age = age(o.path("metadata").path("creationTimestamp").asText(""), now);
        JsonNode spec = o.path("spec");
        JsonNode status = o.path("status");
        switch (r.plural()) {
            case "pods" -> podCells(o, now, cells, age);
            case "deployments" -> {
                cells.add(status.path("readyReplicas").asInt() + "/" + spec.path("replicas").asInt(1));
                cells.add(status.path("updatedReplicas").asInt());
                cells.add(status.path("availableReplicas").asInt());
                cells.add(age);
                templateCells(spec, cells);
            }
            case "jobs" -> {
                cells.add(jobStatus(status, spec));
                cells.add(status.path("succeeded").asInt() + "/" + spec.path("completions").asInt(1));
                String start = status.path("startTime").asText("");
                String end = status.path("completionTime").asText("");
                cells.add(start.isEmpty() ? "" : human(Duration.between(Instant.parse(start),
                        end.isEmpty() ? now : Instant.parse(end))));
                cells.add(age);
                templateCells(spec, cells);
            }
            case "secrets" -> {
                cells.add(o.path("type").asText("Opaque"));
                cells.add(o.path("data").size());
                cells.add(age);
            }
            case "leases" -> {
                cells.add(spec.path("holderIdentity").asText(""));
                cells.add(age);
            }
            case "replicasets" -> {
                cells.add(spec.path("replicas").asInt(1));
                cells.add(status.path("replicas").asInt());
                cells.add(status.path("readyReplicas").asInt());
                cells.add(age);
                templateCells(spec, cells);
            }
            case "namespaces" -> {
                cells.add(status.path("phase").asText("Active"));
                cells.add(age);
            }
            case "nodes" -> {
                String ready = "Unknown";
                for (JsonNode c : status.path("conditions")) {
                    if (c.path("type").asText().equals("Ready")) {
                        ready = c.path("status").asText().equals("True") ? "Ready" : "NotReady";
                    }
                }
                if (spec.path("unschedulable").asBoolean()) {
                    ready += ",SchedulingDisabled";
                }
                List<String> roles = new ArrayList<>();
                o.path("metadata").path("labels").fieldNames().forEachRemaining(k -> {
                    if (k.startsWith("node-role.kubernetes.io/")) {
                        roles.add(k.substring("node-role.kubernetes.io/".length()));
                    }
                });
                cells.add(ready);
                cells.add(roles.isEmpty() ? "<none>" : String.join(",", roles));
                cells.add(age);
                cells.add(status.path("nodeInfo").path("kubeletVersion").asText(""));
            }
            case "services" -> {
                cells.add(spec.path("type").asText("ClusterIP"));
                cells.add(spec.path("clusterIP").asText("<none>"));
                List<String> external = new ArrayList<>();
                spec.path("externalIPs").forEach(ip -> external.add(ip.asText()));
                status.path("loadBalancer").path("ingress").forEach(i -> external.add(i.path("ip").asText()));
                cells.add(external.isEmpty()
                        ? (spec.path("type").asText().equals("LoadBalancer") ? "<pending>" : "<none>")
                        : String.join(",", external));
                List<String> ports = new ArrayList<>();
                for (JsonNode p : spec.path("ports")) {
                    String port = p.path("port").asText();
                    if (p.has("nodePort")) {
                        port += ":" + p.path("nodePort").asText();
                    }
                    ports.add(port + "/" + p.path("protocol").asText("TCP"));
                }
                cells.add(ports.isEmpty() ? "<none>" : String.join(",", ports));
                cells.add(age);
                List<String> selector = new ArrayList<>();
                spec.path("selector").fields().forEachRemaining(e -> selector.add(e.getKey() + "=" + e.getValue().asText()));
                cells.add(selector.isEmpty() ? "<none>" : String.join(",", selector));
            }
            case "configmaps" -> {
                cells.add(o.path("data").size() + o.path("binaryData").size());
                cells.add(age);
            }
            case "events" -> {
                cells.clear();
                String last = o.path("lastTimestamp").asText(o.path("eventTime").asText(
                        o.path("metadata").path("creationTimestamp").asText("")));
                cells.add(age(last, now));
                cells.add(o.path("type").asText());
                cells.add(o.path("reason").asText());
                JsonNode inv = o.path("involvedObject");
                cells.add(inv.path("kind").asText().toLowerCase(java.util.Locale.ROOT) + "/" + inv.path("name").asText());
                cells.add(o.path("message").asText());
            }
            default -> cells.add(age);
        }
        return cells;
    }

    /** kubectl 1.32's job STATUS: Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
    private static String jobStatus(JsonNode status, JsonNode spec) {
        for (String type : List.of("Complete", "Failed", "Suspended", "FailureTarget", "SuccessCriteriaMet")) {
            for (JsonNode c : status.path("conditions")) {
                if (c.path("type").asText().equals(type) && c.path("status").asText().equals("True")) {
                    return type;
                }
            }
        }
        return spec.path("suspend").asBoolean() ? "Suspended" : "Running";
    }

    private static void podCells(JsonNode pod, Instant now, List<Object> cells, String age) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        int total = spec.path("containers").size();
        int ready = 0;
        int restarts = 0;
        Instant lastRestart = null;
        String reason = status.path("reason").asText(status.path("phase").asText("Pending"));
        boolean running = false;
        for (JsonNode cs : status.path("containerStatuses")) {
            restarts += cs.path("restartCount").asInt();
            String finished = cs.path("lastState").path("terminated").path("finishedAt").asText("");
            if (!finished.isEmpty()) {
                Instant t = Instant.parse(finished);
                if (lastRestart == null || t.isAfter(lastRestart)) {
                    lastRestart = t;
                }
            }
            JsonNode state = cs.path("state");
            if (state.has("waiting") && !state.path("waiting").path("reason").asText("").isEmpty()) {
                reason = state.path("waiting").path("reason").asText();
            } else if (state.has("terminated")) {
                JsonNode t = state.path("terminated");
                reason = !t.path("reason").asText("").isEmpty() ? t.path("reason").asText()
                        : t.path("signal").asInt() != 0 ? "Signal:" + t.path("signal").asInt()
                        : "ExitCode:" + t.path("exitCode").asInt();
            } else if (cs.path("ready").asBoolean() && state.has("running")) {
                running = true;
                ready++;
            }
        }
        if (reason.equals("Completed") && running) {
            reason = "Running";
        }
        if (pod.path("metadata").has("deletionTimestamp")) {
            reason = "Terminating";
        }
        cells.add(ready + "/" + total);
        cells.add(reason);
        cells.add(lastRestart == null ? String.valueOf(restarts)
                : restarts + " (" + human(Duration.between(lastRestart, now)) + " ago)");
        cells.add(age);
        cells.add(status.path("podIP").asText("<none>"));
        cells.add(spec.path("nodeName").asText("<none>"));
        cells.add(status.path("nominatedNodeName").asText("<none>"));
        cells.add("<none>");
    }

    private static void templateCells(JsonNode spec, List<Object> cells) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (JsonNode c : spec.path("template").path("spec").path("containers")) {
            names.add(c.path("name").asText());
            images.add(c.path("image").asText());
        }
        cells.add(String.join(",", names));
        cells.add(String.join(",", images));
        cells.add(KubeSelectors.toText(spec.path("selector")));
    }

    static String age(String timestamp, Instant now) {
        if (timestamp.isEmpty()) {
            return "<unknown>";
        }
        return human(Duration.between(Instant.parse(timestamp), now));
    }

    /** The API server's {@code duration.HumanDuration}: 45s, 5m12s, 3h20m, 4d2h, 1y30d. */
    static String human(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
