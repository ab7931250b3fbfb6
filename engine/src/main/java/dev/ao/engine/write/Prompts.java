package dev.ao.engine.write;

import dev.ao.engine.script.ScriptSpec;
import dev.ao.engine.skill.ParameterDoc;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/** What {@code ao write} tells the model, and the SKILL.md of the draft it saves. */
final class Prompts {
    private Prompts() {}

    static final String BEGIN = "<!-- SCRIPT-FIRST -->";
    static final String END = "<!-- /SCRIPT-FIRST -->";

    /** Runs in the sandbox with the candidate's path as $1; the interpreter parses the file and runs none of it. */
    static final String CHECKER = """
            #!/bin/bash
            # ao write: syntax check of a drafted script; nothing of the script runs
            f="$1"
            case "$f" in
              *.py) exec python3 -c 'import sys; compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec")' "$f" ;;
              *.sh) exec bash -n "$f" ;;
              *.js) exec node --check "$f" ;;
              *) echo "no syntax check for $f" >&2; exit 2 ;;
            esac
            """;

    static final String CONTRACT = """
            ## The script contract (how ao runs the script)

            - ao runs it in a sandbox as an unprivileged user, under a timeout, with the network off unless
              script.json says `"demands": {"network": true}`. It may write only `$AO_WORKSPACE` (removed after the run)
              and its private /tmp.
            - Parameters are declared in `parameters_schema` (JSON Schema, `"type": "object"`) and reach the script three
              ways: as CLI arguments (`--namespace prod`; booleans are bare flags like `--dry-run`; arrays repeat the
              flag; underscores in names become hyphens), as env vars `AO_PARAM_<NAME>` (scalars as text, arrays and
              objects as JSON), and as one JSON object in the file `$AO_PARAMS`. Read them from `$AO_PARAMS` when it is
              set. Never build a shell string from a parameter. Mark credentials `"secret": true`.
            - Write a short Markdown summary to the file `$AO_SUMMARY` (at most 40 lines: counts, top N, what failed
              and why). It is all the caller reads; stdout and stderr go to log files.
            - Append `key=value` lines to the file `$AO_OUTPUT` for structured outputs.
            - Exit 0 when every item succeeded, 1 when any item failed, 2 on bad input (before doing anything).
            - List every program it calls in `demands.binaries` (e.g. `["kubectl", "python3"]`) and every env var it
              needs in `demands.env`.
            - Python: standard library only. Bash: `set -u -o pipefail`, no `set -e` (one failing item must not stop
              the loop), quote every expansion.
            """;

    static final String FORMAT = """
            ## Your answer

            Answer with exactly one JSON object and nothing else (a ```json fenced block is fine):

            {"script_json": { ...the whole script.json... }, "script_file_name": "restart_crashloops.py", "script": "...the whole script..."}

            script.json keys: `name` (lowercase-hyphenated), `description` (one sentence: what it does and when to use
            it), `script_file` (= script_file_name), `parameters_schema`, `demands` (`binaries`, `env`, `network`),
            `timeout` (seconds), `risk` (`approval_required` for anything that changes state). No other keys.
            Give parameters that change state a `dry_run` boolean where it makes sense.
            """;

    static String system(SkillTemplates templates, List<String> extensions) {
        return "You write one script that does a whole operational job for ao, a tool that runs scripts in a sandbox and "
                + "hands back only their summary. Allowed script files: " + String.join(", ", extensions) + ".\n\n"
                + directive(templates) + "\n\n" + CONTRACT + "\n" + FORMAT;
    }

    /** The SCRIPT-FIRST block, as the templates carry it (a project's own template wins). */
    static String directive(SkillTemplates templates) {
        String t = templates.load(SkillTemplates.SKILL_TEMPLATE);
        int a = t.indexOf(BEGIN);
        int b = t.indexOf(END);
        if (a < 0 || b < a) return "";
        return t.substring(a, b + END.length());
    }

    static String task(String task, String lang, List<Skill> skills, int skillBytes, int specBytes) {
        StringBuilder sb = new StringBuilder();
        sb.append("Task: ").append(task.strip()).append("\n\n");
        sb.append(lang == null ? "Language: Python unless a short bash script is clearly simpler.\n"
                : "Language: " + lang + " (" + SkillTemplates.Lang.parse(lang).extension + ").\n");
        if (!skills.isEmpty()) {
            sb.append("\nSkills of this project that may say how to do it (follow their advice; reuse their commands):\n");
            for (Skill s : skills) {
                sb.append("\n### skill ").append(s.id()).append(" (").append(s.skillFile().getFileName()).append(")\n\n");
                sb.append(bounded(read(s.skillFile()), skillBytes)).append('\n');
                if (s.runnable()) {
                    sb.append("\nIts script.json:\n```json\n").append(bounded(read(s.specFile()), specBytes)).append("\n```\n");
                }
            }
        }
        return sb.toString();
    }

    static String retry(String error) {
        return "Your answer failed validation:\n\n" + error + "\n\nAnswer again with the whole corrected JSON object.";
    }

    static String skillMarkdown(SkillTemplates templates, String name, String id, String description, String task, String model,
                                ScriptSpec spec) {
        String head = SkillTemplates.render("""
                ---
                name: "{{name}}"
                description: "{{description}}"
                tags:
                  - draft
                script_first: true
                ---
                """, Map.of("name", name, "description", description), true);
        StringBuilder sb = new StringBuilder(head);
        sb.append("\n# ").append(id).append("\n\n");
        sb.append("Drafted by `ao write` with ").append(model).append(" for the task:\n\n");
        task.strip().lines().forEach(l -> sb.append("> ").append(l).append('\n'));
        sb.append("\nRead `").append(spec.scriptFile().getFileName()).append("` before you trust it. It needs approval to run ")
                .append("(`risk: approval_required` in script.json) until you change that.\n\n");
        String d = directive(templates);
        if (!d.isEmpty()) sb.append(d).append("\n\n");
        sb.append("## Parameters\n\n");
        List<ParameterDoc> params = ParameterDoc.of(spec.parametersSchema());
        if (params.isEmpty()) sb.append("None.\n");
        for (ParameterDoc p : params) {
            sb.append("- `").append(p.name()).append("` (").append(p.type()).append(p.required() ? ", required" : "")
                    .append(p.defaultValue() != null ? ", default " + p.defaultValue() : "").append(")")
                    .append(p.description() == null || p.description().isBlank() ? "" : ": " + p.description().strip()).append('\n');
        }
        sb.append("\n## Run\n\n```sh\nao run ").append(id).append(params.stream().filter(ParameterDoc::required)
                .map(p -> " -p " + p.name() + "=...").reduce("", String::concat)).append(" --approve\n```\n");
        return sb.toString();
    }

    private static String read(java.nio.file.Path f) {
        try {
            return Files.readString(f);
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static String bounded(String s, int max) {
        return s.length() <= max ? s.strip() : s.substring(0, max) + "\n… (cut)";
    }
}
