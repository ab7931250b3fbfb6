package dev.ao.cli.render;

/** {@code 850 ms}, {@code 12.3 s}, {@code 4m 05s}, {@code 2h 10m}. */
public final class Durations {
    private Durations() {}

    public static String human(long ms) {
        if (ms < 1000) return ms + " ms";
        if (ms < 60_000) return String.format("%.1f s", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return String.format("%dm %02ds", s / 60, s % 60);
        return String.format("%dh %02dm", s / 3600, (s % 3600) / 60);
    }

    public static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1 << 20) return String.format("%.1f KiB", b / 1024.0);
        if (b < 1L << 30) return String.format("%.1f MiB", b / (double) (1 << 20));
        return String.format("%.2f GiB", b / (double) (1L << 30));
    }
}
