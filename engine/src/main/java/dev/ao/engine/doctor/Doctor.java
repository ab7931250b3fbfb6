package dev.ao.engine.doctor;

import dev.ao.engine.AoException;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.config.ConfigValue;
import dev.ao.engine.doctor.Check.Status;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.script.Interpreter;
import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import dev.ao.engine.source.SkillSources;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks what {@code ao} needs from this machine and this project, and says for each thing whether it works:
 * the config parses, a sandbox really starts, limits are enforced, the run store is writable, the skills load,
 * the tools scripts use are there. A broken config is one failed check, not a crash: the other checks then
 * judge against the built-in defaults.
 */
public final class Doctor {

    /** Every check, in the order they ran. */
    public record Report(List<Check> checks) {
        /** Something the configuration needs is broken: {@code ao doctor} exits non-zero. */
        public boolean failed() {
            return count(Status.FAIL) > 0;
        }

        public long count(Status s) {
            return checks.stream().filter(c -> c.status() == s).count();
        }
    }

    static final String CONFIG = "config";
    static final String RUN_STORE = "run-store";
    static final String SKILLS = "skills";

    private final Path cwd;
    private final Map<String, String> env;

    public Doctor(Path cwd, Map<String, String> env) {
        this.cwd = cwd.toAbsolutePath().normalize();
        this.env = env;
    }

    public Report run() {
        List<Check> checks = new ArrayList<>();
        ConfigLoader loader = new ConfigLoader(cwd, env);
        AoConfig config;
        boolean broken = false;
        try {
            config = loader.load(Map.of());
            checks.add(configOk(config));
        } catch (AoException e) {
            checks.add(Check.fail(CONFIG, e.getMessage() + "; every ao command stops on this until it is fixed"));
            config = defaults(loader);
            broken = true;
        }
        checks.add(SandboxProbe.check(cwd, config, env, broken));
        checks.add(SeccompProbe.check(env));
        checks.add(LimitsProbe.cgroup(config, env));
        checks.add(LimitsProbe.prlimit(config, env));
        checks.add(runStore(config.runsDir()));
        Map<String, List<String>> neededBy = new TreeMap<>();
        checks.add(skills(config, neededBy));
        List<String> tools = new ArrayList<>(ToolProbe.KNOWN.stream().map(ToolProbe.Tool::name).toList());
        neededBy.keySet().stream().filter(b -> !tools.contains(b)).forEach(tools::add);
        for (String t : tools) checks.add(ToolProbe.check(t, env, neededBy.getOrDefault(t, List.of())));
        checks.addAll(K8sProbe.checks(config, env));
        return new Report(List.copyOf(checks));
    }

    private static Check configOk(AoConfig c) {
        String files = c.filesRead().isEmpty() ? "no config files (the user file would be " + c.userConfigFile() + "), built-in defaults"
                : String.join(", ", c.filesRead().stream().map(Path::toString).toList()) + (c.filesRead().size() == 1 ? " parses" : " parse");
        return Check.ok(CONFIG, files + "; sandbox_mode = " + c.sandboxMode() + " (" + c.origin(ConfigKey.SANDBOX_MODE) + ")");
    }

    /** The built-in defaults where the config would have been: the state dir does not depend on the config's content. */
    private AoConfig defaults(ConfigLoader loader) {
        Map<String, ConfigValue> values = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.ALL) values.put(k.name(), new ConfigValue(k.defaultValue(), "default"));
        Optional<Path> project = loader.findProjectRoot();
        return new AoConfig(Map.copyOf(values), project, project.map(p -> p.resolve(".ao")).orElseGet(this::userStateDir),
                List.of(), loader.userConfigFile());
    }

    // mirrors ConfigLoader's user state dir, which it keeps private
    private Path userStateDir() {
        String xdg = env.get("XDG_STATE_HOME");
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local").resolve("state")).resolve("ao");
    }

    /** Creates and deletes a file in the runs folder; folders it had to create for that are removed again. */
    static Check runStore(Path runsDir) {
        Path firstMissing = null;
        for (Path p = runsDir; p != null && !Files.exists(p); p = p.getParent()) firstMissing = p;
        try {
            Files.createDirectories(runsDir);
            Path probe = Files.createTempFile(runsDir, ".ao-doctor-", ".tmp");
            Files.delete(probe);
            int runs = new RunStore(runsDir).ids().size();
            return Check.ok(RUN_STORE, runsDir + " is writable" + (firstMissing != null ? " (created on the first run)"
                    : " (" + runs + (runs == 1 ? " run)" : " runs)")));
        } catch (IOException | AoException e) {
            String why = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
            return Check.fail(RUN_STORE, "cannot write to " + runsDir + ": " + why + "; no run can be recorded: fix its permissions"
                    + " (outside a project the store follows XDG_STATE_HOME)");
        } finally {
            if (firstMissing != null) {
                for (Path p = runsDir; p != null && p.startsWith(firstMissing); p = p.getParent()) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // not empty after all: someone else is using it, leave it
                    }
                }
            }
        }
    }

    /** Loads the catalog and every runnable skill's script.json; fills {@code neededBy} with binary -> skill ids. */
    private static Check skills(AoConfig config, Map<String, List<String>> neededBy) {
        SkillCatalog catalog;
        try {
            catalog = SkillSources.catalog(config);
        } catch (AoException e) {
            return Check.warn(SKILLS, e.getMessage());
        }
        List<String> problems = new ArrayList<>(catalog.problems());
        catalog.conflicts().forEach(c -> problems.add("skill " + c.id() + " is defined twice: " + c.kept() + " wins over " + c.ignored()));
        int runnable = 0;
        for (Skill s : catalog.all()) {
            if (!s.runnable()) continue;
            runnable++;
            try {
                ScriptSpec spec = ScriptSpecReader.read(s.specFile());
                List<String> bins = new ArrayList<>(spec.demands().binaries());
                bins.add(Interpreter.program(Interpreter.command(spec.scriptFile())));
                for (String b : bins) {
                    String name = Path.of(b).getFileName().toString();
                    List<String> ids = neededBy.computeIfAbsent(name, k -> new ArrayList<>());
                    if (!ids.contains(s.id())) ids.add(s.id());
                }
            } catch (AoException e) {
                problems.add(e.getMessage());
            }
        }
        Path base = config.baseDir();
        String where = String.join(", ", config.skillPaths().stream().map(p -> p.startsWith(base) && !p.equals(base) ? base.relativize(p).toString() : p.toString()).toList());
        int n = catalog.all().size();
        String found = n == 0 ? "no skills in " + where : n + (n == 1 ? " skill" : " skills") + " (" + runnable + " runnable) in " + where;
        if (problems.isEmpty()) return Check.ok(SKILLS, found);
        return Check.warn(SKILLS, found + "; " + problems.size() + (problems.size() == 1 ? " problem: " : " problems, the first: ") + problems.get(0)
                + "; see 'ao skill lint'");
    }
}
