package dev.ao.cli.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.cli.Context;
import dev.ao.cli.Version;
import dev.ao.engine.run.RunStore;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ao mcp}: the MCP server on stdio. The only class that puts ao's tools and the SDK together; nothing else in
 * ao loads the SDK, so other commands start as fast as before.
 */
public final class AoMcpServer {
    /** How long the end of input waits for answers still being worked out: the longest a tool call may wait, and some. */
    private static final Duration DRAIN = Duration.ofSeconds(AoTools.MAX_WAIT_SECONDS + 30);

    private AoMcpServer() {}

    /**
     * The launcher's class-data training run ({@code ao __warmup}): one initialize and one tools/list over in-memory
     * streams, so the archive holds the SDK and Reactor classes too and {@code ao mcp} answers initialize about twice
     * as fast. Other commands never load them; the archive only maps them.
     */
    public static void warmup(Context ctx) throws InterruptedException {
        String in = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"warmup","version":"1"}}}
                {"jsonrpc":"2.0","method":"notifications/initialized"}
                {"jsonrpc":"2.0","id":2,"method":"tools/list"}
                """;
        serve(ctx, new java.io.ByteArrayInputStream(in.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                java.io.OutputStream.nullOutputStream(), new PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    /**
     * Serves until the client closes stdin, then stops the runs still going (recorded canceled) and returns.
     *
     * @param stdout the real standard output: JSON-RPC only. {@code System.out} must already point elsewhere.
     */
    public static int serve(Context ctx, InputStream stdin, OutputStream stdout, PrintStream diag) throws InterruptedException {
        McpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
        McpRuns runs = new McpRuns(new RunStore(ctx.config().runsDir()), diag);
        AoTools tools = new AoTools(ctx, runs);
        CountDownLatch ended = new CountDownLatch(1);
        JsonRpcStreams streams = new JsonRpcStreams(stdin, stdout, mapper, DRAIN, ended::countDown);
        // killed (SIGTERM from the client, 'ao runs cancel' of one of these runs): no run is left behind as lost
        Thread hook = new Thread(() -> runs.cancelAll(Duration.ofSeconds(5)), "ao-mcp-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        McpSyncServer server = McpServer.sync(new StdioServerTransportProvider(mapper, streams.in(), streams.out()))
                .serverInfo(new McpSchema.Implementation("ao", "ao — script-first orchestration", Version.get()))
                .instructions("ao runs one script in a sandbox and hands back only its summary. Find a skill (search_skills, "
                        + "describe_skill) and run_skill it, or write one script that does the whole job and run_script it; "
                        + "run_workflow runs a workflow skill (jobs as child runs) and hands back its summary and one line per job; "
                        + "read_log pages through raw output. Runs that need approval wait for a person.")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .jsonMapper(mapper)
                .jsonSchemaValidator(new SchemaValidator())
                .tools(tools.specs())
                .build();
        ended.await();
        runs.cancelAll(Duration.ofSeconds(5));
        server.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        return 0;
    }
}
