package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.AoException;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a schema cannot check in a parsed workflow: the graph (unknown needs, cycles), the skills jobs use (they
 * exist, are runnable, and {@code with:} fits their parameters_schema), every expression compiled, the jobs an
 * expression reads are among its needs, and the output keys it reads are declared where the skill declares its
 * outputs. Every problem is reported at once, a line each with file:line.
 */
public final class WorkflowValidator {

    /** What validation learned that running needs: each job's script spec (null for a workflow or inline job). */
    public record Checked(Workflow workflow, WorkflowGraph graph, Map<String, ScriptSpec> specs, Map<String, Skill> nested) {}

    private WorkflowValidator() {}

    /** @param catalog the skills jobs may use; null checks everything but them (a linter looking at one folder) */
    public static Checked validate(Workflow wf, Supplier<SkillCatalog> catalog) {
        WorkflowGraph graph = WorkflowGraph.of(wf);   // unknown needs and cycles: nothing else is sound without a graph
        List<String> problems = new ArrayList<>();
        Map<String, ScriptSpec> specs = new LinkedHashMap<>();
        Map<String, Skill> nested = new LinkedHashMap<>();
        Map<String, JsonNode> declaredOutputs = new LinkedHashMap<>();
        for (Workflow.Job j : wf.jobs().values()) {
            String at = "/jobs/" + j.id();
            if (!j.runsOnTags().isEmpty() && !"k8s".equals(j.runsOn())) {
                problems.add(wf.lines().at(at + "/runs_on") + "jobs." + j.id() + ".runs_on: tags choose Kubernetes nodes; use runner: k8s");
            }
            if (j.inline()) {
                if (j.outputsSchema() != null) declaredOutputs.put(j.id(), j.outputsSchema());
            } else if (catalog != null) {
                Optional<Skill> s = catalog.get().find(j.uses());
                if (s.isEmpty()) {
                    problems.add(wf.lines().at(at + "/uses") + "jobs." + j.id() + ".uses: no skill named '" + j.uses() + "' (see 'ao skill list')");
                } else if (!s.get().runnable()) {
                    problems.add(wf.lines().at(at + "/uses") + "jobs." + j.id() + ".uses: skill '" + j.uses() + "' has no script.json or workflow.yml to run");
                } else if (s.get().workflow()) {
                    nested.put(j.id(), s.get());
                    if (s.get().workflowFile().toAbsolutePath().normalize().equals(wf.file().toAbsolutePath().normalize())) {
                        problems.add(wf.lines().at(at + "/uses") + "jobs." + j.id() + ".uses: a workflow cannot use itself");
                    }
                } else {
                    try {
                        ScriptSpec spec = ScriptSpecReader.read(s.get().specFile()).withSkill(s.get().id(), s.get().source());
                        specs.put(j.id(), spec);
                        if (spec.outputsSchema() != null) declaredOutputs.put(j.id(), spec.outputsSchema());
                        checkWith(wf, j, spec.parametersSchema(), problems);
                    } catch (AoException e) {
                        problems.add(wf.lines().at(at + "/uses") + "jobs." + j.id() + ".uses: " + e.getMessage());
                    }
                }
            }
        }
        for (Workflow.Job j : wf.jobs().values()) {
            String at = "/jobs/" + j.id();
            Set<String> visible = graph.ancestors(j.id());
            if (j.ifExpr() != null) {
                compile(wf, at + "/if", "jobs." + j.id() + ".if", j.ifExpr(), null, true, visible, declaredOutputs, problems);
            }
            if (j.forEach() != null) {
                compile(wf, at + "/for_each", "jobs." + j.id() + ".for_each", j.forEach(), Expressions.Expect.LIST, false, visible, declaredOutputs, problems);
            }
            for (Map.Entry<String, Object> e : j.with().entrySet()) {
                if (e.getValue() instanceof String s) {
                    compile(wf, at + "/with/" + e.getKey(), "jobs." + j.id() + ".with." + e.getKey(), s, Expressions.Expect.ANY, false,
                            visible, declaredOutputs, problems);
                }
            }
            if (j.concurrency() != null) {
                compile(wf, at + "/concurrency", "jobs." + j.id() + ".concurrency.group", j.concurrency().group(), Expressions.Expect.ANY,
                        false, visible, declaredOutputs, problems);
            }
        }
        Set<String> all = wf.jobs().keySet();
        if (wf.concurrency() != null) {
            compile(wf, "/concurrency", "concurrency.group", wf.concurrency().group(), Expressions.Expect.ANY, false, Set.of(),
                    declaredOutputs, problems);
        }
        if (wf.summary() != null) {
            compile(wf, "/summary", "summary", wf.summary(), Expressions.Expect.ANY, false, all, declaredOutputs, problems);
        }
        for (Map.Entry<String, String> e : wf.outputs().entrySet()) {
            compile(wf, "/outputs/" + e.getKey(), "outputs." + e.getKey(), e.getValue(), Expressions.Expect.ANY, false, all,
                    declaredOutputs, problems);
        }
        if (!problems.isEmpty()) throw AoException.usage(String.join("\n", problems));
        return new Checked(wf, graph, specs, nested);
    }

    private static void compile(Workflow wf, String pointer, String key, String text, Expressions.Expect expect, boolean condition,
                                Set<String> visible, Map<String, JsonNode> declared, List<String> problems) {
        Expressions.Template t;
        try {
            t = condition ? Expressions.compileCondition(text) : Expressions.compile(text, expect);
        } catch (Expressions.ExpressionException e) {
            problems.add(wf.lines().at(pointer) + key + ": " + e.getMessage());
            return;
        }
        for (String job : t.jobRefs()) {
            if (!wf.jobs().containsKey(job)) {
                problems.add(wf.lines().at(pointer) + key + ": reads jobs." + job + ", but there is no job '" + job + "' (jobs: "
                        + String.join(", ", wf.jobs().keySet()) + ")");
            } else if (!visible.contains(job)) {
                problems.add(wf.lines().at(pointer) + key + ": reads jobs." + job + ", which is not among its needs (add it to needs:"
                        + " a job's outputs exist only once it has ended)");
            }
        }
        for (Expressions.OutputRef ref : t.outputRefs()) {
            JsonNode schema = declared.get(ref.job());
            if (schema == null) continue;
            JsonNode props = schema.path("properties");
            boolean open = !schema.path("additionalProperties").isBoolean() || schema.path("additionalProperties").asBoolean();
            if (!props.has(ref.key()) && !(open && !props.isObject())) {
                List<String> names = new ArrayList<>();
                for (Iterator<String> it = props.fieldNames(); it.hasNext(); ) names.add(it.next());
                problems.add(wf.lines().at(pointer) + key + ": reads jobs." + ref.job() + ".outputs." + ref.key()
                        + ", which its outputs_schema does not declare (declared: " + String.join(", ", names) + ")");
            }
        }
    }

    /** Literal {@code with:} values are bound now, against the skill's schema; templated ones when they are known. */
    private static void checkWith(Workflow wf, Workflow.Job j, JsonNode schema, List<String> problems) {
        Map<String, List<String>> literal = new LinkedHashMap<>();
        List<String> templated = new ArrayList<>();
        JsonNode props = schema.path("properties");
        boolean open = schema.path("additionalProperties").asBoolean(false) || !props.isObject();
        for (Map.Entry<String, Object> e : j.with().entrySet()) {
            if (!open && !props.has(e.getKey())) {
                problems.add(wf.lines().at("/jobs/" + j.id() + "/with/" + e.getKey()) + "jobs." + j.id() + ".with." + e.getKey()
                        + ": skill '" + j.uses() + "' has no parameter '" + e.getKey() + "' (parameters: "
                        + String.join(", ", names(props)) + ")");
                continue;
            }
            if (e.getValue() instanceof String s && s.contains("${{")) {
                templated.add(e.getKey());
                continue;
            }
            List<String> vs = new ArrayList<>();
            if (e.getValue() instanceof List<?> l) l.forEach(x -> vs.add(x instanceof String s ? s : Json.write(x)));
            else if (e.getValue() instanceof Map<?, ?>) vs.add(Json.write(e.getValue()));
            else vs.add(String.valueOf(e.getValue()));
            literal.put(e.getKey(), vs);
        }
        // the required parameters that are templated are there; bind the literal ones with placeholders for the rest
        com.fasterxml.jackson.databind.node.ObjectNode relaxed = schema.deepCopy();
        if (relaxed.has("required") && relaxed.get("required").isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode req = relaxed.putArray("required");
            schema.get("required").forEach(r -> {
                if (!templated.contains(r.asText())) req.add(r);
            });
        }
        com.fasterxml.jackson.databind.node.ObjectNode relaxedProps = relaxed.with("properties");
        for (String t : templated) relaxedProps.remove(t);
        if (!templated.isEmpty() && !open) relaxed.put("additionalProperties", false);
        try {
            ParameterBinder.bind(relaxed, literal, "jobs." + j.id() + ".with");
        } catch (AoException e) {
            for (String line : e.getMessage().split("\n")) {
                problems.add(wf.lines().at("/jobs/" + j.id() + "/with") + "jobs." + j.id() + ".with (skill " + j.uses() + "): " + line);
            }
        }
    }

    private static List<String> names(JsonNode props) {
        List<String> out = new ArrayList<>();
        props.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
