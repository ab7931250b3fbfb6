package dev.ao.cli;

/** The {@code ao} entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        picocli.CommandLine cl = CommandFactory.create(Context.fromProcess(), args);
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(code);
    }
}
