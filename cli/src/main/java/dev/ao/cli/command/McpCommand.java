package dev.ao.cli.command;

import dev.ao.cli.Context;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code ao mcp}: ao's skills and runs as tools for an AI agent, over the Model Context Protocol on stdio. */
@Command(name = "mcp", description = {"Serve ao to an AI agent (Codex, Claude Code) as a Model Context Protocol server on stdio.",
        "Tools: search_skills, describe_skill, run_skill, run_script, get_run, read_log, cancel_run. stdout carries JSON-RPC only;",
        "diagnostics go to stderr. Runs are recorded with origin mcp; one that needs approval waits for 'ao runs approve'."},
        footerHeading = "%nStart it from an agent:%n",
        footer = {"  claude mcp add ao -- /path/to/ao mcp",
                "  ~/.codex/config.toml:  [mcp_servers.ao]  command = \"/path/to/ao\"  args = [\"mcp\"]"})
public final class McpCommand implements Callable<Integer> {
    private final Context ctx;

    public McpCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        // stdout is the protocol: whatever else would print to System.out (a library, a stray println) goes to stderr
        PrintStream protocol = System.out;
        System.setOut(System.err);
        ctx.noColor();
        protocol.flush();
        return dev.ao.cli.mcp.AoMcpServer.serve(ctx, System.in, new FileOutputStream(FileDescriptor.out), System.err);
    }
}
