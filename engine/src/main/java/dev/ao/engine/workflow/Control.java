package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Requests another ao process leaves for a running workflow's supervisor, in the workflow's run folder: pause, resume,
 * and the cancel of one child run. The supervisor polls them; files, so they work across processes and users who own
 * the store.
 */
public final class Control {
    public static final String FILE = "control.json";
    /** In a child run's folder: cancel this child only, not its whole workflow. */
    public static final String CANCEL_CHILD = "cancel-request";

    private Control() {}

    public static void request(Path workflowRunDir, String action, String by) {
        ObjectNode n = RunStore.JSON.createObjectNode();
        n.put("action", action);
        n.put("by", by);
        n.put("at", Instant.now().toString());
        RunStore.writeAtomically(workflowRunDir.resolve(FILE), RunStore.toJson(n));
    }

    /** The pending request, removed as it is read. */
    static Optional<String> take(Path workflowRunDir) {
        Path f = workflowRunDir.resolve(FILE);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        try {
            JsonNode n = RunStore.JSON.readTree(f.toFile());
            Files.deleteIfExists(f);
            return Optional.of(n.path("action").asText(""));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static void cancelChild(Path childRunDir, String by) {
        RunStore.writeAtomically(childRunDir.resolve(CANCEL_CHILD), by.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static boolean childCancelRequested(Path childRunDir) {
        return Files.exists(childRunDir.resolve(CANCEL_CHILD), LinkOption.NOFOLLOW_LINKS);
    }
}
