package dev.ao.engine.workflow;

import dev.ao.engine.SafeText;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * {@code ${{ }}} expressions in workflow files, in CEL. A text is compiled once (parsed, type-checked, planned) into a
 * {@link Template}, which is then evaluated any number of times from any thread.
 *
 * <p>What an expression can read is a {@link Scope}: {@code params}, {@code jobs}, {@code item}, {@code index},
 * {@code run}. Its functions are CEL's standard ones and {@code success() failure() always() cancelled() fromJSON()
 * toJSON()}; none has a side effect, reads a file or the environment. Values from outputs are data only. Each
 * evaluation is bounded: loop turns, work, and the size of what it returns.
 */
public final class Expressions {

    public enum Expect { ANY, BOOL, LIST }

    private Expressions() {}

    /** Compiles every ${{ }} in text (parse + type-check); throws on the first bad one, naming the expression and what is wrong. */
    public static Template compile(String text, Expect expect) throws ExpressionException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(expect, "expect");
        List<TemplateText.Piece> pieces;
        try {
            pieces = TemplateText.split(text);
        } catch (IllegalArgumentException e) {
            throw new ExpressionException(shorten(text) + ": " + e.getMessage());
        }
        List<Object> parts = new ArrayList<>(pieces.size());
        CompiledExpression single = null;
        int expressions = 0;
        boolean textAround = false;
        for (TemplateText.Piece p : pieces) {
            if (p.expression()) {
                CompiledExpression c = CompiledExpression.compile(p.text());
                parts.add(c);
                single = c;
                expressions++;
            } else {
                parts.add(p.text());
                if (!p.text().isBlank()) textAround = true;
            }
        }
        if (expressions != 1 || textAround) single = null;
        Template t = new Template(text, parts, single);
        check(t, pieces, expect);
        return t;
    }

    /** For `if:` — GitHub Actions style: the text may be a bare expression (`always()`, `!params.dry_run`) or one `${{ }}`. */
    public static Template compileCondition(String text) throws ExpressionException {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) throw new ExpressionException("if: is empty: write a condition, e.g. ${{ success() }}");
        if (text.contains(TemplateText.OPEN)) return compile(text, Expect.BOOL);
        CompiledExpression c = CompiledExpression.compile(text);
        Template t = new Template(text, List.of(c), c);
        check(t, List.of(new TemplateText.Piece(text, true, 0)), Expect.BOOL);
        return t;
    }

    private static void check(Template t, List<TemplateText.Piece> pieces, Expect expect) throws ExpressionException {
        if (expect == Expect.ANY) return;
        String what = expect == Expect.BOOL ? "a condition" : "a for_each";
        String wanted = expect == Expect.BOOL ? "a boolean" : "a list";
        if (t.literal())
            throw new ExpressionException(shorten(t.source()) + ": " + what + " must be an expression giving " + wanted
                    + ", not plain text; write it as ${{ ... }}");
        if (t.single == null) {
            // the GitHub Actions trap: `${{ x }} == 'y'` is the string "... == 'y'", and a non-empty string is true
            throw new ExpressionException(shorten(t.source()) + ": text outside ${{ }} makes " + what
                    + " a string, not " + wanted + "; put the whole of it inside one ${{ }}: " + insideOne(pieces));
        }
        String known = t.single.knownType();
        if (known == null) return;
        if (expect == Expect.BOOL && !known.equals("bool") || expect == Expect.LIST && !known.equals("list"))
            throw new ExpressionException(CompiledExpression.quote(t.single.text()) + ": " + what + " must give "
                    + wanted + ", this gives " + article(known));
    }

    /** `${{ x }} == 'y'` as `${{ x == 'y' }}`: the suggestion shown with the trap's message. */
    private static String insideOne(List<TemplateText.Piece> pieces) {
        StringJoiner j = new StringJoiner(" ", "${{ ", " }}");
        for (TemplateText.Piece p : pieces) if (!p.text().isBlank()) j.add(p.text().strip());
        String s = j.toString();
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    private static String article(String type) {
        return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
    }

    private static String shorten(String text) {
        String t = text.strip();
        return "'" + (t.length() > 100 ? t.substring(0, 100) + "…" : t) + "'";
    }

    /** Java values as CEL takes them: Integer to Long, Float to Double, null to CEL's null, maps and lists throughout. */
    static Object toCel(Object javaValue) {
        return CelValues.toCel(javaValue);
    }

    /** A CEL result as plain Java: Long, Double, String, Boolean, List, LinkedHashMap, null. */
    static Object fromCel(Object celValue) {
        return CelValues.fromCel(celValue, new long[] {CelValues.MAX_CHARS});
    }

    public static final class Template {
        private final String source;
        /** String (literal text) or CompiledExpression, in text order. */
        private final List<Object> parts;
        /** The expression when the text is exactly one ${{ }} (whitespace around allowed), else null. */
        private final CompiledExpression single;
        private final boolean literal;
        private final Set<String> jobRefs;
        private final List<OutputRef> outputRefs;

        private Template(String source, List<Object> parts, CompiledExpression single) {
            this.source = source;
            this.parts = List.copyOf(parts);
            this.single = single;
            Set<String> jobs = new LinkedHashSet<>();
            Set<OutputRef> outputs = new LinkedHashSet<>();
            boolean anyExpression = false;
            for (Object p : parts) {
                if (p instanceof CompiledExpression c) {
                    anyExpression = true;
                    jobs.addAll(c.jobs());
                    outputs.addAll(c.outputs());
                }
            }
            this.literal = !anyExpression;
            this.jobRefs = Collections.unmodifiableSet(jobs);
            this.outputRefs = List.copyOf(outputs);
        }

        public String source() {
            return source;
        }

        /** No ${{ }}: evaluate returns the text itself. */
        public boolean literal() {
            return literal;
        }

        /**
         * A text that is exactly one ${{ expr }} (whitespace around allowed) gives the typed value (String, Long, Double,
         * Boolean, List, Map, null); mixed text gives a String where each value is rendered (strings as is, others as
         * compact JSON).
         */
        public Object evaluate(Scope scope) throws ExpressionException {
            if (literal) return source;
            if (single != null) return plain(single, single.eval(scope));
            return render(scope);
        }

        /** Always a String: a single value rendered as in mixed text. */
        public String render(Scope scope) throws ExpressionException {
            if (literal) return source;
            if (single != null) return CelValues.render(plain(single, single.eval(scope)));
            StringBuilder out = new StringBuilder();
            long[] budget = {CelValues.MAX_CHARS};
            ScopeVariables vars = new ScopeVariables(scope);
            for (Object p : parts) {
                if (p instanceof CompiledExpression c) {
                    Object v;
                    try {
                        v = CelValues.fromCel(c.eval(vars), budget);
                    } catch (CelValues.TooLarge e) {
                        throw new ExpressionException(shorten(source) + ": " + e.getMessage());
                    }
                    out.append(CelValues.render(v));
                } else {
                    out.append((String) p);
                }
                if (out.length() > CelValues.MAX_CHARS)
                    throw new ExpressionException(shorten(source) + ": the text is larger than "
                            + (CelValues.MAX_CHARS >> 20) + " MiB");
            }
            return out.toString();
        }

        /** Expect.BOOL: a non-boolean result is an error naming the type, never truthy. */
        public boolean test(Scope scope) throws ExpressionException {
            Object v = evaluate(scope);
            if (v instanceof Boolean b) return b;
            throw new ExpressionException(who() + ": a condition must give a boolean, this gave " + describe(v));
        }

        /** Expect.LIST: a non-list is an error. */
        public List<?> list(Scope scope) throws ExpressionException {
            Object v = evaluate(scope);
            if (v instanceof List<?> l) return l;
            throw new ExpressionException(who() + ": for_each must give a list, this gave " + describe(v)
                    + (v instanceof String ? "; a JSON text becomes a list with fromJSON()" : ""));
        }

        /** Job ids read as jobs.<id>... */
        public Set<String> jobRefs() {
            return jobRefs;
        }

        /** (job, key) read as jobs.<id>.outputs.<key>. */
        public List<OutputRef> outputRefs() {
            return outputRefs;
        }

        private String who() {
            return single != null ? CompiledExpression.quote(single.text()) : shorten(source);
        }

        private static Object plain(CompiledExpression c, Object celValue) throws ExpressionException {
            try {
                return CelValues.fromCel(celValue, new long[] {CelValues.MAX_CHARS});
            } catch (CelValues.TooLarge e) {
                throw new ExpressionException(CompiledExpression.quote(c.text()) + ": " + e.getMessage());
            }
        }

        private static String describe(Object v) {
            if (v == null) return "null";
            String type = CelValues.typeName(v);
            if (v instanceof List<?> || v instanceof Map<?, ?>) return article(type);
            String shown = CelValues.json(v);
            return article(type) + " " + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown);
        }

        @Override
        public String toString() {
            return source;
        }
    }

    /**
     * What an expression can read. jobs: id -> Map with "outputs" (Map<String,String>, or List<Map<String,String>> for
     * a for_each job) and "result" (String). run: {"id": String, "attempt": Long}.
     *
     * @param item  the for_each item; index null means the job has no for_each, and then item and index cannot be read
     * @param status the job's needs and the workflow, for success() failure() cancelled(); null where there is no job
     */
    public record Scope(Map<String, Object> params, Map<String, Object> jobs, Object item, Long index,
                        Map<String, Object> run, Status status) {}

    /**
     * For success() failure() always() cancelled(): the state of the job's needs and of the workflow. success() is
     * needsSucceeded and not canceled (as in GitHub Actions), failure() is anyNeedFailed, cancelled() is canceled.
     */
    public record Status(boolean needsSucceeded, boolean anyNeedFailed, boolean canceled) {}

    public record OutputRef(String job, String key) {}

    /** One line: quotes the expression and says what is wrong (with the column in the expression when known). */
    public static final class ExpressionException extends Exception {
        public ExpressionException(String message) {
            super(SafeText.line(message));
        }

        public ExpressionException(String message, Throwable cause) {
            super(SafeText.line(message), cause);
        }
    }
}
