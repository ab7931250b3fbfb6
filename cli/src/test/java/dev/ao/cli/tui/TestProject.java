package dev.ao.cli.tui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A throwaway ao project with a few skills, under the cli module's target/ (runs execute in a sandbox that hides
 * /tmp, so a project there would be invisible to its own scripts).
 */
final class TestProject {
    final Path root;
    final Path home;

    private TestProject(Path root, Path home) {
        this.root = root;
        this.home = home;
    }

    static TestProject create(String name) throws IOException {
        Path base = Path.of("target", "tui-tests", name + "-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Path root = base.resolve("project");
        Path home = base.resolve("home");
        Files.createDirectories(home);
        write(root.resolve("dotcodex/config.toml"), """
                [skills]
                paths = ["skills"]
                """);
        write(root.resolve("skills/demo/hello/SKILL.md"), """
                ---
                name: hello
                description: Greets someone by name
                tags: [demo, greeting]
                ---
                # Hello

                Says **hello** to `name`, then writes the greeting as its summary.

                - prints a few lines to stdout
                - writes $AO_SUMMARY
                """);
        write(root.resolve("skills/demo/hello/script.json"), """
                {"name": "hello", "description": "Greets someone", "script_file": "hello.sh",
                 "parameters_schema": {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string", "description": "who to greet"},
                                  "loud": {"type": "boolean", "default": false},
                                  "color": {"type": "string", "enum": ["red", "blue"]}}},
                 "demands": {"binaries": ["bash"]}, "timeout": 60}
                """);
        write(root.resolve("skills/demo/hello/hello.sh"), """
                #!/usr/bin/env bash
                echo "starting for $AO_PARAM_NAME"
                for i in 1 2 3; do echo "step $i"; done
                echo "hello $AO_PARAM_NAME" > "$AO_SUMMARY"
                echo "done"
                """);
        write(root.resolve("skills/demo/slow/SKILL.md"), """
                ---
                name: slow
                description: Ticks twice a second, for watching and cancelling a live run
                tags: [demo]
                ---
                Ticks.
                """);
        write(root.resolve("skills/demo/slow/script.json"), """
                {"name": "slow", "script_file": "slow.sh",
                 "parameters_schema": {"type": "object", "properties": {"n": {"type": "integer", "default": 600}}},
                 "timeout": 600}
                """);
        write(root.resolve("skills/demo/slow/slow.sh"), """
                #!/usr/bin/env bash
                for i in $(seq 1 "$AO_PARAM_N"); do echo "tick $i"; sleep 0.5; done
                """);
        write(root.resolve("skills/demo/guarded/SKILL.md"), """
                ---
                name: guarded
                description: Needs a person's approval before it runs
                tags: [demo, risky]
                ---
                Approve me.
                """);
        write(root.resolve("skills/demo/guarded/script.json"), """
                {"name": "guarded", "script_file": "guarded.sh", "risk": "approval_required",
                 "parameters_schema": {"type": "object", "properties": {"target": {"type": "string", "default": "prod"}}}}
                """);
        write(root.resolve("skills/demo/guarded/guarded.sh"), """
                #!/usr/bin/env bash
                # restarts everything in $AO_PARAM_TARGET
                echo "approved and ran against $AO_PARAM_TARGET" > "$AO_SUMMARY"
                """);
        write(root.resolve("skills/notes/kube/SKILL.md"), """
                ---
                name: kubernetes-notes
                description: How we roll out on Kubernetes
                tags: [k8s, notes]
                ---
                # Rollouts

                Use kubectl rollout status.
                """);
        return new TestProject(root, home);
    }

    static void write(Path f, String text) throws IOException {
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    /** The environment ao sees: its own HOME and state, the real PATH. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv("PATH"));
        env.put("LANG", "C.UTF-8");
        env.put("USER", "tester");
        env.put("XDG_STATE_HOME", home.resolve(".local/state").toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        return env;
    }

    Path runs() {
        return root.resolve(".ao/runs");
    }
}
