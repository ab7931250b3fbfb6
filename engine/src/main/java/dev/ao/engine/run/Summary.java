package dev.ao.engine.run;

import dev.ao.engine.sandbox.UntrustedFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few lines a run hands back: {@code $AO_SUMMARY} if the script wrote it, else the last non-empty stdout
 * line, bounded to {@link #MAX_BYTES} / {@link #MAX_LINES} with a marker saying how to see the rest.
 */
public record Summary(String text, String full, boolean truncated) {
    public static final int MAX_BYTES = 4096;
    public static final int MAX_LINES = 40;

    public static Summary extract(Path summaryFile, Path stdoutLog, String runId) {
        // the summary file is the run's to write: read it as hostile (no links, no FIFOs, bounded)
        String full = summaryFile == null ? "" : UntrustedFiles.readHead(summaryFile, 1 << 20)
                .map(b -> new String(b, StandardCharsets.UTF_8).strip()).orElse("");
        if (full.isEmpty() && Files.isRegularFile(stdoutLog)) {
            full = lastNonEmptyLine(stdoutLog);
        }
        return bound(full, runId);
    }

    public static Summary bound(String full, String runId) {
        List<String> lines = full.lines().toList();
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (String l : lines) {
            if (shown >= MAX_LINES || sb.length() + l.length() + 1 > MAX_BYTES) break;
            if (shown > 0) sb.append('\n');
            sb.append(l);
            shown++;
        }
        if (shown == lines.size() && (lines.size() > 1 || full.length() <= MAX_BYTES)) {
            return new Summary(full, full, false);
        }
        if (shown == 0) {
            // one enormous line: cut it by characters
            sb.append(full, 0, Math.min(full.length(), MAX_BYTES - 200));
        }
        int more = lines.size() - Math.max(shown, 1);
        sb.append("\n… summary truncated").append(more > 0 ? " (" + more + " more lines)" : "")
                .append("; full text: ao runs show ").append(runId).append(" --full");
        return new Summary(sb.toString(), full, true);
    }

    /** Lines of stderr a failed run's summary carries, and the most bytes of each. */
    public static final int STDERR_LINES = 10;
    public static final int STDERR_LINE_BYTES = 300;

    /**
     * The end of a failed run's stderr, where the real reason usually is (the last stdout line of a script that
     * printed {@code step 5 ok} and then died says nothing): at most {@link #STDERR_LINES} non-empty lines, each cut
     * at {@link #STDERR_LINE_BYTES}, secrets masked.
     */
    public static List<String> stderrTail(Path stderrLog, List<String> mask) {
        return RunLogs.lastLines(stderrLog, STDERR_LINES).stream()
                .map(l -> dev.ao.engine.exec.MaskingOutputStream.mask(l.stripTrailing(), mask == null ? List.of() : mask))
                .map(l -> l.length() > STDERR_LINE_BYTES ? l.substring(0, STDERR_LINE_BYTES) + " …" : l)
                .toList();
    }

    /** The summary of a failed run: what it handed back, then the end of its stderr. */
    public Summary withStderr(List<String> tail) {
        if (tail.isEmpty()) return this;
        String block = "stderr (last " + (tail.size() == 1 ? "line" : tail.size() + " lines") + "):\n" + String.join("\n", tail);
        String sep = text.isEmpty() ? "" : "\n\n";
        return new Summary(text + sep + block, (full.isEmpty() ? "" : full + "\n\n") + block, truncated);
    }

    /** Reads only the file's tail, so a 1 GiB log costs 64 KiB. */
    static String lastNonEmptyLine(Path f) {
        List<String> last = RunLogs.lastLines(f, 1);
        return last.isEmpty() ? "" : last.get(0).strip();
    }

    /** What one run's outputs may hold in all: a workflow passes them on to later jobs. */
    public static final int OUTPUTS_BYTES = 64 * 1024;

    /**
     * {@code key=value} lines from {@code $AO_OUTPUT}: at most 200 keys and {@link #OUTPUTS_BYTES} in all (keys and
     * values); a line past the bound is dropped whole, never cut (a cut JSON value would mislead), and a later line
     * for the same key wins.
     */
    public static Map<String, String> outputs(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file == null) return out;
        String text = UntrustedFiles.readHead(file, OUTPUTS_BYTES + 4096).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        int used = 0;
        for (String l : text.lines().toList()) {
            int eq = l.indexOf('=');
            if (eq <= 0 || l.startsWith("#")) continue;
            String k = l.substring(0, eq).strip();
            String v = l.substring(eq + 1).strip();
            int size = k.length() + v.length();
            String old = out.get(k);
            int freed = old == null ? 0 : k.length() + old.length();
            if (used - freed + size > OUTPUTS_BYTES) continue;
            if (old == null && out.size() >= 200) continue;
            used += size - freed;
            out.put(k, v);
        }
        return out;
    }
}
