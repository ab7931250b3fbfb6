package dev.ao.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An API error the peer answers with a {@code kind: Status} body, as the real API server does. */
final class KubeError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int code;
    final String reason;
    final ObjectNode details;

    KubeError(int code, String reason, String message, ObjectNode details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    static KubeError notFound(KubeResource r, String name) {
        return new KubeError(404, "NotFound", r.groupResource() + " \"" + name + "\" not found", details(r, name));
    }

    static KubeError pathNotFound() {
        return new KubeError(404, "NotFound", "the server could not find the requested resource", null);
    }

    static KubeError alreadyExists(KubeResource r, String name) {
        return new KubeError(409, "AlreadyExists", r.groupResource() + " \"" + name + "\" already exists",
                details(r, name));
    }

    static KubeError conflict(KubeResource r, String name) {
        return new KubeError(409, "Conflict", "Operation cannot be fulfilled on " + r.groupResource() + " \""
                + name + "\": the object has been modified; please apply your changes to the latest version"
                + " and try again", details(r, name));
    }

    static KubeError badRequest(String message) {
        return new KubeError(400, "BadRequest", message, null);
    }

    static KubeError invalid(KubeResource r, String name, String field, String problem) {
        ObjectNode details = details(r, name);
        details.put("kind", r.kind());
        details.putArray("causes").addObject()
                .put("reason", "FieldValueInvalid").put("message", problem).put("field", field);
        return new KubeError(422, "Invalid",
                r.groupKind() + " \"" + name + "\" is invalid: " + field + ": " + problem, details);
    }

    static KubeError forbidden(String message) {
        return new KubeError(403, "Forbidden", message, null);
    }

    static KubeError methodNotAllowed(String method) {
        return new KubeError(405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource (" + method + ")", null);
    }

    static KubeError unsupportedMediaType(String contentType) {
        return new KubeError(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: "
                        + "application/json, application/merge-patch+json, "
                        + "application/strategic-merge-patch+json, application/json-patch+json"
                        + " (got " + contentType + ")", null);
    }

    static KubeError gone(String message) {
        return new KubeError(410, "Expired", message, null);
    }

    private static ObjectNode details(KubeResource r, String name) {
        ObjectNode d = JsonNodeFactory.instance.objectNode().put("name", name);
        if (!r.group().isEmpty()) {
            d.put("group", r.group());
        }
        return d.put("kind", r.plural());
    }

    ObjectNode toStatus() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", getMessage()).put("reason", reason);
        if (details != null) {
            s.set("details", details);
        }
        s.put("code", code);
        return s;
    }
}
