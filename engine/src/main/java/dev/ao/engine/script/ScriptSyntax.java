package dev.ao.engine.script;

import dev.ao.engine.exec.Binaries;
import dev.ao.engine.exec.ProcessSupervisor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of a script file, checked by its own interpreter: Python's {@code compile()}, {@code bash -n},
 * {@code node --check}. Each only parses the file and runs none of it, so this may look at scripts from a source.
 * An interpreter that is not installed checks nothing (the run itself reports the missing demand).
 */
public final class ScriptSyntax {
    /** A syntax error at {@code line} (0: unknown). */
    public record Error(int line, String message) {}

    private static final String PYTHON = """
            import sys
            p = sys.argv[1]
            try:
                compile(open(p, 'rb').read(), p, 'exec')
            except SyntaxError as e:
                print(e.lineno or 0); print(e.msg); sys.exit(1)
            except ValueError as e:
                print(0); print(e); sys.exit(1)
            """;
    private static final Pattern BASH = Pattern.compile(": line (\\d+): (.*)$");
    private static final Pattern NODE_AT = Pattern.compile(":(\\d+)$");

    private ScriptSyntax() {}

    public static Optional<Error> check(Path script) {
        String f = script.getFileName().toString();
        String pathEnv = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        Map<String, String> env = Map.of("PATH", pathEnv, "LC_ALL", "C.UTF-8");
        Duration limit = Duration.ofSeconds(20);
        if (f.endsWith(".py")) {
            if (Binaries.which("python3", pathEnv).isEmpty()) return Optional.empty();
            ProcessSupervisor.Captured c = ProcessSupervisor.capture(List.of("python3", "-I", "-c", PYTHON, script.toString()), env, limit);
            if (c.exitCode() != 1) return Optional.empty();
            List<String> l = c.stdout().lines().toList();
            if (l.size() < 2) return Optional.empty();
            return Optional.of(new Error(parse(l.get(0)), l.get(1).strip()));
        }
        if (f.endsWith(".sh")) {
            if (Binaries.which("bash", pathEnv).isEmpty()) return Optional.empty();
            ProcessSupervisor.Captured c = ProcessSupervisor.capture(List.of("bash", "-n", script.toString()), env, limit);
            if (c.exitCode() <= 0 || c.timedOut()) return Optional.empty();
            for (String l : c.stderr().lines().toList()) {
                Matcher m = BASH.matcher(l);
                if (m.find()) return Optional.of(new Error(parse(m.group(1)), m.group(2).strip()));
            }
            return Optional.of(new Error(0, c.stderr().lines().findFirst().orElse("bash -n failed").replace(script.toString() + ": ", "")));
        }
        if (f.endsWith(".js")) {
            if (Binaries.which("node", pathEnv).isEmpty()) return Optional.empty();
            ProcessSupervisor.Captured c = ProcessSupervisor.capture(List.of("node", "--check", script.toString()), env, limit);
            if (c.exitCode() <= 0 || c.timedOut()) return Optional.empty();
            List<String> l = c.stderr().lines().toList();
            int line = 0;
            if (!l.isEmpty()) {
                Matcher m = NODE_AT.matcher(l.get(0));
                if (m.find()) line = parse(m.group(1));
            }
            String msg = l.stream().filter(x -> x.matches("^[A-Za-z]*Error: .*")).findFirst().orElse("node --check failed");
            return Optional.of(new Error(line, msg.strip()));
        }
        return Optional.empty();
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
