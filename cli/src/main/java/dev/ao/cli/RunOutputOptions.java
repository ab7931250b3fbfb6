package dev.ao.cli;

import picocli.CommandLine.Option;

/** {@code ao run -o text|json|yaml}: yaml is the manifests of {@code --on k8s --dry-run}; a run's result is text or json. */
public final class RunOutputOptions {
    public enum Format { text, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; yaml: the Kubernetes objects of --dry-run).")
    public Format format = Format.text;

    public boolean json() {
        return format == Format.json;
    }

    public boolean yaml() {
        return format == Format.yaml;
    }
}
