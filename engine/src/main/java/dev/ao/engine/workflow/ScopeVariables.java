package dev.ao.engine.workflow;

import dev.ao.engine.workflow.Expressions.Scope;
import dev.cel.runtime.CelVariableResolver;

import java.util.Map;
import java.util.Optional;

/**
 * The variables of one evaluation, read from a {@link Scope} when an expression first asks for them. Maps are viewed,
 * not copied, so a large output or parameter costs only when it is read. One instance serves every {@code ${{ }}} of a
 * template in one evaluation, on one thread.
 */
final class ScopeVariables implements CelVariableResolver {

    private final Scope scope;
    private Object params, jobs, item, run;

    ScopeVariables(Scope scope) {
        this.scope = scope;
    }

    Scope scope() {
        return scope;
    }

    @Override
    public Optional<Object> find(String name) {
        switch (name) {
            case "params":
                if (params == null) params = view(scope.params());
                return Optional.of(params);
            case "jobs":
                if (jobs == null) jobs = view(scope.jobs());
                return Optional.of(jobs);
            case "item":
                if (scope.index() == null) throw notInForEach();
                if (item == null) item = CelValues.toCel(scope.item());
                return Optional.of(item);
            case "index":
                if (scope.index() == null) throw notInForEach();
                return Optional.of(scope.index());
            case "run":
                if (run == null) run = view(scope.run());
                return Optional.of(run);
            default:
                return Optional.empty();
        }
    }

    private static Object view(Map<String, Object> m) {
        return m == null ? Map.of() : new CelMapView(m);
    }

    // an empty answer would let CEL carry on with an unknown value
    private static CompiledExpression.Stop notInForEach() {
        return new CompiledExpression.Stop("item and index are only set in a job with for_each:");
    }
}
