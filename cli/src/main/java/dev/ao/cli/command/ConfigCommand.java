package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Table;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ao config}: the effective configuration and where each value came from. */
@Command(name = "config", description = "Show the effective configuration and the files it was read from.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.PathCmd.class})
public final class ConfigCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String render(Object v) {
        if (v instanceof List<?> l) return "[" + String.join(", ", l.stream().map(x -> "\"" + x + "\"").toList()) + "]";
        if (v instanceof String s) return "\"" + s + "\"";
        return String.valueOf(v);
    }

    @Command(name = "show", description = {"Print every key, its effective value and its origin.",
            "Layers: default < ~/.config/ao/config.toml < project dotcodex/config.toml < AO_* env < flags."})
    static final class Show implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        Show(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig c = ctx.config();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode root = Json.object();
                ObjectNode values = root.putObject("values");
                for (ConfigKey k : ConfigKey.ALL) {
                    ObjectNode v = values.putObject(k.name());
                    v.set("value", Json.MAPPER.valueToTree(c.get(k)));
                    v.put("origin", c.origin(k));
                    v.put("env", k.envName());
                }
                root.put("project_root", c.projectRoot().map(Path::toString).orElse(null));
                root.put("state_dir", c.stateDir().toString());
                ArrayNode files = root.putArray("files");
                c.filesRead().forEach(f -> files.add(f.toString()));
                out.println(Json.write(root));
                return 0;
            }
            Table t = new Table("KEY", "VALUE", "ORIGIN");
            for (ConfigKey k : ConfigKey.ALL) t.row(k.name(), render(c.get(k)), c.origin(k));
            out.print(t);
            out.println();
            out.println("project: " + c.projectRoot().map(Path::toString).orElse("(none: not inside a project)"));
            out.println("runs:    " + c.runsDir());
            return 0;
        }
    }

    @Command(name = "path", description = "Print the config files that were read, lowest precedence first.")
    static final class PathCmd implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        PathCmd(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            AoConfig c = ctx.config();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ObjectNode root = Json.object();
                ArrayNode files = root.putArray("read");
                c.filesRead().forEach(f -> files.add(f.toString()));
                root.put("user", c.userConfigFile().toString());
                root.put("project", c.projectRoot().map(p -> p.resolve("dotcodex/config.toml").toString()).orElse(null));
                out.println(Json.write(root));
                return 0;
            }
            if (c.filesRead().isEmpty()) {
                spec.commandLine().getErr().println("no config files read (user file would be " + c.userConfigFile() + "); built-in defaults apply");
            }
            c.filesRead().forEach(out::println);
            return 0;
        }
    }
}
