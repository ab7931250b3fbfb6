package dev.ao.tui;

import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ao tui} on the real terminal: opens it, runs until the person quits, gives the terminal back. */
public final class Tui {
    private Tui() {}

    /**
     * @param benchFile when not null, the time from process start to the first drawn runs table is written there
     * @param errorLog   where anything written to stderr goes while the screen is ours (a stray line would break it)
     */
    public static void run(Backend backend, Path benchFile, Path errorLog) throws IOException, InterruptedException {
        PrintStream err = System.err;
        PrintStream log = null;
        try {
            Files.createDirectories(errorLog.getParent());
            log = new PrintStream(new FileOutputStream(errorLog.toFile(), true), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            log = new PrintStream(OutputStream.nullOutputStream());
        }
        System.setErr(log);
        try {
            runOn(backend, benchFile);
        } finally {
            System.setErr(err);
            log.close();
        }
    }

    /**
     * The launcher's class-data training run: the TUI opened on a virtual terminal until its runs table is drawn, then
     * closed, so Lanterna's classes and the first screen's are mapped from the archive instead of loaded at each start.
     */
    public static void warmup(Backend backend) throws IOException, InterruptedException {
        TuiApp app = TuiApp.open(new com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal(
                new com.googlecode.lanterna.TerminalSize(100, 30)), backend, null);
        try {
            long end = System.nanoTime() + 10_000_000_000L;
            while (!app.drewRuns() && System.nanoTime() < end) Thread.sleep(20);
        } finally {
            app.close();
        }
    }

    private static void runOn(Backend backend, Path benchFile) throws IOException, InterruptedException {
        // config, the run store and Jackson take a moment the first time: start on them while the terminal is set up
        // the runs table's first screen is read meanwhile too
        backend.prefetchRuns();
        Terminal terminal = new DefaultTerminalFactory(System.out, System.in, StandardCharsets.UTF_8)
                .setForceTextTerminal(true)
                // ^C is a key like any other here: it quits through the same path as q, restoring the terminal
                .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP)
                .createTerminal();
        TuiApp app = TuiApp.open(terminal, backend, benchFile, System.out);
        try {
            app.awaitQuit();
        } finally {
            app.close();
            terminal.close();
        }
    }
}
