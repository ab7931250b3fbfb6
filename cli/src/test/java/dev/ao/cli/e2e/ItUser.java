package dev.ao.cli.e2e;

import dev.ao.testkit.Ao;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The suite's non-root pass ({@code -Dao.it.uid}) runs ao as an unprivileged user; it needs a root test process to
 * switch to that user, and a clone that user can reach. Elsewhere the pass is skipped: the main pass already runs
 * as whoever runs the suite.
 */
final class ItUser {
    private ItUser() {}

    static void assumeUsable() {
        if (Ao.itUid().isEmpty()) return;
        boolean root;
        try {
            root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (Exception e) {
            root = false;
        }
        Assumptions.assumeTrue(root, "the non-root pass needs a root test process to start ao as uid " + Ao.itUid().get());
        for (Path p = Ao.jar().toAbsolutePath(); p != null; p = p.getParent()) {
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                boolean dir = Files.isDirectory(p);
                Assumptions.assumeTrue(dir ? (mode & 0001) != 0 : (mode & 0004) != 0,
                        p + " is closed to other users: the non-root pass cannot run ao from this clone");
            } catch (java.io.IOException e) {
                Assumptions.abort(e.getMessage());
            }
        }
    }
}
