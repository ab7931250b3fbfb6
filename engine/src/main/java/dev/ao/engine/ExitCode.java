package dev.ao.engine;

/** The exit codes of {@code ao}, documented in DESIGN.md; a script's own code passes through unchanged. */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "the command failed"),
    USAGE(2, "usage or validation error; nothing ran"),
    TIMEOUT(124, "the run timed out"),
    REFUSED(126, "refused: sandbox, extension or approval"),
    MISSING_DEMAND(127, "a demanded binary or env var is missing"),
    CANCELED(130, "canceled (Ctrl-C or ao runs cancel)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() { return code; }

    public String meaning() { return meaning; }
}
