package dev.ao.cli;

/** The {@code ao} entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // processes of a run whose ao was killed (-9) and that no sandbox took down end here, whatever this ao does
        dev.ao.engine.exec.ProcessCgroup.reapOrphans();
        picocli.CommandLine cl = CommandFactory.create(Context.fromProcess(), args);
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(code);
    }
}
