package dev.ao.engine.workflow;

import dev.ao.engine.workflow.Expressions.Expect;
import dev.ao.engine.workflow.Expressions.ExpressionException;
import dev.ao.engine.workflow.Expressions.OutputRef;
import dev.ao.engine.workflow.Expressions.Scope;
import dev.ao.engine.workflow.Expressions.Status;
import dev.ao.engine.workflow.Expressions.Template;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpressionsTest {

    private static final Status OK = new Status(true, false, false);

    private static Map<String, Object> job(Map<String, String> outputs, String result) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("outputs", outputs);
        j.put("result", result);
        return j;
    }

    private static Scope scope() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("namespace", "prod");
        params.put("dry_run", false);
        params.put("replicas", 3);          // an Integer, as a binder may hand it over
        params.put("ratio", 0.5f);
        params.put("tags", List.of("a", "b"));
        params.put("nothing", null);
        Map<String, Object> jobs = new LinkedHashMap<>();
        jobs.put("find", job(Map.of("deployments", "[{\"name\":\"web\",\"namespace\":\"prod\"},{\"name\":\"api\",\"namespace\":\"prod\"}]",
                "count", "2"), "succeeded"));
        jobs.put("restart", Map.of("outputs", List.of(Map.of("ok", "yes"), Map.of("ok", "no")), "result", "failed"));
        return new Scope(params, jobs, null, null, Map.of("id", "20250101-abc", "attempt", 2), OK);
    }

    private static Scope inForEach(Object item, long index) {
        Scope s = scope();
        return new Scope(s.params(), s.jobs(), item, index, s.run(), s.status());
    }

    private static Object eval(String text) throws ExpressionException {
        return Expressions.compile(text, Expect.ANY).evaluate(scope());
    }

    private static String compileError(String text, Expect expect) {
        try {
            Expressions.compile(text, expect);
        } catch (ExpressionException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("compiled: " + text);
    }

    private static String conditionError(String text) {
        try {
            Expressions.compileCondition(text);
        } catch (ExpressionException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("compiled: " + text);
    }

    private static String evalError(String text, Scope scope) throws ExpressionException {
        Template t = Expressions.compile(text, Expect.ANY);
        try {
            t.evaluate(scope);
        } catch (ExpressionException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("evaluated: " + text);
    }

    // --- literal, typed and mixed

    @Test
    void textWithoutExpressionsIsLiteralAndComesBackAsItIs() throws Exception {
        Template t = Expressions.compile("app=web }} {{ $ {x}", Expect.ANY);
        assertThat(t.literal()).isTrue();
        assertThat(t.evaluate(scope())).isEqualTo("app=web }} {{ $ {x}");
        assertThat(t.render(scope())).isEqualTo("app=web }} {{ $ {x}");
        assertThat(t.jobRefs()).isEmpty();
        assertThat(Expressions.compile("", Expect.ANY).evaluate(scope())).isEqualTo("");
    }

    @Test
    void aSingleExpressionGivesATypedValue() throws Exception {
        assertThat(eval("${{ params.namespace }}")).isEqualTo("prod");
        assertThat(eval("  ${{ params.replicas + 1 }}\n")).isEqualTo(4L);
        assertThat(eval("${{ params.ratio * 2.0 }}")).isEqualTo(1.0);
        assertThat(eval("${{ !params.dry_run }}")).isEqualTo(true);
        assertThat(eval("${{ params.tags + ['c'] }}")).isEqualTo(List.of("a", "b", "c"));
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("a", 1L);
        map.put("b", java.util.Arrays.asList(true, null));
        assertThat(eval("${{ {'a': 1, 'b': [true, null]} }}")).isEqualTo(map);
        assertThat(eval("${{ params.nothing }}")).isNull();
        assertThat(eval("${{ null }}")).isNull();
        assertThat(Expressions.compile("${{ 1 }}", Expect.ANY).literal()).isFalse();
    }

    @Test
    void mixedTextRendersStringsAsTheyAreAndOtherValuesAsCompactJson() throws Exception {
        assertThat(eval("ns=${{ params.namespace }} n=${{ params.replicas }} dry=${{ params.dry_run }}"))
                .isEqualTo("ns=prod n=3 dry=false");
        assertThat(eval("tags: ${{ params.tags }} m: ${{ {'k': 'v'} }} none: ${{ null }}"))
                .isEqualTo("tags: [\"a\",\"b\"] m: {\"k\":\"v\"} none: null");
        Template single = Expressions.compile("${{ params.tags }}", Expect.ANY);
        assertThat(single.render(scope())).isEqualTo("[\"a\",\"b\"]");
        assertThat(Expressions.compile("${{ params.replicas }}", Expect.ANY).render(scope())).isEqualTo("3");
    }

    @Test
    void closingBracesInsideStringsAndMapLiteralsDoNotEndTheExpression() throws Exception {
        assertThat(eval("${{ 'a}}b' + \"}}\" }}")).isEqualTo("a}}b}}");
        assertThat(eval("${{ {'x': {'y': 1}}.x.y }}")).isEqualTo(1L);
        assertThat(eval("<${{ r'\\}}' }}>")).isEqualTo("<\\}}>");
        assertThat(eval("${{ '''it's }}''' }}")).isEqualTo("it's }}");
    }

    // --- contexts

    @Test
    void paramsJobsItemIndexAndRunCanBeRead() throws Exception {
        assertThat(eval("${{ jobs.find.outputs.count }}")).isEqualTo("2");
        assertThat(eval("${{ jobs['find'].outputs['count'] }}")).isEqualTo("2");
        assertThat(eval("${{ jobs.find.result == 'succeeded' }}")).isEqualTo(true);
        assertThat(eval("${{ jobs.restart.outputs.map(o, o.ok) }}")).isEqualTo(List.of("yes", "no"));
        assertThat(eval("${{ size(jobs.restart.outputs) }}")).isEqualTo(2L);
        assertThat(eval("${{ run.id }}#${{ run.attempt }}")).isEqualTo("20250101-abc#2");
        assertThat(eval("${{ has(params.namespace) && !has(params.missing) }}")).isEqualTo(true);
        assertThat(eval("${{ 'a' in params.tags && params.namespace.startsWith('pr') && params.namespace.contains('ro') }}"))
                .isEqualTo(true);
        assertThat(eval("${{ params.replicas > 2 ? 'many' : 'few' }}")).isEqualTo("many");

        Template t = Expressions.compile("app=${{ item.name }} #${{ index }}", Expect.ANY);
        assertThat(t.evaluate(inForEach(Map.of("name", "web"), 0))).isEqualTo("app=web #0");
        assertThat(Expressions.compile("${{ item }}", Expect.ANY).evaluate(inForEach(7, 3))).isEqualTo(7L);
        assertThat(Expressions.compile("${{ index + 1 }}", Expect.ANY).evaluate(inForEach("x", 3))).isEqualTo(4L);
    }

    @Test
    void itemOutsideForEachIsAnErrorSayingSo() throws Exception {
        assertThat(evalError("${{ item.name }}", scope()))
                .isEqualTo("${{ item.name }}: item and index are only set in a job with for_each:");
    }

    @Test
    void aScopeWithNullMapsReadsAsEmpty() throws Exception {
        Scope empty = new Scope(null, null, null, null, null, null);
        assertThat(Expressions.compile("${{ size(params) }}", Expect.ANY).evaluate(empty)).isEqualTo(0L);
        assertThat(evalError("${{ jobs.find.result }}", empty)).contains("find");
    }

    // --- status functions

    @Test
    void statusFunctionsFollowTheScopesStatus() throws Exception {
        Template success = Expressions.compileCondition("success()");
        Template failure = Expressions.compileCondition("${{ failure() }}");
        Template always = Expressions.compileCondition("always()");
        Template cancelled = Expressions.compileCondition("cancelled()");
        Scope s = scope();
        Scope failed = new Scope(s.params(), s.jobs(), null, null, s.run(), new Status(false, true, false));
        Scope canceled = new Scope(s.params(), s.jobs(), null, null, s.run(), new Status(true, false, true));
        assertThat(List.of(success.test(s), failure.test(s), always.test(s), cancelled.test(s)))
                .containsExactly(true, false, true, false);
        assertThat(List.of(success.test(failed), failure.test(failed), always.test(failed), cancelled.test(failed)))
                .containsExactly(false, true, true, false);
        assertThat(List.of(success.test(canceled), failure.test(canceled), always.test(canceled), cancelled.test(canceled)))
                .containsExactly(false, false, true, true);
    }

    @Test
    void statusFunctionsWithoutAStatusAreAnErrorButAlwaysIsTrue() throws Exception {
        Scope none = new Scope(Map.of(), Map.of(), null, null, Map.of(), null);
        assertThat(Expressions.compile("${{ always() }}", Expect.BOOL).test(none)).isTrue();
        assertThat(evalError("${{ success() }}", none)).contains("success() can only be used in a job's if:");
    }

    @Test
    void oneTemplateEvaluatedConcurrentlyFollowsEachCallersStatus() throws Exception {
        Template t = Expressions.compileCondition("${{ success() && !cancelled() || failure() && params.n % 3 == 0 }}");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> calls = new ArrayList<>();
            List<Boolean> expected = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                boolean ok = i % 2 == 0, failed = i % 4 == 1, canceled = i % 5 == 0;
                long n = i;
                Scope s = new Scope(Map.of("n", n), Map.of(), null, null, Map.of(), new Status(ok, failed, canceled));
                expected.add((ok && !canceled) || (failed && n % 3 == 0));
                calls.add(() -> t.test(s));
            }
            List<Boolean> got = new ArrayList<>();
            for (Future<Boolean> f : pool.invokeAll(calls)) got.add(f.get());
            assertThat(got).isEqualTo(expected);
            assertThat(got).contains(true, false);
        } finally {
            pool.shutdownNow();
        }
    }

    // --- fromJSON / toJSON

    @Test
    void fromJsonAndToJsonRoundTrip() throws Exception {
        assertThat(eval("${{ fromJSON(jobs.find.outputs.deployments) }}")).isEqualTo(List.of(
                Map.of("name", "web", "namespace", "prod"), Map.of("name", "api", "namespace", "prod")));
        assertThat(eval("${{ fromJSON(jobs.find.outputs.deployments).map(d, d.name) }}")).isEqualTo(List.of("web", "api"));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("n", 3L);
        expected.put("x", 1.5);
        expected.put("b", true);
        expected.put("z", null);
        assertThat(eval("${{ fromJSON('{\"n\": 3, \"x\": 1.5, \"b\": true, \"z\": null}') }}")).isEqualTo(expected);
        assertThat(eval("${{ fromJSON('3') + 1 }}")).isEqualTo(4L);
        assertThat(eval("${{ toJSON(fromJSON(jobs.find.outputs.deployments)) }}"))
                .isEqualTo("[{\"name\":\"web\",\"namespace\":\"prod\"},{\"name\":\"api\",\"namespace\":\"prod\"}]");
        assertThat(eval("${{ toJSON({'a': [1, 2.5, 'x', null, false]}) }}")).isEqualTo("{\"a\":[1,2.5,\"x\",null,false]}");
        assertThat(eval("${{ fromJSON(toJSON(params)) == params }}")).isEqualTo(true);
    }

    @Test
    void fromJsonRefusesBadJsonAndTooMuchOfIt() throws Exception {
        assertThat(evalError("${{ fromJSON('{\"a\": ') }}", scope())).startsWith("${{ fromJSON('{\"a\": ') }}: fromJSON(): not JSON");
        assertThat(evalError("${{ fromJSON('[1] [2]') }}", scope())).contains("fromJSON(): not JSON");
        assertThat(evalError("${{ fromJSON('') }}", scope())).contains("fromJSON()");
        String big = "[" + "1,".repeat(600_000) + "1]";
        Scope s = new Scope(Map.of("big", big), Map.of(), null, null, Map.of(), OK);
        assertThat(evalError("${{ fromJSON(params.big) }}", s)).contains("fromJSON() takes at most 1 MiB");
        String deep = "[".repeat(1000) + "]".repeat(1000);
        Scope d = new Scope(Map.of("deep", deep), Map.of(), null, null, Map.of(), OK);
        assertThat(evalError("${{ fromJSON(params.deep) }}", d)).contains("fromJSON(): not JSON");
    }

    // --- compile errors

    @Test
    void syntaxErrorsAreRefusedWithTheExpressionAndColumn() {
        assertThat(compileError("x ${{ params.a + }} y", Expect.ANY))
                .isEqualTo("${{ params.a + }}: the expression ends too early (column 11)");
        assertThat(compileError("${{ params.a ) }}", Expect.ANY)).startsWith("${{ params.a ) }}: syntax error:");
        assertThat(compileError("a ${{ params.a", Expect.ANY)).isEqualTo("'a ${{ params.a': '${{' at column 3 is never closed with '}}'");
        assertThat(compileError("${{ 'abc }}", Expect.ANY)).startsWith("${{ 'abc }}: syntax error:");
        assertThat(compileError("${{   }}", Expect.ANY)).contains("is empty");
    }

    @Test
    void unknownVariablesAndFunctionsAreRefused() {
        assertThat(compileError("${{ param.x }}", Expect.ANY))
                .startsWith("${{ param.x }}: undeclared reference to 'param'").contains("can read params, jobs, item, index, run")
                .endsWith("(column 1)");
        assertThat(compileError("${{ env('HOME') }}", Expect.ANY)).startsWith("${{ env('HOME') }}: undeclared reference to 'env'");
        assertThat(compileError("${{ params.x.exec() }}", Expect.ANY)).contains("undeclared reference to 'exec'");
        assertThat(compileError("${{ readFile('/etc/passwd') }}", Expect.ANY)).contains("undeclared reference to 'readFile'");
    }

    @Test
    void typeErrorsCelCanSeeAreRefused() {
        assertThat(compileError("${{ 1 + \"a\" }}", Expect.ANY))
                .isEqualTo("${{ 1 + \"a\" }}: found no matching overload for '_+_' applied to '(int, string)' (column 3)");
        assertThat(compileError("${{ size(1) }}", Expect.ANY)).contains("no matching overload for 'size'");
        assertThat(compileError("${{ index + 'a' }}", Expect.ANY)).contains("'(int, string)'");
    }

    @Test
    void aConditionWhoseTypeIsKnownAndNotBoolIsRefused() {
        assertThat(conditionError("${{ 'x' }}")).isEqualTo("${{ 'x' }}: a condition must give a boolean, this gives a string");
        assertThat(conditionError("size(params)")).isEqualTo("${{ size(params) }}: a condition must give a boolean, this gives an int");
        assertThat(compileError("${{ [1] }}", Expect.BOOL)).endsWith("this gives a list");
        assertThat(compileError("true", Expect.BOOL)).contains("not plain text");
        assertThat(conditionError("  ")).contains("empty");
    }

    @Test
    void theGithubActionsTrapOfAComparisonOutsideTheBracesIsRefused() {
        assertThat(conditionError("${{ params.namespace }} == 'prod'")).isEqualTo(
                "'${{ params.namespace }} == 'prod'': text outside ${{ }} makes a condition a string, not a boolean;"
                        + " put the whole of it inside one ${{ }}: ${{ params.namespace == 'prod' }}");
        assertThat(conditionError("${{ success() }} && ${{ !params.dry_run }}"))
                .endsWith("${{ success() && !params.dry_run }}");
        assertThat(compileError("x ${{ true }}", Expect.BOOL)).contains("text outside ${{ }}");
    }

    @Test
    void aForEachWhoseTypeIsKnownAndNotAListIsRefused() throws Exception {
        assertThat(compileError("${{ 'a,b' }}", Expect.LIST)).isEqualTo("${{ 'a,b' }}: a for_each must give a list, this gives a string");
        assertThat(compileError("${{ {'a': 1} }}", Expect.LIST)).endsWith("this gives a map");
        assertThat(compileError("items: ${{ [1] }}", Expect.LIST)).contains("text outside ${{ }}");
        assertThat(Expressions.compile("${{ [1, 2] }}", Expect.LIST).list(scope())).isEqualTo(List.of(1L, 2L));
        assertThat(Expressions.compile("${{ fromJSON(jobs.find.outputs.deployments) }}", Expect.LIST).list(scope())).hasSize(2);
    }

    @Test
    void anExpressionLongerThan4KiBIsRefused() {
        String longer = "${{ '" + "a".repeat(4100) + "' }}";
        assertThat(compileError(longer, Expect.ANY)).contains("longer than 4096 characters");
    }

    @Test
    void deepNestingAndLongChainsAreRefusedBeforeTheyReachTheStack() {
        assertThat(compileError("${{ " + "(".repeat(200) + "1" + ")".repeat(200) + " }}", Expect.ANY))
                .endsWith("brackets nest more than 32 deep");
        assertThat(compileError("${{ '" + "(".repeat(30) + "' + " + "[".repeat(20) + "1" + "]".repeat(20) + "[0] }}", Expect.ANY))
                .contains("no matching overload");   // brackets inside strings do not count
        assertThat(compileError("${{ 1" + "+1".repeat(300) + " }}", Expect.ANY)).contains("too many operations chained");
    }

    @Test
    void aJobPickedAtRunTimeIsRefusedBecauseNeedsCannotBeChecked() {
        assertThat(compileError("${{ jobs[params.which].result }}", Expect.ANY)).contains("read a job as jobs.<id>");
        assertThat(compileError("${{ size(jobs) }}", Expect.ANY)).contains("read a job as jobs.<id>");
    }

    // --- runtime errors

    @Test
    void runtimeErrorsAreOneLineNamingTheExpression() throws Exception {
        assertThat(evalError("${{ jobs.find.outputs.nope }}", scope()))
                .isEqualTo("${{ jobs.find.outputs.nope }}: key 'nope' is not present in map (column 18)");
        assertThat(evalError("${{ params.replicas / (params.replicas - 3) }}", scope())).contains("/ by zero");
        assertThat(evalError("${{ params.tags[5] }}", scope())).startsWith("${{ params.tags[5] }}:").contains("5");
        assertThat(evalError("${{ params.namespace + 1 }}", scope())).contains("'_+_'");
    }

    @Test
    void aNonBooleanConditionAtRunTimeIsAnErrorNeverTruthy() throws Exception {
        Template t = Expressions.compileCondition("${{ params.namespace }}");
        assertThatThrownBy(() -> t.test(scope())).isInstanceOf(ExpressionException.class)
                .hasMessage("${{ params.namespace }}: a condition must give a boolean, this gave a string \"prod\"");
        Template empty = Expressions.compileCondition("params.tags");
        assertThatThrownBy(() -> empty.test(scope())).hasMessageEndingWith("this gave a list");
        Template n = Expressions.compileCondition("${{ params.nothing }}");
        assertThatThrownBy(() -> n.test(scope())).hasMessageEndingWith("this gave null");
    }

    @Test
    void aNonListForEachAtRunTimeIsAnError() throws Exception {
        Template t = Expressions.compile("${{ jobs.find.outputs.deployments }}", Expect.LIST);
        assertThatThrownBy(() -> t.list(scope())).isInstanceOf(ExpressionException.class)
                .hasMessageContaining("for_each must give a list, this gave a string").hasMessageContaining("fromJSON()");
    }

    @Test
    void hostileOutputTextIsDataAndMessagesStayOneCleanLine() throws Exception {
        String hostile = "\u001b]52;c;ZXZpbA==\u0007'); exec('rm -rf /') ${{ 1 }}\n";
        Map<String, Object> jobs = Map.of("find", job(Map.of("x", hostile), "succeeded"));
        Scope s = new Scope(Map.of(), jobs, null, null, Map.of(), OK);
        assertThat(Expressions.compile("${{ jobs.find.outputs.x }}", Expect.ANY).evaluate(s)).isEqualTo(hostile);
        assertThat(Expressions.compile("v=${{ jobs.find.outputs.x }}", Expect.ANY).evaluate(s)).isEqualTo("v=" + hostile);
        String err = evalError("${{ fromJSON(jobs.find.outputs.x) }}", s);
        assertThat(err).doesNotContain("\u001b", "\u0007", "\n");
    }

    @Test
    void aRegexFromAnOutputIsBoundedAndNeverMoreThanData() throws Exception {
        Map<String, Object> jobs = Map.of("find", job(Map.of("re", "(a{1000}){1000}", "ok", "^pro"), "succeeded"));
        Scope s = new Scope(Map.of("ns", "prod"), jobs, null, null, Map.of(), OK);
        assertThat(Expressions.compile("${{ params.ns.matches(jobs.find.outputs.ok) }}", Expect.ANY).evaluate(s)).isEqualTo(true);
        assertThat(evalError("${{ params.ns.matches(jobs.find.outputs.re) }}", s)).contains("exceeds allowed program size");
    }

    // --- conversions

    @Test
    void javaValuesBecomeCelValuesAndComeBackAsPlainJava() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("i", 1);
        in.put("f", 1.5f);
        in.put("l", List.of(2, (short) 3, "x"));
        in.put("n", null);
        in.put("huge", java.math.BigInteger.TEN.pow(30));
        Object cel = Expressions.toCel(in);
        assertThat(cel).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) cel;
        assertThat(m.get("i")).isEqualTo(1L);
        assertThat(m.get("f")).isEqualTo(1.5);
        assertThat(m.get("l")).isEqualTo(List.of(2L, 3L, "x"));
        assertThat(m.get("n")).isEqualTo(dev.cel.common.values.NullValue.NULL_VALUE);
        assertThat(m.get("huge")).isEqualTo(1e30);
        Object back = Expressions.fromCel(cel);
        assertThat(back).isInstanceOf(LinkedHashMap.class);
        assertThat(((Map<?, ?>) back).get("n")).isNull();
        assertThat(new ArrayList<Object>(((Map<?, ?>) back).keySet())).containsExactly("i", "f", "l", "n", "huge");
        Map<String, Object> ready = Map.of("a", List.of(1L, "b"));
        assertThat(Expressions.toCel(ready)).isSameAs(ready);
        assertThatThrownBy(() -> Expressions.toCel(new Object())).hasMessageContaining("cannot be read by an expression");
    }

    // --- refs

    @Test
    void jobAndOutputRefsComeFromTheTree() throws Exception {
        Template t = Expressions.compile("${{ jobs.find.outputs.deployments }} ${{ jobs['build'].outputs['image'] }}"
                + " ${{ jobs.restart.result == 'failed' && has(jobs.verify.outputs.ok) }}"
                + " ${{ 'jobs.fake.outputs.x' }} ${{ [1].map(jobs, jobs) }}", Expect.ANY);
        assertThat(t.jobRefs()).containsExactly("find", "build", "restart", "verify");
        assertThat(t.outputRefs()).containsExactly(new OutputRef("find", "deployments"), new OutputRef("build", "image"),
                new OutputRef("verify", "ok"));
        Template c = Expressions.compileCondition("jobs.a.outputs.x == jobs.a.outputs.x || size(jobs.b.outputs) > 0");
        assertThat(c.jobRefs()).containsExactly("a", "b");
        assertThat(c.outputRefs()).containsExactly(new OutputRef("a", "x"));
    }

    // --- bounds

    @Test
    void aRunawayNestedComprehensionEndsWithAnError() throws Exception {
        String ten = IntStream.rangeClosed(1, 10).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        String runaway = "${{ " + ten + ".map(a, " + ten + ".map(b, " + ten + ".map(c, " + ten + ".map(d, " + ten
                + ".map(e, " + ten + ".map(f, a + b + c + d + e + f)))))) }}";
        String err = evalError(runaway, scope());
        assertThat(err).contains("stopped after 100000 loop turns");
    }

    @Test
    void buildingBigValuesInALoopEndsWithAnError() throws Exception {
        Scope s = new Scope(Map.of("big", "x".repeat(500_000)), Map.of(), null, null, Map.of(), OK);
        String ten = IntStream.rangeClosed(1, 10).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        assertThat(evalError("${{ " + ten + ".map(a, " + ten + ".map(b, params.big + params.big)) }}", s))
                .contains("stopped: the expression does more than");
        // one copy is fine, and the accumulator of a long map is not charged over and over
        assertThat(Expressions.compile("${{ size(params.big + 'y') }}", Expect.ANY).evaluate(s)).isEqualTo(500_001L);
        List<Long> many = LongStreamList.of(50_000);
        Scope m = new Scope(Map.of("many", many), Map.of(), null, null, Map.of(), OK);
        assertThat(Expressions.compile("${{ size(params.many.map(x, x * 2)) }}", Expect.ANY).evaluate(m)).isEqualTo(50_000L);
    }

    @Test
    void aResultLargerThan1MiBIsAnError() throws Exception {
        Scope s = new Scope(Map.of("big", "x".repeat(700_000)), Map.of(), null, null, Map.of(), OK);
        assertThat(evalError("${{ params.big + params.big }}", s)).contains("larger than 1 MiB");
        assertThat(evalError("a ${{ params.big }} b ${{ params.big }}", s)).contains("larger than 1 MiB");
        assertThat(evalError("${{ toJSON([params.big, params.big]) }}", s)).contains("larger than 1 MiB");
    }

    private static final class LongStreamList {
        static List<Long> of(int n) {
            List<Long> l = new ArrayList<>(n);
            for (long i = 0; i < n; i++) l.add(i);
            return l;
        }
    }
}
