package dev.ao.engine.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one run's time goes inside ao, for bench/ ({@code PROFILE=1 bench/mcp.sh}): with {@code AO_TRACE_RUNS=<file>}
 * in ao's environment, each run appends one JSON line {@code {"id":..., "from":µs, "to":µs, "ms":{"phase":ms,...},
 * "cpu":{"phase":ms,...}}}: the wall time since the previous mark, and the marking thread's cpu time in it. Unset
 * (always, outside a benchmark), every call is a no-op on a shared instance.
 */
final class PhaseClock {
    private static final Path FILE = trace(System.getenv("AO_TRACE_RUNS"));
    private static final PhaseClock OFF = new PhaseClock();

    private final Map<String, Double> laps = new LinkedHashMap<>();
    private final Map<String, Double> cpu = new LinkedHashMap<>();
    private long lastCpu = -1;
    private long cpuThread = -1;
    private long last = System.nanoTime();
    private final java.time.Instant began = java.time.Instant.now();

    private PhaseClock() {}

    private static Path trace(String v) {
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    static PhaseClock start() {
        return FILE == null ? OFF : new PhaseClock();
    }

    /** The time since the previous mark (or the start) is phase {@code name}'s; a repeated name adds up. */
    void mark(String name) {
        if (this == OFF) return;
        long now = System.nanoTime();
        long c = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long thread = Thread.currentThread().getId();
        synchronized (this) {
            laps.merge(name, (now - last) / 1e6, Double::sum);
            last = now;
            // a thread's cpu clock: a lap that began on another thread (queued on the caller's, the rest on the run's) has none
            if (lastCpu >= 0 && thread == cpuThread) cpu.merge(name, (c - lastCpu) / 1e6, Double::sum);
            lastCpu = c;
            cpuThread = thread;
        }
    }

    /** Appends the run's line; a trace that cannot be written is left out, never an error of the run. */
    void write(String id) {
        if (this == OFF) return;
        java.time.Instant now = java.time.Instant.now();
        StringBuilder b = new StringBuilder("{\"id\":\"").append(id).append("\",\"from\":").append(began.getEpochSecond() * 1_000_000L + began.getNano() / 1000)
                .append(",\"to\":").append(now.getEpochSecond() * 1_000_000L + now.getNano() / 1000).append(",\"ms\":{");
        synchronized (this) {
            laps.forEach((k, v) -> b.append('"').append(k).append("\":").append(String.format(java.util.Locale.ROOT, "%.3f", v)).append(','));
        }
        if (b.charAt(b.length() - 1) == ',') b.setLength(b.length() - 1);
        b.append("},\"cpu\":{");
        synchronized (this) {
            cpu.forEach((k, v) -> b.append('"').append(k).append("\":").append(String.format(java.util.Locale.ROOT, "%.3f", v)).append(','));
        }
        if (b.charAt(b.length() - 1) == ',') b.setLength(b.length() - 1);
        b.append("}}\n");
        try {
            Files.write(FILE, b.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // a benchmark's aid only
        }
    }
}
