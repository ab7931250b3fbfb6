package dev.ao.cli;

import picocli.CommandLine.Option;

/** {@code -o text|json}: every list and show command takes it ({@code ao run} adds yaml: {@link RunOutputOptions}). */
public final class OutputOptions {
    public enum Format { text, json }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public Format format = Format.text;

    public boolean json() {
        return format == Format.json;
    }
}
