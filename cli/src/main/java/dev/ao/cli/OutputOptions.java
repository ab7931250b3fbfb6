package dev.ao.cli;

import picocli.CommandLine.Option;

/** {@code -o text|json}: every list and show command takes it ({@code yaml}: the manifests of {@code ao run --on k8s --dry-run}). */
public final class OutputOptions {
    public enum Format { text, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public Format format = Format.text;

    public boolean yaml() {
        return format == Format.yaml;
    }

    public boolean json() {
        return format == Format.json;
    }
}
