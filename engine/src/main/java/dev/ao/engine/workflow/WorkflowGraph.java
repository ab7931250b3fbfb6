package dev.ao.engine.workflow;

import dev.ao.engine.workflow.Workflow.Job;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The jobs of a {@link Workflow} as a DAG: a job runs after every job in its {@code needs}. {@link #of} refuses needs
 * of jobs that do not exist and cycles, each named with its file:line. Orders break ties by file order, so the same
 * file always gives the same order.
 */
public final class WorkflowGraph {
    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("\\p{Cntrl}");
    private final Workflow workflow;
    private final List<String> order;
    private final Map<String, Integer> stage = new HashMap<>();
    private final Map<String, List<String>> dependents = new LinkedHashMap<>();

    private WorkflowGraph(Workflow workflow, Map<String, Integer> stages) {
        this.workflow = workflow;
        List<String> ids = new ArrayList<>(workflow.jobs().keySet());
        ids.sort(java.util.Comparator.comparingInt(stages::get));   // stable: file order within a stage
        this.order = List.copyOf(ids);
        this.stage.putAll(stages);
        for (String id : workflow.jobs().keySet()) dependents.put(id, new ArrayList<>());
        for (Job j : workflow.jobs().values()) for (String n : j.needs()) dependents.get(n).add(j.id());
    }

    /**
     * The graph of {@code workflow}.
     *
     * @throws dev.ao.engine.AoException (usage) naming every need of an unknown job and every cycle, a line each
     */
    public static WorkflowGraph of(Workflow workflow) {
        Map<String, List<String>> needs = new LinkedHashMap<>();
        workflow.jobs().forEach((id, j) -> needs.put(id, j.needs()));
        WorkflowProblems problems = new WorkflowProblems(workflow.file(), workflow.lines().byPointer());
        check(needs, problems);
        problems.throwIfAny();
        return new WorkflowGraph(workflow, stages(needs));
    }

    public Workflow workflow() {
        return workflow;
    }

    /** Every job, each after all it needs: by {@link #stage}, and in file order within a stage. */
    public List<String> order() {
        return order;
    }

    /** The jobs {@code job} needs, as written. */
    public List<String> needsOf(String job) {
        return job(job).needs();
    }

    /** The jobs that need {@code job}, in file order. */
    public List<String> dependents(String job) {
        job(job);
        return List.copyOf(dependents.get(job));
    }

    /** Every job {@code job} waits for, directly or not, in {@link #order}. */
    public Set<String> ancestors(String job) {
        Set<String> seen = new java.util.HashSet<>();
        Deque<String> todo = new ArrayDeque<>(needsOf(job));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (seen.add(n)) todo.addAll(needsOf(n));
        }
        Set<String> out = new LinkedHashSet<>();
        for (String id : order) if (seen.contains(id)) out.add(id);
        return out;
    }

    /** 1 for a job that needs none, else one more than the latest stage it needs: jobs of a stage may run together. */
    public int stage(String job) {
        job(job);
        return stage.get(job);
    }

    /**
     * The DAG for a terminal, one line per job by stage: {@code 2  restart  <- find  k8s/bulk-restart  [if, for_each,
     * approval, retry 3]}.
     */
    public String text() {
        List<String> ids = order;
        int idWidth = ids.stream().mapToInt(String::length).max().orElse(0);
        int needsWidth = ids.stream().mapToInt(id -> arrows(id).length()).max().orElse(0);
        int stageWidth = String.valueOf(ids.isEmpty() ? 1 : stage.get(ids.get(ids.size() - 1))).length();
        StringBuilder sb = new StringBuilder(oneLine(workflow.name())).append('\n');
        for (String id : ids) {
            Job j = workflow.jobs().get(id);
            String flags = String.join(", ", flags(j));
            String line = "  " + pad(String.valueOf(stage.get(id)), stageWidth) + "  " + pad(id, idWidth) + "  "
                    + (needsWidth == 0 ? "" : pad(arrows(id), needsWidth) + "  ") + what(j)
                    + (flags.isEmpty() ? "" : "  [" + flags + "]");
            sb.append(line.stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** The DAG in Graphviz DOT: an edge {@code "find" -> "restart"} per need; every string quoted and escaped. */
    public String dot() {
        StringBuilder sb = new StringBuilder("digraph ").append(quote(workflow.name())).append(" {\n");
        sb.append("  rankdir=LR;\n  node [shape=box];\n");
        for (String id : order) {
            String label = escape(id) + "\\n" + escape(what(workflow.jobs().get(id)));
            sb.append("  ").append(quote(id)).append(" [label=\"").append(label).append("\"];\n");
        }
        for (String id : order) {
            for (String n : needsOf(id)) sb.append("  ").append(quote(n)).append(" -> ").append(quote(id)).append(";\n");
        }
        return sb.append("}\n").toString();
    }

    /**
     * Adds a problem for each need of a job not in {@code needs}' keys and for each cycle; {@code needs} is each job's
     * list in file order (a null item is a need of the wrong type, left to the schema).
     */
    static void check(Map<String, List<String>> needs, WorkflowProblems problems) {
        List<String> ids = List.copyOf(needs.keySet());
        needs.forEach((id, list) -> {
            for (int i = 0; i < list.size(); i++) {
                String n = list.get(i);
                if (n == null || needs.containsKey(n)) continue;
                String near = DidYouMean.nearest(n, ids);
                problems.at("/jobs/" + WorkflowProblems.escape(id) + "/needs/" + i, "no job '" + n + "' in this workflow ("
                        + (near != null ? "did you mean '" + near + "'? " : "") + "jobs: " + String.join(", ", ids) + ")");
            }
        });
        for (List<String> cycle : cycles(needs)) {
            problems.at("/jobs/" + WorkflowProblems.escape(cycle.get(0)) + "/needs", "needs go round in a cycle "
                    + String.join(" -> ", cycle) + " (each needs the next): none of them could ever start");
        }
    }

    /**
     * One cycle per strongly connected component that has one, each from its job first in the file and back to it
     * along the shortest way, following needs ({@code a -> b}: a needs b).
     */
    static List<List<String>> cycles(Map<String, List<String>> needs) {
        List<String> ids = List.copyOf(needs.keySet());
        Map<String, List<String>> edges = new LinkedHashMap<>();
        needs.forEach((id, list) -> edges.put(id, list.stream().filter(n -> n != null && needs.containsKey(n)).distinct().toList()));
        Map<String, Integer> fileOrder = new HashMap<>();
        for (String id : ids) fileOrder.put(id, fileOrder.size());
        List<List<String>> out = new ArrayList<>();
        for (Set<String> component : components(ids, edges)) {
            String start = component.stream().min(java.util.Comparator.comparingInt(fileOrder::get)).orElseThrow();
            if (component.size() == 1 && !edges.get(start).contains(start)) continue;
            out.add(shortestLoop(start, component, edges));
        }
        out.sort(java.util.Comparator.comparingInt(c -> fileOrder.get(c.get(0))));
        return out;
    }

    private static List<String> shortestLoop(String start, Set<String> component, Map<String, List<String>> edges) {
        Map<String, String> from = new HashMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            String at = todo.poll();
            for (String next : edges.get(at)) {
                if (!component.contains(next)) continue;
                if (next.equals(start)) {
                    List<String> loop = new ArrayList<>(List.of(start));
                    for (String s = at; !s.equals(start); s = from.get(s)) loop.add(1, s);
                    loop.add(start);
                    return loop;
                }
                if (!from.containsKey(next)) {
                    from.put(next, at);
                    todo.add(next);
                }
            }
        }
        throw new IllegalStateException("no loop through " + start);
    }

    /** Tarjan's strongly connected components, iteratively (a long chain of needs must not overflow the stack). */
    private static List<Set<String>> components(List<String> ids, Map<String, List<String>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<Set<String>> out = new ArrayList<>();
        int next = 0;
        for (String root : ids) {
            if (index.containsKey(root)) continue;
            Deque<Object[]> calls = new ArrayDeque<>();   // {node, next edge to look at}
            calls.push(new Object[]{root, 0});
            index.put(root, next);
            low.put(root, next++);
            stack.push(root);
            onStack.add(root);
            while (!calls.isEmpty()) {
                Object[] frame = calls.peek();
                String v = (String) frame[0];
                List<String> out1 = edges.get(v);
                int i = (Integer) frame[1];
                if (i < out1.size()) {
                    frame[1] = i + 1;
                    String w = out1.get(i);
                    if (!index.containsKey(w)) {
                        index.put(w, next);
                        low.put(w, next++);
                        stack.push(w);
                        onStack.add(w);
                        calls.push(new Object[]{w, 0});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                calls.pop();
                if (!calls.isEmpty()) {
                    String parent = (String) calls.peek()[0];
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> c = new java.util.HashSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        c.add(w);
                    } while (!w.equals(v));
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** Each job's {@link #stage}, by Kahn's algorithm; there is no cycle. */
    private static Map<String, Integer> stages(Map<String, List<String>> needs) {
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, List<String>> after = new HashMap<>();
        Deque<String> ready = new ArrayDeque<>();
        needs.forEach((id, list) -> {
            List<String> distinct = list.stream().distinct().toList();
            waiting.put(id, distinct.size());
            for (String n : distinct) after.computeIfAbsent(n, k -> new ArrayList<>()).add(id);
            if (distinct.isEmpty()) ready.add(id);
        });
        Map<String, Integer> stage = new HashMap<>();
        while (!ready.isEmpty()) {
            String id = ready.poll();
            stage.put(id, 1 + needs.get(id).stream().mapToInt(stage::get).max().orElse(0));
            for (String next : after.getOrDefault(id, List.of())) if (waiting.merge(next, -1, Integer::sum) == 0) ready.add(next);
        }
        if (stage.size() != needs.size()) throw new IllegalStateException("cycle among " + needs.keySet());
        return stage;
    }

    private Job job(String id) {
        Job j = workflow.jobs().get(id);
        if (j == null) throw new IllegalArgumentException("no job '" + id + "' in workflow " + workflow.name());
        return j;
    }

    private String arrows(String id) {
        List<String> n = needsOf(id);
        return n.isEmpty() ? "" : "<- " + String.join(", ", n);
    }

    private static String what(Job j) {
        return j.inline() ? "run: " + j.shell() : oneLine(j.uses());
    }

    private static List<String> flags(Job j) {
        List<String> f = new ArrayList<>();
        if (j.ifExpr() != null) f.add("if");
        if (j.forEach() != null) f.add("for_each");
        if (j.maxParallel() != null) f.add("max_parallel " + j.maxParallel());
        if (j.approval()) f.add("approval");
        if (j.retry().attempts() > 1) f.add("retry " + j.retry().attempts());
        if (j.timeout() != null) f.add("timeout " + j.timeout() + "s");
        if (j.continueOnError()) f.add("continue_on_error");
        if (j.concurrency() != null) f.add("concurrency " + oneLine(j.concurrency().group()));
        if (j.runsOn() != null && !j.runsOn().equals("local")) f.add("runs_on " + j.runsOn());
        return f;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** Text from the file shown on one terminal line: control characters (newlines, escapes) become spaces. */
    private static String oneLine(String s) {
        return s == null ? "" : CONTROL.matcher(s).replaceAll(" ");
    }

    /** A DOT quoted string: backslashes and quotes escaped, control characters dropped, so no text can end it early. */
    static String quote(String s) {
        return "\"" + escape(s) + "\"";
    }

    private static String escape(String s) {
        return oneLine(s).replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
