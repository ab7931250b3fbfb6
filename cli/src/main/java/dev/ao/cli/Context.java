package dev.ao.cli;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.run.RunService;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.source.SkillSources;

import java.nio.file.Path;
import java.util.Map;

/**
 * What every command needs, built lazily: the environment, the working directory, the layered config, the
 * skill catalog and the run service. Tests and the shell build their own.
 */
public final class Context {
    private final Path cwd;
    private final Map<String, String> env;
    private Terminal terminal;
    private AoConfig config;
    private SkillCatalog catalog;

    public Context(Path cwd, Map<String, String> env, Terminal terminal) {
        this.cwd = cwd.toAbsolutePath().normalize();
        this.env = env;
        this.terminal = terminal;
    }

    public static Context fromProcess() {
        return new Context(Path.of("").toAbsolutePath(), System.getenv(), Terminal.detect(System.getenv()));
    }

    public Path cwd() { return cwd; }

    public Map<String, String> env() { return env; }

    public Terminal terminal() { return terminal; }

    /** {@code --no-color}: plain output for this invocation. */
    public void noColor() {
        terminal = terminal.withoutColor();
    }

    public ConfigLoader loader() {
        return new ConfigLoader(cwd, env);
    }

    public AoConfig config() {
        if (config == null) config = loader().load(Map.of());
        return config;
    }

    public SkillCatalog catalog() {
        if (catalog == null) catalog = SkillSources.catalog(config());
        return catalog;
    }

    /** Forget cached config and skills (the shell calls this between commands). */
    public void refresh() {
        config = null;
        catalog = null;
    }

    public RunService runs() {
        return new RunService(config(), env, this::catalog);
    }

    public RunStore store() {
        return new RunStore(config().runsDir());
    }
}
