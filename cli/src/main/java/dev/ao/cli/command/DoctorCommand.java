package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Terminal;
import dev.ao.engine.ExitCode;
import dev.ao.engine.doctor.Check;
import dev.ao.engine.doctor.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code ao doctor}: what ao needs from this machine and project, checked for real, one line each. */
@Command(name = "doctor", description = {"Check that ao can work here, and say why not.",
        "One line per check, ok/warn/fail: the config parses; bwrap really starts a sandbox; the pids cgroup and "
                + "prlimit enforce the [sandbox] limits; the run store is writable; skills load; python3, node, git, "
                + "kubectl and aws are there (their versions, asked offline)."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  nothing the config needs is broken (warnings are fine)",
                "  1  something is, e.g. sandbox_mode = workspace-write but bwrap cannot start"})
public final class DoctorCommand implements Callable<Integer> {
    private final Context ctx;
    @Spec CommandSpec spec;
    @Mixin OutputOptions output;

    public DoctorCommand(Context ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        Doctor.Report report = new Doctor(ctx.cwd(), ctx.env()).run();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (Check c : report.checks()) {
                ObjectNode n = arr.addObject();
                n.put("check", c.name());
                n.put("status", c.status().id());
                n.put("detail", c.detail());
            }
            out.println(Json.write(arr));
        } else {
            Terminal t = ctx.terminal();
            int width = report.checks().stream().mapToInt(c -> c.name().length()).max().orElse(0);
            for (Check c : report.checks()) {
                out.println(status(t, c.status()) + " ".repeat(6 - c.status().id().length()) + t.bold(c.name())
                        + " ".repeat(width - c.name().length() + 2) + c.detail());
            }
            PrintWriter err = spec.commandLine().getErr();
            long fails = report.count(Check.Status.FAIL);
            long warns = report.count(Check.Status.WARN);
            String verdict = fails > 0 ? t.red(fails + (fails == 1 ? " failure" : " failures")) + ": ao cannot work as configured until it is fixed"
                    : warns > 0 ? t.yellow(warns + (warns == 1 ? " warning" : " warnings")) + ", nothing the configuration needs is broken"
                    : t.green("everything ao needs works");
            err.println(verdict);
            err.flush();
        }
        out.flush();
        return report.failed() ? ExitCode.FAILED.code() : ExitCode.OK.code();
    }

    private static String status(Terminal t, Check.Status s) {
        return switch (s) {
            case OK -> t.green(s.id());
            case WARN -> t.yellow(s.id());
            case FAIL -> t.red(s.id());
        };
    }
}
