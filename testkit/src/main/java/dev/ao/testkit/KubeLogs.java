package dev.ao.testkit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Container logs as the kubelet keeps them: lines (stdout and stderr interleaved in arrival
 * order), each with the time it arrived, and whether the container has terminated. Followers
 * wait here for new lines.
 */
final class KubeLogs {

    /** One line as written, its trailing newline included when there was one. */
    record Line(Instant time, String text) {}

    /** What a reader sees: lines from an index on, and whether more can come. */
    record Slice(List<Line> lines, int next, boolean finished, boolean removed) {}

    private static final class Log {
        final List<Line> lines = new ArrayList<>();
        boolean finished;
    }

    private final Map<String, Log> logs = new HashMap<>();
    private long cuts;

    private static String key(String ns, String pod, String container) {
        return ns + "/" + pod + "/" + container;
    }

    /** Replaces the log with {@code text} (a test hook), one line per newline, all stamped now. */
    synchronized void set(String ns, String pod, String container, String text, Instant now) {
        Log log = new Log();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            log.lines.add(new Line(now, text.substring(start, end)));
            start = end;
        }
        logs.put(key(ns, pod, container), log);
        notifyAll();
    }

    synchronized void append(String ns, String pod, String container, Line line) {
        logs.computeIfAbsent(key(ns, pod, container), k -> new Log()).lines.add(line);
        notifyAll();
    }

    /** Starts an empty log for a container that is starting (a restart would keep the old one as previous). */
    synchronized void open(String ns, String pod, String container) {
        logs.put(key(ns, pod, container), new Log());
        notifyAll();
    }

    synchronized void finish(String ns, String pod, String container) {
        logs.computeIfAbsent(key(ns, pod, container), k -> new Log()).finished = true;
        notifyAll();
    }

    synchronized void removePod(String ns, String pod) {
        String prefix = ns + "/" + pod + "/";
        logs.keySet().removeIf(k -> k.startsWith(prefix));
        notifyAll();
    }

    synchronized void clear() {
        logs.clear();
        notifyAll();
    }

    synchronized String text(String ns, String pod, String container) {
        Log log = logs.get(key(ns, pod, container));
        if (log == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        log.lines.forEach(l -> s.append(l.text()));
        return s.toString();
    }

    synchronized Slice from(String ns, String pod, String container, int index) {
        Log log = logs.get(key(ns, pod, container));
        if (log == null) {
            return new Slice(List.of(), index, true, true);
        }
        List<Line> out = index < log.lines.size() ? List.copyOf(log.lines.subList(index, log.lines.size())) : List.of();
        return new Slice(out, index + out.size(), log.finished, false);
    }

    /** How many times {@link #cut()} was called; a follower that sees it change ends abruptly. */
    synchronized long cuts() {
        return cuts;
    }

    synchronized void cut() {
        cuts++;
        notifyAll();
    }

    /** Waits until the log grows past {@code index}, finishes, is removed or cut, or the time is up. */
    synchronized void await(String ns, String pod, String container, int index, long cutsSeen, long millis)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            Log log = logs.get(key(ns, pod, container));
            if (log == null || log.finished || log.lines.size() > index || cuts != cutsSeen) {
                return;
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }
}
