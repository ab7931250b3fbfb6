package dev.ao.cli.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.cli.CommandFactory;
import dev.ao.cli.Context;
import dev.ao.cli.Table;
import dev.ao.engine.config.ConfigLoader;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import dev.ao.engine.run.RunStore;
import dev.ao.engine.script.ParameterBinder;
import dev.ao.engine.skill.SkillParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A training run for the launcher's class-data-sharing archive: touches the classes a typical command needs
 * (the whole command tree, TOML, YAML front matter, JSON Schema, run.json) without running anything or
 * writing anywhere. The launcher records what it loads once per build, and every later start maps it.
 */
@Command(name = "__warmup", hidden = true, description = "Internal: the launcher's class-loading training run.")
public final class WarmupCommand implements Callable<Integer> {
    private final Context ctx;

    public WarmupCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine full = CommandFactory.create(ctx);
        StringWriter sink = new StringWriter();
        full.usage(new PrintWriter(sink));
        for (CommandLine sub : full.getSubcommands().values()) sub.usage(new PrintWriter(sink));
        new ConfigLoader(ctx.cwd(), Map.of("HOME", "/nonexistent")).load(Map.of());
        Path here = Path.of("SKILL.md");
        SkillParser.frontMatter(here, SkillParser.split(here, "---\nname: x\ndescription: y\ntags: [a, b]\n---\nbody\n").frontMatter());
        ObjectMapper json = new ObjectMapper();
        ParameterBinder.bind(json.readTree("{\"type\":\"object\",\"required\":[\"n\"],\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":1},"
                + "\"s\":{\"type\":\"string\",\"enum\":[\"a\"]},\"b\":{\"type\":\"boolean\",\"default\":false}}}"),
                ParameterBinder.parsePairs(List.of("n=3", "s=a")), "warmup");
        RunRecord r = new RunRecord("id", "label", null, "s.sh", "s.sh", null, RunState.SUCCEEDED, 0, null, "2026-01-01T00:00:00Z",
                null, null, null, 1, json.createObjectNode(), null, RunRecord.Supervisor.current(), "/", false, "sum", false,
                Map.of(), "o", "e", null, "/");
        RunStore.JSON.readValue(RunStore.toJson(r), RunRecord.class);
        sink.write(new Table("A", "B").row("1", "2").toString());
        try {
            dev.ao.cli.mcp.AoMcpServer.warmup(ctx);
        } catch (Exception | LinkageError e) {
            // a project whose config does not load still gets an archive, without the MCP classes
        }
        trivialRun();
        loadOwnClasses();
        return 0;
    }

    /**
     * One real, sandboxed run of a one-line script in a throwaway project: the run path's lambdas and the classes it
     * loads only while running are archived too (they were a third of what the sandbox cost a short run).
     */
    private void trivialRun() {
        Path dir = null;
        try {
            dir = java.nio.file.Files.createTempDirectory("ao-warmup-");
            Path project = java.nio.file.Files.createDirectories(dir.resolve("project/dotcodex")).getParent();
            java.nio.file.Files.writeString(project.resolve("dotcodex/config.toml"), "[scripts]\nexecution_timeout = 20\n");
            Path script = java.nio.file.Files.writeString(project.resolve("w.sh"), "#!/bin/sh\necho warm > \"$AO_SUMMARY\"\n");
            Map<String, String> env = new java.util.HashMap<>();
            env.put("PATH", ctx.env().getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("HOME", dir.toString());
            env.put("XDG_STATE_HOME", dir.resolve("state").toString());
            env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
            dev.ao.engine.config.AoConfig config = new ConfigLoader(project, env).load(Map.of());
            dev.ao.engine.run.RunService service = new dev.ao.engine.run.RunService(config, env,
                    () -> dev.ao.engine.source.SkillSources.catalog(config));
            dev.ao.engine.run.RunService.Prepared p = service.prepare(dev.ao.engine.run.RunRequest.of(script.toString(), List.of(), project));
            service.start(p, dev.ao.engine.run.Approver.NOBODY, dev.ao.engine.run.RunListener.NONE).await();
            // 'ao runs list' through the run index: the SQLite driver's classes are archived too
            try (dev.ao.engine.run.RunIndex index = dev.ao.engine.run.RunIndex.open(new RunStore(config.runsDir()), w -> { })) {
                index.ids(new dev.ao.engine.run.RunIndex.Query(null, null, null, null, null, false, 20, 0));
            }
            // 'ao tui' to its first runs table, through the index as a long history is read: Lanterna's classes too
            Map<String, String> tuiEnv = new java.util.HashMap<>(env);
            tuiEnv.put("AO_INDEX_FROM", "0");
            dev.ao.tui.Tui.warmup(new dev.ao.tui.Backend(project, tuiEnv, List.of()));
        } catch (Exception | LinkageError e) {
            // no sandbox here (or no bwrap): the archive simply lacks the run path
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) return;
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // a temporary folder: the system cleans it
        }
    }

    /** Every class of ao itself, so the archive holds the run path too (it is not exercised here). */
    private static void loadOwnClasses() {
        try {
            Path jar = Path.of(WarmupCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) return;
            ClassLoader loader = WarmupCommand.class.getClassLoader();
            try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
                jf.stream().map(java.util.jar.JarEntry::getName)
                        .filter(n -> n.startsWith("dev/ao/") && n.endsWith(".class") && !n.contains("module-info"))
                        .forEach(n -> {
                            try {
                                Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);
                            } catch (Throwable ignored) {
                                // a class that cannot load here is simply not archived
                            }
                        });
            }
        } catch (Exception ignored) {
            // no archive content beyond what was touched above
        }
    }
}
