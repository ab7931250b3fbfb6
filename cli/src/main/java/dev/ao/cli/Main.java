package dev.ao.cli;

/** The {@code ao} entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Trace trace = System.getenv("AO_STARTUP_TRACE") == null ? null : new Trace();
        // processes of a run whose ao was killed (-9) and that no sandbox took down end here, whatever this ao does
        dev.ao.engine.exec.ProcessCgroup.reapOrphans();
        if (trace != null) trace.mark("reap orphans");
        Context context = Context.fromProcess();
        if (trace != null) trace.mark("context");
        picocli.CommandLine cl = CommandFactory.create(context, args);
        if (trace != null) trace.mark("command model");
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        if (trace != null) trace.mark("execute");
        if (trace != null) trace.print();
        System.exit(code);
    }

    /**
     * {@code AO_STARTUP_TRACE=1}: where one invocation's time went, on stderr: the JVM's own start (from the process's
     * start time, to the kernel's clock tick) and each phase of main.
     */
    private static final class Trace {
        private final long start = System.nanoTime();
        private final long jvmMillis = System.currentTimeMillis()
                - ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());
        private final StringBuilder lines = new StringBuilder();
        private long last = start;

        void mark(String phase) {
            long now = System.nanoTime();
            lines.append(String.format("ao: startup %-14s %6.1f ms%n", phase, (now - last) / 1e6));
            last = now;
        }

        void print() {
            System.err.printf("ao: startup %-14s %6d ms (process start to main)%n%s", "jvm", jvmMillis, lines);
            System.err.printf("ao: startup %-14s %6.1f ms%n", "main total", (System.nanoTime() - start) / 1e6);
        }
    }
}
