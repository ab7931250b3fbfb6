package dev.ao.cli.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two ends of the stdio transport, between the process's streams and the SDK's.
 *
 * <p>In: the SDK's stdio transport ends the session at the first line it cannot parse, so a malformed line never
 * reaches it: it is answered here with a JSON-RPC error ({@code -32700} not JSON, {@code -32600} not a request) and
 * the server reads on. At end of input the SDK stops writing at once, so the end is passed on only after every request
 * read has been answered (or {@code drain} has passed).
 *
 * <p>Out: every write of a message goes through one lock, the SDK's and this class's alike, so lines never mix.
 */
final class JsonRpcStreams {
    /** The SDK's own bound for one inbound message. */
    static final int MAX_LINE = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final Out out;
    private final In in;

    JsonRpcStreams(InputStream stdin, OutputStream stdout, McpJsonMapper mapper, Duration drain, Runnable onEnd) {
        this.out = new Out(stdout);
        this.in = new In(stdin, mapper, drain, onEnd);
    }

    InputStream in() { return in; }

    OutputStream out() { return out; }

    /** Counts each message written: the SDK writes one message and a newline, then flushes. */
    private final class Out extends OutputStream {
        private final OutputStream target;

        Out(OutputStream target) {
            this.target = new java.io.BufferedOutputStream(target, 1 << 16);
        }

        @Override
        public void write(int b) throws IOException { target.write(b); }

        @Override
        public void write(byte[] b, int off, int len) throws IOException { target.write(b, off, len); }

        @Override
        public void flush() throws IOException {
            try {
                target.flush();
            } finally {
                // a write that failed (the client is gone) counts as answered too: nobody waits for it
                answered.incrementAndGet();
                synchronized (requests) { requests.notifyAll(); }
            }
        }

        @Override
        public void close() throws IOException { target.close(); }
    }

    private final class In extends InputStream {
        private final InputStream source;
        private final McpJsonMapper mapper;
        private final Duration drain;
        private final Runnable onEnd;
        private byte[] line = new byte[0];
        private int pos;
        private boolean ended;

        In(InputStream source, McpJsonMapper mapper, Duration drain, Runnable onEnd) {
            this.source = new java.io.BufferedInputStream(source, 1 << 16);
            this.mapper = mapper;
            this.drain = drain;
            this.onEnd = onEnd;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (pos >= line.length) {
                if (ended || !nextLine()) {
                    end();
                    return -1;
                }
            }
            int n = Math.min(len, line.length - pos);
            System.arraycopy(line, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Reads lines until one the SDK can take; false at end of input. */
        private boolean nextLine() throws IOException {
            while (true) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                boolean tooLong = false;
                int c;
                while ((c = source.read()) >= 0 && c != '\n') {
                    if (buf.size() < MAX_LINE) buf.write(c); else tooLong = true;
                }
                if (c < 0 && buf.size() == 0) return false;
                String text = buf.toString(StandardCharsets.UTF_8).strip();
                if (text.isEmpty()) {
                    if (c < 0) return false;
                    continue;
                }
                if (tooLong) {
                    reject(null, -32600, "Invalid Request: a message is longer than " + MAX_LINE + " bytes");
                } else if (accept(text)) {
                    line = (text + "\n").getBytes(StandardCharsets.UTF_8);
                    pos = 0;
                    return true;
                }
                if (c < 0) return false;
            }
        }

        private boolean accept(String text) {
            JsonNode tree;
            try {
                tree = JSON.readTree(text);
            } catch (IOException e) {
                reject(null, -32700, "Parse error: " + firstLine(e.getMessage()));
                return false;
            }
            JsonNode id = tree != null && tree.isObject() ? tree.get("id") : null;
            JsonNode usableId = id != null && (id.isTextual() || id.isIntegralNumber()) ? id : null;
            try {
                McpSchema.JSONRPCMessage m = McpSchema.deserializeJsonRpcMessage(mapper, text);
                if (m instanceof McpSchema.JSONRPCRequest) requests.incrementAndGet();
                return true;
            } catch (Exception e) {
                reject(usableId, -32600, "Invalid Request: not a JSON-RPC 2.0 request, notification or response: " + firstLine(e.getMessage()));
                return false;
            }
        }

        private void reject(JsonNode id, int code, String message) {
            ObjectNode n = JSON.createObjectNode();
            n.put("jsonrpc", "2.0");
            if (id == null) n.putNull("id"); else n.set("id", id);
            ObjectNode err = n.putObject("error");
            err.put("code", code);
            err.put("message", message);
            requests.incrementAndGet();
            byte[] bytes = (n + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                synchronized (out) {
                    out.write(bytes, 0, bytes.length);
                    out.flush();
                }
            } catch (IOException e) {
                // the client is gone; the end of input follows
            }
        }

        /** Waits until every request read has its answer, then lets the SDK see the end. */
        private void end() {
            if (ended) return;
            ended = true;
            long until = System.nanoTime() + drain.toNanos();
            synchronized (requests) {
                while (answered.get() < requests.get() && System.nanoTime() < until) {
                    try {
                        requests.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            onEnd.run();
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
