package dev.ao.engine.workflow;

import dev.ao.engine.workflow.Expressions.ExpressionException;
import dev.ao.engine.workflow.Expressions.OutputRef;
import dev.ao.engine.workflow.Expressions.Scope;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationListener;
import dev.cel.runtime.CelRuntime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The inside of one {@code ${{ }}}: parsed, type-checked and planned once; evaluated on any thread, any number of times. */
final class CompiledExpression {

    private final String text;
    private final CelRuntime.Program program;
    private final CelType resultType;
    private final Set<String> jobs;
    private final List<OutputRef> outputs;
    /** Node ids whose value is a comprehension's accumulator: appended to in place, so not charged as a new value. */
    private final boolean[] accumulator;

    private CompiledExpression(String text, CelRuntime.Program program, CelType resultType, Reads reads) {
        this.text = text;
        this.program = program;
        this.resultType = resultType;
        this.jobs = Collections.unmodifiableSet(new LinkedHashSet<>(reads.jobs));
        this.outputs = List.copyOf(reads.outputs);
        this.accumulator = reads.accumulator;
    }

    // compiling is CEL's parser and checker, 0.2 to 1 ms; a workflow is validated again and again (ao run, the
    // TUI, MCP), so keep what compiled. Entries are immutable; a full cache is simply started over.
    private static final int CACHE_SIZE = 1024;
    private static final Map<String, CompiledExpression> CACHE = new ConcurrentHashMap<>();

    /** @throws ExpressionException naming the expression and the first thing wrong with it */
    static CompiledExpression compile(String inside) throws ExpressionException {
        String text = inside.strip();
        CompiledExpression cached = CACHE.get(text);
        if (cached != null) return cached;
        CompiledExpression c = compileUncached(text);
        if (CACHE.size() >= CACHE_SIZE) CACHE.clear();
        CACHE.put(text, c);
        return c;
    }

    static CompiledExpression compileUncached(String text) throws ExpressionException {
        if (text.isEmpty()) throw new ExpressionException("${{ }} is empty: write an expression inside, e.g. ${{ params.name }}");
        if (text.length() > CelEnvironment.MAX_EXPRESSION_CHARS)
            throw new ExpressionException(quote(text) + ": longer than " + CelEnvironment.MAX_EXPRESSION_CHARS
                    + " characters; compute it in a job and read its output");
        if (TemplateText.nesting(text) > CelEnvironment.MAX_NESTING)
            throw new ExpressionException(quote(text) + ": brackets nest more than " + CelEnvironment.MAX_NESTING + " deep");
        CelEnvironment env = CelEnvironment.get();
        CelAbstractSyntaxTree ast;
        try {
            CelValidationResult result = env.compiler.compile(text);
            if (result.hasError()) throw new ExpressionException(quote(text) + ": " + explain(result.getErrors().get(0)));
            ast = result.getAst();
        } catch (ExpressionException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new ExpressionException(quote(text) + ": nested too deep");
        } catch (Exception e) {
            throw new ExpressionException(quote(text) + ": " + firstLine(e.getMessage()));
        }
        Reads reads = new Reads(ast);
        reads.walk(ast.getExpr(), Set.of());
        if (reads.computedJob >= 0)
            throw new ExpressionException(quote(text) + ": read a job as jobs.<id> or jobs['<id>'] (column "
                    + column(ast, reads.computedJob) + "): a job picked at run time cannot be checked against needs");
        try {
            return new CompiledExpression(text, env.runtime.createProgram(ast), ast.getResultType(), reads);
        } catch (Exception e) {
            throw new ExpressionException(quote(text) + ": " + firstLine(e.getMessage()));
        }
    }

    String text() {
        return text;
    }

    /** The static type's name when CEL knows it ({@code string}, {@code list}...), null when it is only known at run time. */
    String knownType() {
        CelKind k = resultType.kind();
        if (k == CelKind.DYN || k == CelKind.ANY || k == CelKind.TYPE_PARAM || k == CelKind.ERROR) return null;
        if (k == CelKind.LIST) return "list";
        if (k == CelKind.MAP) return "map";
        if (k == CelKind.NULL_TYPE) return "null";
        return resultType.name();
    }

    Set<String> jobs() {
        return jobs;
    }

    List<OutputRef> outputs() {
        return outputs;
    }

    /** The CEL value (see {@link CelValues#fromCel} for plain Java). */
    Object eval(Scope scope) throws ExpressionException {
        return eval(new ScopeVariables(scope));
    }

    Object eval(ScopeVariables vars) throws ExpressionException {
        Cost cost = new Cost(accumulator);
        try {
            return program.trace(vars, CelEnvironment.statusFunctions(vars.scope().status()), cost);
        } catch (CelEvaluationException | RuntimeException e) {
            Stop stop = causeOf(e, Stop.class);
            if (stop != null) throw new ExpressionException(quote(text) + ": " + stop.getMessage());
            if (e instanceof CelEvaluationException ce) throw new ExpressionException(quote(text) + ": " + explain(ce));
            throw new ExpressionException(quote(text) + ": " + firstLine(String.valueOf(e.getMessage())));
        } catch (StackOverflowError e) {
            throw new ExpressionException(quote(text) + ": nested too deep for this thread's stack");
        }
    }

    private static final Pattern EVAL_ERROR = Pattern.compile("(?s)evaluation error(?: at [^:]*:(\\d+))?: (.*)");
    private static final Pattern ITERATIONS = Pattern.compile("Iteration budget exceeded: (\\d+)");

    private static String explain(CelEvaluationException e) {
        String m = String.valueOf(e.getMessage());
        String at = "";
        Matcher em = EVAL_ERROR.matcher(m);
        if (em.matches()) {
            if (em.group(1) != null) at = " (column " + (Integer.parseInt(em.group(1)) + 1) + ")";
            m = em.group(2);
        }
        Matcher im = ITERATIONS.matcher(m);
        if (im.find())
            return "stopped after " + im.group(1) + " loop turns (map, filter, exists... over all items, nested loops"
                    + " multiplied)" + at;
        m = firstLine(m);
        int candidates = m.indexOf(". Overload candidates:");
        if (candidates > 0) m = m.substring(0, candidates);
        if (m.endsWith(".")) m = m.substring(0, m.length() - 1);
        return m + at;
    }

    private static final Pattern EXPECTING = Pattern.compile(" expecting \\{[^}]*,[^}]*,[^}]*}");

    /** CEL's issue in one line: its message without the candidate lists, and the column in the expression. */
    private static String explain(CelIssue issue) {
        String m = firstLine(issue.getMessage());
        m = m.replace(" (in container '')", "");
        int candidates = m.indexOf(" (candidates: ");
        if (candidates > 0) m = m.substring(0, candidates);
        boolean syntax = m.startsWith("mismatched input") || m.startsWith("extraneous input")
                || m.startsWith("no viable alternative") || m.startsWith("token recognition error")
                || m.startsWith("missing ");
        m = EXPECTING.matcher(m).replaceAll("");
        if (m.startsWith("mismatched input '<EOF>'")) m = "the expression ends too early";
        if (m.startsWith("Expression recursion limit exceeded"))
            m = "too many operations chained or nested in one expression; compute it in a job and read its output";
        if (syntax && !m.startsWith("the expression")) m = "syntax error: " + m;
        if (m.startsWith("undeclared reference to"))
            m += "; expressions can read " + String.join(", ", CelEnvironment.VARIABLES) + " and call "
                    + CelEnvironment.FUNCTIONS + " and CEL's standard functions";
        int column = issue.getSourceLocation().getColumn();
        return column >= 0 ? m + " (column " + (column + 1) + ")" : m;
    }

    private static int column(CelAbstractSyntaxTree ast, long id) {
        Integer offset = ast.getSource().getPositionsMap().get(id);
        return offset == null ? 0 : offset + 1;
    }

    /** How an expression is named in a message: its text in {@code ${{ }}}, shortened when long. */
    static String quote(String text) {
        String t = text.strip();
        if (t.length() > 100) t = t.substring(0, 100) + "…";
        return "${{ " + t + " }}";
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) if (type.isInstance(c)) return type.cast(c);
        return null;
    }

    /** Ends an evaluation from inside CEL (a variable that is not there, the work bound); its message is the reason. */
    static class Stop extends RuntimeException {
        Stop(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Bounds the work of one evaluation: each node evaluated costs 1 plus the size of what it yields (characters of a
     * string, elements of a list or map), so building or scanning big values inside a loop runs out long before
     * memory or time does. A comprehension's accumulator grows in place and is charged once, at the end.
     */
    private static final class Cost implements CelEvaluationListener {
        private final boolean[] accumulator;
        private long used;

        Cost(boolean[] accumulator) {
            this.accumulator = accumulator;
        }

        @Override
        public void callback(CelExpr expr, Object value) {
            long id = expr.id();
            if (id >= 0 && id < accumulator.length && accumulator[(int) id]) used++;
            else used += 1 + weight(value);
            if (used > CelEnvironment.MAX_COST) throw new Exceeded();
        }

        private static long weight(Object v) {
            if (v instanceof String s) return s.length();
            if (v instanceof Collection<?> c) return c.size();
            if (v instanceof Map<?, ?> m) return m.size();
            if (v instanceof dev.cel.common.values.CelByteString b) return b.size();
            return 0;
        }

        static final class Exceeded extends Stop {
            Exceeded() {
                super("stopped: the expression does more than " + CelEnvironment.MAX_COST
                        + " units of work (values too large, or built or scanned too often in a loop)");
            }
        }
    }

    /** What an AST reads of jobs, found on the checked tree, and which nodes hold a comprehension's accumulator. */
    private static final class Reads {
        final Set<String> jobs = new LinkedHashSet<>();
        final List<OutputRef> outputs = new ArrayList<>();
        final boolean[] accumulator;
        final Set<Long> namedJobIdents = new HashSet<>();
        long computedJob = -1;

        Reads(CelAbstractSyntaxTree ast) {
            long max = 0;
            for (Long id : ast.getSource().getPositionsMap().keySet()) max = Math.max(max, id);
            max = Math.max(max, maxId(ast.getExpr()));
            accumulator = new boolean[(int) Math.min(max + 1, 1 << 20)];
        }

        private static long maxId(CelExpr e) {
            long[] max = {e.id()};
            forEachChild(e, c -> max[0] = Math.max(max[0], maxId(c)));
            return max[0];
        }

        void walk(CelExpr e, Set<String> locals) {
            String job = jobName(e, locals);
            if (job != null) jobs.add(job);
            String[] out = output(e, locals);
            if (out != null) {
                OutputRef ref = new OutputRef(out[0], out[1]);
                if (!outputs.contains(ref)) outputs.add(ref);
            }
            switch (e.getKind()) {
                case IDENT -> {
                    if (isJobs(e, locals) && !namedJobIdents.contains(e.id()) && computedJob < 0) computedJob = e.id();
                }
                case COMPREHENSION -> {
                    CelExpr.CelComprehension c = e.comprehension();
                    walk(c.iterRange(), locals);
                    walk(c.accuInit(), locals);
                    Set<String> inner = new HashSet<>(locals);
                    inner.add(c.iterVar());
                    if (!c.iterVar2().isEmpty()) inner.add(c.iterVar2());
                    inner.add(c.accuVar());
                    walk(c.loopCondition(), inner);
                    walk(c.loopStep(), inner);
                    walk(c.result(), inner);
                    markAccumulator(c.loopStep(), c.accuVar());
                    markAccumulator(c.result(), c.accuVar());
                }
                default -> forEachChild(e, c -> walk(c, locals));
            }
        }

        /** The accumulator itself, {@code acc + [x]}, and a ternary choosing between them (filter). */
        private boolean markAccumulator(CelExpr e, String accu) {
            boolean is = switch (e.getKind()) {
                case IDENT -> e.ident().name().equals(accu);
                case CALL -> {
                    CelExpr.CelCall call = e.call();
                    if (call.function().equals("_+_") && call.args().size() == 2)
                        yield markAccumulator(call.args().get(0), accu);
                    if (call.function().equals("_?_:_") && call.args().size() == 3) {
                        boolean a = markAccumulator(call.args().get(1), accu);
                        boolean b = markAccumulator(call.args().get(2), accu);
                        yield a || b;
                    }
                    yield false;
                }
                default -> false;
            };
            if (is && e.id() >= 0 && e.id() < accumulator.length) accumulator[(int) e.id()] = true;
            return is;
        }

        private static boolean isJobs(CelExpr e, Set<String> locals) {
            return e.getKind() == CelExpr.ExprKind.Kind.IDENT && e.ident().name().equals("jobs") && !locals.contains("jobs");
        }

        /** {@code jobs.<id>} or {@code jobs['<id>']}: the id, and the ident is marked as read by name. */
        private String jobName(CelExpr e, Set<String> locals) {
            String[] step = step(e);
            if (step == null || !isJobs(operand(e), locals)) return null;
            namedJobIdents.add(operand(e).id());
            return step[0];
        }

        /** {@code jobs.<id>.outputs.<key>}, with any of the three steps also written as {@code ['...']}. */
        private String[] output(CelExpr e, Set<String> locals) {
            String[] key = step(e);
            if (key == null) return null;
            CelExpr outputs = operand(e);
            String[] o = step(outputs);
            if (o == null || !o[0].equals("outputs")) return null;
            CelExpr job = operand(outputs);
            String[] id = step(job);
            if (id == null || !isJobs(operand(job), locals)) return null;
            return new String[] {id[0], key[0]};
        }

        /** A field step: {@code x.name} or {@code x['name']}; null for anything else. */
        private static String[] step(CelExpr e) {
            if (e.getKind() == CelExpr.ExprKind.Kind.SELECT) return new String[] {e.select().field()};
            if (e.getKind() == CelExpr.ExprKind.Kind.CALL && e.call().function().equals("_[_]")
                    && e.call().args().size() == 2) {
                CelExpr index = e.call().args().get(1);
                if (index.getKind() == CelExpr.ExprKind.Kind.CONSTANT
                        && index.constant().getKind() == CelConstant.Kind.STRING_VALUE)
                    return new String[] {index.constant().stringValue()};
            }
            return null;
        }

        private static CelExpr operand(CelExpr e) {
            return e.getKind() == CelExpr.ExprKind.Kind.SELECT ? e.select().operand() : e.call().args().get(0);
        }

        private static void forEachChild(CelExpr e, java.util.function.Consumer<CelExpr> f) {
            switch (e.getKind()) {
                case SELECT -> f.accept(e.select().operand());
                case CALL -> {
                    e.call().target().ifPresent(f);
                    e.call().args().forEach(f);
                }
                case LIST -> e.list().elements().forEach(f);
                case MAP -> e.map().entries().forEach(en -> {
                    f.accept(en.key());
                    f.accept(en.value());
                });
                case STRUCT -> e.struct().entries().forEach(en -> f.accept(en.value()));
                case COMPREHENSION -> {
                    CelExpr.CelComprehension c = e.comprehension();
                    f.accept(c.iterRange());
                    f.accept(c.accuInit());
                    f.accept(c.loopCondition());
                    f.accept(c.loopStep());
                    f.accept(c.result());
                }
                default -> { }
            }
        }
    }
}
