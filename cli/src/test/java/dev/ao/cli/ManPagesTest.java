package dev.ao.cli;

import dev.ao.testkit.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The man pages ao writes from its command tree, rendered by the real man (man-db, groff underneath; .ci/run installs it). */
class ManPagesTest {
    @TempDir Path dir;

    /** The pages as man renders them; any warning man or groff gives is on stderr. */
    private static String man(List<Path> pages, List<String> warnings) {
        List<String> cmd = new ArrayList<>(List.of("man", "--warnings", "-l"));
        pages.forEach(p -> cmd.add(p.toString()));
        Processes.Result r = Processes.run(cmd, Map.of("PATH", "/usr/bin:/bin", "MANWIDTH", "80", "LC_ALL", "C.UTF-8", "MANPAGER", "cat"),
                null, Duration.ofSeconds(120));
        assertThat(r.ok()).as(r.toString()).isTrue();
        if (!r.stderr().isBlank()) warnings.add(r.stderr().strip());
        return r.stdout();
    }

    @Test
    void everyCommandHasAPageThatRendersWithoutWarnings() throws Exception {
        Context ctx = new Context(dir, Map.of("HOME", dir.toString()), Terminal.PLAIN);
        Path out = dir.resolve("man1");
        List<Path> pages = ManPages.write(CommandFactory.create(ctx), out, "9.8.7");
        List<String> names = pages.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).startsWith("ao.1").contains("ao-run.1", "ao-runs.1", "ao-runs-list.1", "ao-skill-show.1", "ao-completion.1")
                .doesNotContain("ao-__man.1", "ao-__complete.1", "ao-__warmup.1", "ao-runs-ls.1");
        try (var s = Files.list(out)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("."))).as("no temporary file left").isEmpty();
        }
        List<String> warnings = new ArrayList<>();
        // every page through groff with all its warnings on (one process: man takes a second a page)
        List<String> groff = new ArrayList<>(List.of("groff", "-man", "-Tutf8", "-ww", "-z"));
        pages.forEach(p -> groff.add(p.toString()));
        Processes.Result all = Processes.run(groff, Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C.UTF-8"), null, Duration.ofSeconds(120));
        assertThat(all.ok()).as(all.toString()).isTrue();
        assertThat(all.stderr()).isEmpty();

        String run = man(List.of(out.resolve("ao-run.1")), warnings);
        assertThat(run).contains("ao-run - Run a skill's script", "SYNOPSIS", "OPTIONS", "--timeout SECONDS",
                "Kill the run after this many seconds", "EXIT STATUS", "124  the run timed out", "ao 9.8.7");
        // the examples are kept as written, never refilled
        assertThat(run).contains("\n         ao run logs/error-summary -p path=skills/logs/error-summary/sample/app.log\n");
        String root = man(List.of(out.resolve("ao.1")), warnings);
        assertThat(root).contains("COMMANDS", "see ao-runs(1)").doesNotContain("__warmup");
        String list = man(List.of(out.resolve("ao-runs-list.1")), warnings);
        assertThat(warnings).isEmpty();
        assertThat(list).contains("ao-runs-list", "ao runs list", "ls").contains("ao-runs(1)");
    }

    @Test
    void helpTextThatLooksLikeRoffIsPrintedAsText() throws Exception {
        picocli.CommandLine.Model.CommandSpec spec = picocli.CommandLine.Model.CommandSpec.create().name("evil");
        spec.usageMessage().description(".SH INJECTED", "back\\fBslash and 'quote -x");
        spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("--dash-y").type(boolean.class).description(".br dot").build());
        new picocli.CommandLine(spec);
        Path page = dir.resolve("evil.1");
        Files.writeString(page, ManPages.page(spec, "1"));
        List<String> warnings = new ArrayList<>();
        String text = man(List.of(page), warnings);
        assertThat(warnings).isEmpty();
        assertThat(text).contains(".SH INJECTED back\\fBslash and 'quote -x", "--dash-y", ".br dot").doesNotContain("\nINJECTED");
    }

    @Test
    void textThatLooksLikeRoffStaysText() {
        assertThat(ManPages.escape(".TH evil")).isEqualTo("\\&.TH evil");
        assertThat(ManPages.escape("'br")).isEqualTo("\\&'br");
        assertThat(ManPages.escape("a\\fBb -x --y")).isEqualTo("a\\efBb \\-x \\-\\-y");
        assertThat(ManPages.escape("bell\u0007\nline")).isEqualTo("bellline");
    }
}
