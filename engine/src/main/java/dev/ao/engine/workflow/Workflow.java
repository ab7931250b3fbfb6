package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code workflow.yml}: jobs in file order, every {@code ${{ }}} still as text. {@link WorkflowParser} builds it
 * (YAML 1.2, checked against the shipped JSON Schema); {@link WorkflowValidator} checks what a schema cannot.
 *
 * @param parametersSchema as in script.json; {@code -p} binds against it exactly as for scripts
 * @param outputsSchema    JSON Schema over the workflow's own outputs (optional)
 * @param outputs          the workflow's outputs: name to template, evaluated over the jobs when it ends
 * @param maxParallel      child runs at once across the workflow; null: the machine's cores
 * @param summary          a template over the jobs' outputs; null: a table of the jobs and their summaries
 * @param lines            where each key sits in the file, for file:line messages
 */
public record Workflow(Path file, String name, String description, ObjectNode parametersSchema, ObjectNode outputsSchema,
                       Concurrency concurrency, Integer maxParallel, Integer timeout, String risk, Map<String, Job> jobs,
                       Map<String, String> outputs, String summary, Lines lines) {

    public static final String FILE = "workflow.yml";

    public boolean approvalRequired() {
        return "approval_required".equals(risk);
    }

    /**
     * One job.
     *
     * @param uses      a skill id (a script or another workflow); null for an inline {@code run:}
     * @param with      parameters for {@code uses} (or {@code AO_PARAM_*} for {@code run}); values may hold templates.
     *                  Plain Java in file order: String, Integer (Long, BigInteger if larger), Double, Boolean, null,
     *                  List, Map (a LinkedHashMap); empty when the file has no {@code with:}
     * @param run       an inline script's text
     * @param shell     {@code python}, {@code bash} or {@code node} for {@code run}
     * @param ifExpr    the condition's text ({@code ${{ }}} optional, as in GitHub Actions); null: {@code success()}
     * @param line      the line of the job's key in the file
     * @param needs     ids of the jobs this one runs after, as written ({@link WorkflowGraph} checks them)
     * @param forEach   one child run per item of the list this template gives; a literal list in the file
     *                  ({@code for_each: [a, b]}) is kept as {@code ${{ ["a","b"] }}}, its JSON inside one
     *                  {@code ${{ }}} (JSON is a CEL literal), so it is always one template; null: one run
     * @param timeout   seconds per attempt; null: the skill's, then config
     * @param outputsSchema declared outputs of an inline {@code run:} job (a {@code uses:} job has its skill's)
     * @param retry     {@link Retry#NONE} when the file has no {@code retry:}
     * @param concurrency the job's concurrency group; null: none of its own
     * @param runsOn    {@code local} (default) or {@code k8s}; the runner of a {@code {runner, tags}} form
     * @param runsOnTags the tags of a {@code {runner: k8s, tags: [gpu]}} form (every tag applies)
     */
    public record Job(String id, int line, List<String> needs, String uses, Map<String, Object> with, String run, String shell,
                      String ifExpr, String forEach, Integer maxParallel, Integer timeout, Retry retry, boolean continueOnError,
                      boolean approval, Concurrency concurrency, ObjectNode outputsSchema, String runsOn, List<String> runsOnTags) {

        public Job {
            runsOnTags = runsOnTags == null ? List.of() : List.copyOf(runsOnTags);
        }

        /** A job placed here, or on Kubernetes without tags. */
        public Job(String id, int line, List<String> needs, String uses, Map<String, Object> with, String run, String shell,
                   String ifExpr, String forEach, Integer maxParallel, Integer timeout, Retry retry, boolean continueOnError,
                   boolean approval, Concurrency concurrency, ObjectNode outputsSchema, String runsOn) {
            this(id, line, needs, uses, with, run, shell, ifExpr, forEach, maxParallel, timeout, retry, continueOnError, approval,
                    concurrency, outputsSchema, runsOn, List.of());
        }

        public boolean inline() {
            return run != null;
        }
    }

    /**
     * When and how often a job is tried again.
     *
     * @param attempts   tries in all, the first included (1: no retry)
     * @param onResults  which results are retried: {@code failed}, {@code timed_out}
     * @param onExitCodes exit codes that are retried (a failed result with another code is not); empty: any
     */
    public record Retry(int attempts, long backoffMs, double factor, long maxBackoffMs, List<String> onResults,
                        List<Integer> onExitCodes) {
        public static final Retry NONE = new Retry(1, 0, 1, 0, List.of(), List.of());

        /** The wait before attempt {@code next} (2 is the first retry). */
        public long delayBefore(int next) {
            double d = backoffMs * Math.pow(factor, Math.max(0, next - 2));
            return (long) Math.min(d, maxBackoffMs > 0 ? maxBackoffMs : Double.MAX_VALUE);
        }
    }

    /** A concurrency group: {@code group} may hold templates; a null limit means the config's, else 1. */
    public record Concurrency(String group, Integer limit, OnConflict onConflict) {}

    public enum OnConflict {
        QUEUE, CANCEL_IN_PROGRESS, FAIL;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        public static OnConflict parse(String s) {
            for (OnConflict o : values()) if (o.id().equals(s)) return o;
            throw new IllegalArgumentException("on_conflict must be queue, cancel-in-progress or fail, got '" + s + "'");
        }
    }

    /** Line numbers of keys by JSON pointer ({@code /jobs/restart/if}); 0 when unknown. */
    public record Lines(Path file, Map<String, Integer> byPointer) {
        public int of(String pointer) {
            String p = pointer;
            while (true) {
                Integer l = byPointer.get(p);
                if (l != null) return l;
                int slash = p.lastIndexOf('/');
                if (slash <= 0) return byPointer.getOrDefault("", 1);
                p = p.substring(0, slash);
            }
        }

        /** {@code file:line: } for a message about the key at {@code pointer}. */
        public String at(String pointer) {
            return file + ":" + of(pointer) + ": ";
        }
    }
}
