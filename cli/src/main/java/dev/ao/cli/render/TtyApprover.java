package dev.ao.cli.render;

import dev.ao.cli.Terminal;
import dev.ao.engine.SafeText;
import dev.ao.engine.run.Approver;

import java.io.Console;
import java.io.PrintWriter;

/** Asks the person at the terminal: shows what would run and reads y/N. */
public final class TtyApprover implements Approver {
    private final PrintWriter err;
    private final Terminal term;

    public TtyApprover(PrintWriter err, Terminal term) {
        this.err = err;
        this.term = term;
    }

    @Override
    public Decision decide(Request r) throws InterruptedException {
        Console console = System.console();
        if (console == null) return Approver.NOBODY.decide(r);
        err.println(term.bold(term.yellow("Approval needed")) + " for " + term.bold(SafeText.line(r.label())) + " (" + r.why() + ")");
        err.println("  run:        " + r.runId());
        err.println("  parameters: " + SafeText.line(String.valueOf(r.params())));
        err.println("  sandbox:    " + r.sandboxMode() + ", network " + (r.network() ? "on" : "off"));
        err.println("  script:");
        for (String l : r.scriptHead()) err.println("    " + term.dim(SafeText.line(l)));
        err.print("Run it? [y/N] ");
        err.flush();
        String answer = console.readLine();
        boolean yes = answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
        String who = System.getenv().getOrDefault("USER", System.getProperty("user.name", "unknown")) + " at the terminal";
        return new Decision(yes, who);
    }
}
