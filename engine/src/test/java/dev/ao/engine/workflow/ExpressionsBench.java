package dev.ao.engine.workflow;

import dev.ao.engine.workflow.Expressions.Expect;
import dev.ao.engine.workflow.Expressions.ExpressionException;
import dev.ao.engine.workflow.Expressions.Scope;
import dev.ao.engine.workflow.Expressions.Status;
import dev.ao.engine.workflow.Expressions.Template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What compiling and evaluating {@code ${{ }}} costs: a loop benchmark, not a test (timings belong here, not in unit
 * tests). Run after {@code mvn -o -q -pl engine test-compile}:
 * <pre>java -cp engine/target/classes:engine/target/test-classes:$(cat cp.txt) dev.ao.engine.workflow.ExpressionsBench</pre>
 * Prints microseconds per operation after a warm-up.
 */
public final class ExpressionsBench {

    private static volatile Object sink;

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Expressions.compile("${{ 1 }}", Expect.ANY);
        System.out.printf("first compile (builds the CEL environment): %.1f ms%n", (System.nanoTime() - t0) / 1e6);

        Scope scope = scope();
        String[][] cases = {
                {"literal", "app=web, no expressions"},
                {"param", "${{ params.namespace }}"},
                {"condition", "${{ success() && !params.dry_run }}"},
                {"mixed", "ns=${{ params.namespace }} app=${{ item.name }} #${{ index }}"},
                {"output", "${{ jobs.find.outputs.count }}"},
                {"fromJSON", "${{ fromJSON(jobs.find.outputs.deployments) }}"},
                {"map-1000", "${{ params.many.map(x, x * 2).filter(x, x % 3 == 0).size() }}"},
        };
        System.out.printf("%-10s %16s %16s %14s%n", "case", "compile us/op", "cached us/op", "eval us/op");
        for (String[] c : cases) {
            List<String> inside = TemplateText.split(c[1]).stream().filter(TemplateText.Piece::expression)
                    .map(TemplateText.Piece::text).toList();
            double compile = perOp(2_000, 2, () -> {
                for (String e : inside) sink = CompiledExpression.compileUncached(e);
                return inside;
            });
            double cached = perOp(200_000, 5, () -> Expressions.compile(c[1], Expect.ANY));
            Template t = Expressions.compile(c[1], Expect.ANY);
            int evals = c[0].equals("map-1000") ? 2_000 : 200_000;
            double eval = perOp(evals, 5, () -> t.evaluate(scope));
            System.out.printf("%-10s %16.2f %16.3f %14.3f%n", c[0], compile, cached, eval);
        }

        String ten = IntStream.rangeClosed(1, 10).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        Template runaway = Expressions.compile("${{ " + ten + ".map(a, " + ten + ".map(b, " + ten + ".map(c, " + ten
                + ".map(d, " + ten + ".map(e, " + ten + ".map(f, a + b + c + d + e + f)))))) }}", Expect.ANY);
        double stop = perOp(20, 2, () -> {
            try {
                runaway.evaluate(scope);
                throw new AssertionError("the runaway expression ended without an error");
            } catch (ExpressionException expected) {
                return expected;
            }
        });
        System.out.printf("runaway 10^6 nested map, until its error: %.1f ms%n", stop / 1000);

        Scope big = new Scope(Map.of("big", "x".repeat(500_000)), Map.of(), null, null, Map.of(), null);
        Template copies = Expressions.compile("${{ " + ten + ".map(a, " + ten + ".map(b, params.big + params.big)) }}", Expect.ANY);
        double copyStop = perOp(20, 2, () -> {
            try {
                copies.evaluate(big);
                throw new AssertionError("the copying expression ended without an error");
            } catch (ExpressionException expected) {
                return expected;
            }
        });
        System.out.printf("1 MB strings built in a loop, until its error: %.1f ms%n", copyStop / 1000);
    }

    interface Op {
        Object run() throws Exception;
    }

    /** Microseconds per op over {@code n} runs, after {@code n / warmupDivisor} warm-up runs. */
    private static double perOp(int n, int warmupDivisor, Op op) throws Exception {
        for (int i = 0; i < Math.max(1, n / warmupDivisor); i++) sink = op.run();
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) sink = op.run();
        return (System.nanoTime() - t) / 1e3 / n;
    }

    private static Scope scope() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("namespace", "prod");
        params.put("dry_run", false);
        List<Long> many = new ArrayList<>();
        for (long i = 0; i < 1000; i++) many.add(i);
        params.put("many", many);
        StringBuilder deployments = new StringBuilder("[");
        for (int i = 0; i < 20; i++)
            deployments.append(i == 0 ? "" : ",").append("{\"name\":\"app-").append(i).append("\",\"namespace\":\"prod\"}");
        deployments.append(']');
        Map<String, Object> jobs = Map.of("find", Map.of("outputs", Map.of("deployments", deployments.toString(), "count", "20"),
                "result", "succeeded"));
        return new Scope(params, jobs, Map.of("name", "web"), 3L, Map.of("id", "r-1", "attempt", 1L),
                new Status(true, false, false));
    }
}
