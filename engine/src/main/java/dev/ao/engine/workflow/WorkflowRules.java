package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.AoException;
import dev.ao.engine.script.SchemaGuard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@code workflow.schema.json} says badly or not at all, checked on the same tree: job ids (with why a hyphen is
 * refused), exactly one of {@code uses} and {@code run}, {@code shell} and {@code outputs_schema} with {@code run} only,
 * the embedded JSON Schemas (as script.json's are) and {@code max_backoff} against {@code backoff}. Each check looks
 * only at values of the right type: a value of the wrong type is the schema's problem, reported once.
 */
final class WorkflowRules {
    static final Pattern JOB_ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private WorkflowRules() {}

    static void check(JsonNode root, WorkflowProblems problems) {
        if (!root.isObject()) return;
        embeddedSchema(root, "/parameters_schema", problems);
        embeddedSchema(root, "/outputs_schema", problems);
        JsonNode jobs = root.path("jobs");
        if (!jobs.isObject()) return;
        jobs.fields().forEachRemaining(e -> {
            String at = "/jobs/" + WorkflowProblems.escape(e.getKey());
            if (!JOB_ID.matcher(e.getKey()).matches()) problems.at(at, badId(e.getKey()));
            if (e.getValue().isObject()) job(e.getValue(), at, problems);
        });
    }

    /** Why an id is refused, and one that would do. */
    static String badId(String id) {
        String fix = id.replaceAll("[^A-Za-z0-9_]", "_");
        if (fix.isEmpty() || Character.isDigit(fix.charAt(0))) fix = "_" + fix;
        String why = id.contains("-")
                ? "expressions read jobs.<id>, and in ${{ jobs." + id + ".outputs }} the '-' would be a subtraction"
                : "expressions read it as jobs.<id>";
        return "not a valid job id: use letters, digits and _, not starting with a digit (" + why + "); e.g. '" + fix + "'";
    }

    private static void job(JsonNode job, String at, WorkflowProblems problems) {
        boolean uses = job.has("uses");
        boolean run = job.has("run");
        if (uses && run) {
            problems.at(at, "has both uses and run; keep one (uses: a skill id, run: an inline script)");
        } else if (!uses && !run) {
            problems.at(at, "needs uses (a skill id) or run (an inline script with shell)");
        }
        if (run && !job.has("shell")) problems.at(at + "/run", "needs shell: python, bash or node next to it");
        if (uses && !run && job.has("shell")) problems.at(at + "/shell", "goes with run only (a uses: job runs its skill as the skill says)");
        if (uses && !run && job.has("outputs_schema")) {
            problems.at(at + "/outputs_schema", "goes with run only (a uses: job has its skill's outputs)");
        }
        embeddedSchema(job, at + "/outputs_schema", problems);
        JsonNode retry = job.path("retry");
        if (retry.isObject() && validDuration(retry.get("backoff")) && validDuration(retry.get("max_backoff"))
                && Durations.millis(retry.get("max_backoff")) < Durations.millis(retry.get("backoff"))) {
            problems.at(at + "/retry/max_backoff", "is shorter than backoff (" + retry.get("backoff").asText() + ")");
        }
    }

    private static boolean validDuration(JsonNode n) {
        return n != null && Durations.valid(n);
    }

    /**
     * A JSON Schema inside the workflow is checked as script.json's {@code parameters_schema} is ({@link SchemaGuard}):
     * local references only, no cycles, regexes that compile, and a validator the library can build.
     */
    private static void embeddedSchema(JsonNode parent, String at, WorkflowProblems problems) {
        String field = at.substring(at.lastIndexOf('/') + 1);
        JsonNode schema = parent.get(field);
        if (schema == null || !schema.isObject()) return;
        List<SchemaGuard.Problem> found = SchemaGuard.check(schema);
        for (SchemaGuard.Problem p : found) problems.at(at + p.pointer(), p.message());
        if (!found.isEmpty()) return;
        try {
            SchemaGuard.validator(schema, "");
        } catch (AoException e) {
            problems.at(at, e.getMessage().replaceFirst("^: (parameters_schema(: )?)?", ""));
        }
    }

    /** Each job's {@code needs} as written (ids in file order), for {@link WorkflowGraph#check} before any record exists. */
    static Map<String, List<String>> needs(JsonNode root) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        root.path("jobs").fields().forEachRemaining(e -> {
            JsonNode n = e.getValue().path("needs");
            List<String> ids = new ArrayList<>();
            if (n.isTextual()) ids.add(n.asText());
            for (JsonNode item : n.isArray() ? n : List.<JsonNode>of()) ids.add(item.isTextual() ? item.asText() : null);
            out.put(e.getKey(), ids);
        });
        return out;
    }
}
