package dev.ao.engine;

/**
 * An error a person will read: one line saying what failed, which file/key/parameter, and what to do.
 * It carries the exit code the CLI returns for it.
 */
public class AoException extends RuntimeException {
    private final ExitCode exitCode;

    public AoException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public AoException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() { return exitCode; }

    public static AoException usage(String message) { return new AoException(ExitCode.USAGE, message); }

    public static AoException refused(String message) { return new AoException(ExitCode.REFUSED, message); }
}
