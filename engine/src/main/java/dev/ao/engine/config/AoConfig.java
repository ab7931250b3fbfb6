package dev.ao.engine.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration after layering, with the origin of every value.
 *
 * @param projectRoot the folder holding {@code dotcodex/}, if ao runs inside a project
 * @param stateDir    where runs are stored: {@code <project>/.ao} or the user state dir
 * @param filesRead   the config files that were read, lowest precedence first
 */
public record AoConfig(Map<String, ConfigValue> values, Optional<Path> projectRoot, Path stateDir,
                       List<Path> filesRead, Path userConfigFile) {

    public Object get(ConfigKey key) {
        return values.get(key.name()).value();
    }

    public String origin(ConfigKey key) {
        return values.get(key.name()).origin();
    }

    public String sandboxMode() { return (String) get(ConfigKey.SANDBOX_MODE); }

    public boolean networkAccess() { return (Boolean) get(ConfigKey.NETWORK_ACCESS); }

    public int executionTimeout() { return (Integer) get(ConfigKey.EXECUTION_TIMEOUT); }

    public boolean cleanupAfterRun() { return (Boolean) get(ConfigKey.CLEANUP_AFTER_RUN); }

    @SuppressWarnings("unchecked")
    public List<String> list(ConfigKey key) { return Collections.unmodifiableList((List<String>) get(key)); }

    public List<String> allowedExtensions() { return list(ConfigKey.ALLOWED_EXTENSIONS); }

    public long size(ConfigKey key) { return ConfigLoader.parseSize(String.valueOf(get(key)), key.name(), "config"); }

    /** Base for relative paths in config: the project root, else the working directory. */
    public Path baseDir() {
        return projectRoot.orElse(Path.of("").toAbsolutePath());
    }

    public List<Path> skillPaths() {
        return list(ConfigKey.SKILL_PATHS).stream().map(p -> baseDir().resolve(ConfigLoader.expandHome(p)).normalize()).toList();
    }

    public List<Path> writableRoots() {
        return list(ConfigKey.WRITABLE_ROOTS).stream().map(p -> baseDir().resolve(ConfigLoader.expandHome(p)).normalize()).toList();
    }

    public List<Path> denyRead() {
        return list(ConfigKey.DENY_READ).stream().map(p -> baseDir().resolve(ConfigLoader.expandHome(p)).normalize()).toList();
    }

    public List<Path> allowRead() {
        return list(ConfigKey.ALLOW_READ).stream().map(p -> baseDir().resolve(ConfigLoader.expandHome(p)).normalize()).toList();
    }

    public List<Path> allowWrite() {
        return list(ConfigKey.ALLOW_WRITE).stream().map(p -> baseDir().resolve(ConfigLoader.expandHome(p)).normalize()).toList();
    }

    public Path runsDir() { return stateDir.resolve("runs"); }

    /** The model providers: the built-in ones with every {@code [llm.providers.<id>]} table layered on. */
    @SuppressWarnings("unchecked")
    public Map<String, dev.ao.engine.llm.LlmProvider> llmProviders() {
        ConfigValue v = values.get(ConfigKey.LLM_PROVIDERS);
        return v == null ? dev.ao.engine.llm.LlmProvider.builtIn() : (Map<String, dev.ao.engine.llm.LlmProvider>) v.value();
    }

    /** The provider {@code [llm] provider} names; an unknown id is an error naming where it was set. */
    public dev.ao.engine.llm.LlmProvider llmProvider() {
        String id = (String) get(ConfigKey.LLM_PROVIDER);
        dev.ao.engine.llm.LlmProvider p = llmProviders().get(id);
        if (p == null) {
            throw dev.ao.engine.AoException.usage(origin(ConfigKey.LLM_PROVIDER) + ": llm.provider = \"" + id + "\" names no provider; "
                    + "known: " + String.join(", ", llmProviders().keySet()) + " (add a [llm.providers." + id + "] table)");
        }
        return p;
    }

    /** {@code [concurrency.groups.<name>] limit = N}, by group name: each limit with the file:line it was set at. */
    @SuppressWarnings("unchecked")
    public Map<String, ConfigValue> concurrencyGroups() {
        ConfigValue v = values.get(ConfigKey.CONCURRENCY_GROUPS);
        return v == null ? Map.of() : (Map<String, ConfigValue>) v.value();
    }

    /** How many runs of {@code group} may run at once: its config table's limit, else {@code fallback}. */
    public int concurrencyLimit(String group, int fallback) {
        ConfigValue v = concurrencyGroups().get(group);
        return v == null ? fallback : (Integer) v.value();
    }

    /** {@code [runners.k8s.tags.<tag>]} tables as JSON, by tag, each with the file:line it was set at. */
    @SuppressWarnings("unchecked")
    public Map<String, ConfigValue> k8sTags() {
        ConfigValue v = values.get(ConfigKey.K8S_TAGS);
        return v == null ? Map.of() : (Map<String, ConfigValue>) v.value();
    }
}
