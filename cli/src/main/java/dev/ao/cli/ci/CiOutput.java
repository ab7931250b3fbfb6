package dev.ao.cli.ci;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.ci.CiTarget;
import dev.ao.engine.ci.GithubReport;
import dev.ao.engine.ci.GitlabReport;
import dev.ao.engine.ci.JunitReport;
import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where {@code ao run} puts what the engine's CI writers produce: workflow commands on stderr (the runner reads
 * both streams; stdout stays the summary or JSON), {@code $GITHUB_STEP_SUMMARY}, {@code $GITHUB_OUTPUT}, the GitLab
 * dotenv file and the JUnit report.
 */
public final class CiOutput {
    /** The dotenv file GitLab jobs name in {@code artifacts:reports:dotenv} when {@code --dotenv} is not given. */
    public static final String DEFAULT_DOTENV = "ao.env";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CiTarget target;
    private final Map<String, String> env;
    private final Path junit;
    private final Path dotenv;
    private final PrintWriter err;
    private final Instant started = Instant.now();

    private CiOutput(CiTarget target, Map<String, String> env, Path junit, Path dotenv, PrintWriter err) {
        this.target = target;
        this.env = env;
        this.junit = junit;
        this.dotenv = dotenv;
        this.err = err;
    }

    /** {@code --ci}, {@code --junit}, {@code --dotenv} as given (relative paths from {@code cwd}). */
    public static CiOutput of(String ci, Path junit, Path dotenv, Map<String, String> env, Path cwd, PrintWriter err) {
        CiTarget t = CiTarget.of(ci, env);
        Path dot = dotenv != null ? cwd.resolve(dotenv) : t == CiTarget.GITLAB ? cwd.resolve(DEFAULT_DOTENV) : null;
        return new CiOutput(t, env, junit == null ? null : cwd.resolve(junit), dot, err);
    }

    public CiTarget target() {
        return target;
    }

    private static String random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Masks every secret value in the CI log; call before anything else is printed. */
    public void mask(List<String> secrets) {
        if (target != CiTarget.GITHUB) return;
        GithubReport.masks(secrets).forEach(err::println);
        err.flush();
    }

    /** Log lines to show, in a collapsed group (GitHub) or section (GitLab), else as they are. */
    public List<String> log(String title, List<String> lines) {
        return switch (target) {
            case GITHUB -> GithubReport.group(title, lines, random());
            case GITLAB -> GitlabReport.section("ao_" + title.replaceAll("\\W+", "_"), title, lines,
                    started.getEpochSecond(), Instant.now().getEpochSecond());
            case NONE -> lines;
        };
    }

    /** The summary's lines, with runner commands switched off around them on GitHub. */
    public List<String> summary(String text) {
        List<String> lines = text.lines().toList();
        return target == CiTarget.GITHUB ? GithubReport.verbatim(lines, random()) : lines;
    }

    /** After the run ended: annotations, step summary, outputs, dotenv, JUnit. Trouble is a warning, never lost output. */
    public void finished(RunRecord r, List<String> stderrTail, Consumer<String> warn) {
        if (target == CiTarget.GITHUB) {
            GithubReport.errors(GithubReport.failures(r)).forEach(err::println);
            err.flush();
            append(env.get("GITHUB_STEP_SUMMARY"), "GITHUB_STEP_SUMMARY", GithubReport.stepSummary(r), warn);
            append(env.get("GITHUB_OUTPUT"), "GITHUB_OUTPUT", GithubReport.outputs(GithubReport.outputValues(r), CiOutput::random), warn);
        }
        if (dotenv != null) {
            GitlabReport.Dotenv d = GitlabReport.dotenv(r);
            if (!d.refused().isEmpty()) {
                warn.accept("dotenv: left out output(s) " + String.join(", ", d.refused())
                        + " (a dotenv value is one line; a name is letters, digits and _)");
            }
            writeDotenv(d.text(), warn);
        }
        if (junit != null) {
            String host = env.getOrDefault("HOSTNAME", "");
            String xml = JunitReport.xml(r.label(), host, r.startedAt() != null ? Instant.parse(r.startedAt()) : Instant.parse(r.createdAt()),
                    List.of(JunitReport.of(r, stderrTail)));
            try {
                if (junit.getParent() != null) Files.createDirectories(junit.getParent());
                RunStore.writeAtomically(junit, xml.getBytes(StandardCharsets.UTF_8));
            } catch (IOException | AoException e) {
                throw new AoException(ExitCode.FAILED, junit + ": cannot write the JUnit report: " + e.getMessage());
            }
        }
    }

    private static void append(String file, String var, String text, Consumer<String> warn) {
        if (file == null || file.isBlank()) {
            warn.accept("$" + var + " is not set: not written (is this a GitHub Actions step?)");
            return;
        }
        try {
            Files.writeString(Path.of(file), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            warn.accept("$" + var + " (" + file + "): cannot append: " + e.getMessage());
        }
    }

    /** Replaces this run's keys in the dotenv file, keeping other lines (several ao runs in one job), atomically. */
    private void writeDotenv(String text, Consumer<String> warn) {
        Map<String, String> lines = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(dotenv)) {
                for (String l : Files.readAllLines(dotenv, StandardCharsets.UTF_8)) {
                    int eq = l.indexOf('=');
                    if (eq > 0) lines.put(l.substring(0, eq), l);
                }
            }
        } catch (IOException e) {
            warn.accept(dotenv + ": cannot read, replacing it: " + e.getMessage());
        }
        for (String l : text.lines().toList()) lines.put(l.substring(0, l.indexOf('=')), l);
        List<String> out = new ArrayList<>(lines.values());
        try {
            if (dotenv.getParent() != null) Files.createDirectories(dotenv.getParent());
            RunStore.writeAtomically(dotenv, (String.join("\n", out) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | AoException e) {
            warn.accept(dotenv + ": cannot write the dotenv file: " + e.getMessage());
        }
    }
}
