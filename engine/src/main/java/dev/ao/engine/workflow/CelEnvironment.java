package dev.ao.engine.workflow;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelFunctionResolver;
import dev.cel.runtime.CelLateFunctionBindings;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.List;

/**
 * The one CEL environment every {@code ${{ }}} is compiled and run in, built once on first use. What an expression can
 * reach is exactly what is declared here: five variables, six functions of our own, and CEL's standard library. None
 * of them reads a file, the environment, the clock or the network, or changes anything.
 */
final class CelEnvironment {

    /** The longest text inside one {@code ${{ }}}. */
    static final int MAX_EXPRESSION_CHARS = 4096;
    /** Brackets inside brackets; also keeps the parser's recursion far from the end of a thread's stack. */
    static final int MAX_NESTING = 32;
    /** Loop turns of all comprehensions (map, filter, exists...) in one evaluation, nested ones multiplied out. */
    static final int MAX_ITERATIONS = 100_000;
    /** Work units of one evaluation: one per node evaluated plus the size of each value it yields (see Cost). */
    static final long MAX_COST = 1L << 24;

    static final List<String> VARIABLES = List.of("params", "jobs", "item", "index", "run");
    static final String FUNCTIONS = "success() failure() always() cancelled() fromJSON() toJSON()";

    final CelCompiler compiler;
    final CelRuntime runtime;

    private static final class Holder {
        static final CelEnvironment ENV = new CelEnvironment();
    }

    static CelEnvironment get() {
        return Holder.ENV;
    }

    private CelEnvironment() {
        CelOptions options = CelOptions.current()
                .maxExpressionCodePointSize(MAX_EXPRESSION_CHARS)
                .maxParseRecursionDepth(100)
                .comprehensionMaxIterations(MAX_ITERATIONS)
                // a pattern may come from an output: RE2 runs in linear time, this bounds the program it compiles to
                .maxRegexProgramSize(5_000)
                .enableHeterogeneousNumericComparisons(true)
                .build();
        MapType stringToDyn = MapType.create(SimpleType.STRING, SimpleType.DYN);
        compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("params", stringToDyn)
                .addVar("jobs", stringToDyn)
                .addVar("item", SimpleType.DYN)
                .addVar("index", SimpleType.INT)
                .addVar("run", stringToDyn)
                .addFunctionDeclarations(
                        noArgBool("success"), noArgBool("failure"), noArgBool("always"), noArgBool("cancelled"),
                        CelFunctionDecl.newFunctionDeclaration("fromJSON",
                                CelOverloadDecl.newGlobalOverload("fromJSON_string", SimpleType.DYN, SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration("toJSON",
                                CelOverloadDecl.newGlobalOverload("toJSON_dyn", SimpleType.STRING, SimpleType.DYN)))
                .build();
        runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(options)
                .addFunctionBindings(
                        CelFunctionBinding.from("always_bool", List.of(), args -> true),
                        CelFunctionBinding.from("fromJSON_string", String.class, CelEnvironment::fromJson),
                        CelFunctionBinding.from("toJSON_dyn", Object.class, CelEnvironment::toJson))
                .build();
    }

    private static CelFunctionDecl noArgBool(String name) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newGlobalOverload(name + "_bool", SimpleType.BOOL));
    }

    private static Object fromJson(String text) throws CelEvaluationException {
        try {
            return CelValues.parseJson(text);
        } catch (IllegalArgumentException e) {
            throw new CelEvaluationException(e.getMessage());
        }
    }

    private static Object toJson(Object value) throws CelEvaluationException {
        try {
            String json = CelValues.json(CelValues.fromCel(value, new long[] {CelValues.MAX_CHARS}));
            if (json.length() > CelValues.MAX_CHARS)
                throw new CelEvaluationException("toJSON(): the JSON is larger than " + (CelValues.MAX_CHARS >> 20) + " MiB");
            return json;
        } catch (CelValues.TooLarge e) {
            throw new CelEvaluationException("toJSON(): the JSON is larger than " + (CelValues.MAX_CHARS >> 20) + " MiB");
        } catch (IllegalArgumentException e) {
            throw new CelEvaluationException("toJSON(): " + e.getMessage());
        }
    }

    // success() failure() cancelled() depend on the job being decided: bound per evaluation from its Status. The
    // resolvers are immutable, one per combination, so evaluations on many threads share them and allocate nothing.
    private static final CelFunctionResolver[] BY_STATUS = new CelFunctionResolver[8];
    private static final CelFunctionResolver NO_STATUS = CelLateFunctionBindings.from(
            unknownStatus("success"), unknownStatus("failure"), unknownStatus("cancelled"));

    static {
        for (int i = 0; i < 8; i++) {
            boolean needsSucceeded = (i & 1) != 0, anyNeedFailed = (i & 2) != 0, canceled = (i & 4) != 0;
            // as in GitHub Actions: once the workflow is canceled, success() is false
            boolean success = needsSucceeded && !canceled;
            BY_STATUS[i] = CelLateFunctionBindings.from(
                    CelFunctionBinding.from("success_bool", List.of(), args -> success),
                    CelFunctionBinding.from("failure_bool", List.of(), args -> anyNeedFailed),
                    CelFunctionBinding.from("cancelled_bool", List.of(), args -> canceled));
        }
    }

    private static CelFunctionBinding unknownStatus(String name) {
        return CelFunctionBinding.from(name + "_bool", List.of(), args -> {
            throw new CelEvaluationException(name + "() can only be used in a job's if:");
        });
    }

    static CelFunctionResolver statusFunctions(Expressions.Status s) {
        if (s == null) return NO_STATUS;
        return BY_STATUS[(s.needsSucceeded() ? 1 : 0) | (s.anyNeedFailed() ? 2 : 0) | (s.canceled() ? 4 : 0)];
    }
}
