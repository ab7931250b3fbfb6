package dev.ao.engine.ci;

import dev.ao.testkit.CiFiles;

import dev.ao.engine.run.RunRecord;
import dev.ao.engine.run.RunState;
import org.junit.jupiter.api.Test;


import javax.xml.transform.stream.StreamSource;

import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CiReportsTest {

    static RunRecord ended(RunState s, Integer exit, String reason, String summary, Map<String, String> outputs) {
        return new RunRecord("20250101-000000-000-abcd", "ops/fix", "ops/fix", "/p/fix.py", "fix.py", null, s, exit, reason,
                "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-01-01T00:00:02Z", 2345L, 60, null, null, null, "/w", false,
                summary, false, outputs, "/r/stdout.log", "/r/stderr.log", null, "/p");
    }

    static Map<String, String> parseGithubOutput(String text) {
        return CiFiles.githubOutput(text).values();
    }

    static void validate(String xml) throws Exception {
        CiFiles.validateJunit(new StreamSource(new StringReader(xml)));
    }

    @Test
    void escapesDataAndPropertiesAsTheRunnerUnescapesThem() {
        assertThat(GithubReport.data("50%\r\nnext")).isEqualTo("50%25%0D%0Anext");
        assertThat(GithubReport.property("a:b,c%\n")).isEqualTo("a%3Ab%2Cc%25%0A");
        assertThat(GithubReport.masks(List.of("s3cr3t", "two\nlines!", "x"))).containsExactly(
                "::add-mask::s3cr3t", "::add-mask::two%0Alines!", "::add-mask::two", "::add-mask::lines!");
    }

    @Test
    void outputsUseAFreshDelimiterThatNeverOccursInTheValue() {
        Iterator<String> draws = List.of("aaa", "bbb", "ccc").iterator();
        Map<String, String> values = new LinkedHashMap<>();
        values.put("tricky", "line one\nghadelimiter_aaa\nend");
        values.put("plain", "x=y");
        String text = GithubReport.outputs(values, draws::next);
        assertThat(text).startsWith("tricky<<ghadelimiter_bbb\n");
        assertThat(parseGithubOutput(text)).isEqualTo(values);
    }

    @Test
    void errorsStopAtTenAndRollUpTheRest() {
        List<GithubReport.Failure> f = new ArrayList<>();
        for (int i = 0; i < 12; i++) f.add(new GithubReport.Failure("job, " + i + ": x", "boom\nline " + i));
        List<String> lines = GithubReport.errors(f);
        assertThat(lines).hasSize(11);
        assertThat(lines.get(0)).isEqualTo("::error title=job%2C 0%3A x::boom line 0");
        assertThat(lines.get(10)).startsWith("::error title=ao%3A 2 more failures::");
    }

    @Test
    void stepSummaryIsBoundedAndHeadedBySkillStateAndRun() {
        String huge = "row\n".repeat(100_000);
        String md = GithubReport.stepSummary(ended(RunState.FAILED, 3, "exit code 3", huge, Map.of()));
        assertThat(md).startsWith("### ❌ ops/fix · failed · run `20250101-000000-000-abcd`\n");
        assertThat(md.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(GithubReport.STEP_SUMMARY_MAX);
        assertThat(md).contains("exit code 3").contains("(cut;");
    }

    @Test
    void groupsSwitchOffCommandsAScriptPrinted() {
        List<String> g = GithubReport.group("stderr", List.of("::add-mask::x", "plain"), "tok");
        assertThat(g).containsExactly("::group::stderr", "::stop-commands::tok", "::add-mask::x", "plain", "::tok::", "::endgroup::");
    }

    @Test
    void gitlabSectionsAndDotenvRefusingMultiLineValues() {
        List<String> s = GitlabReport.section("ao stderr", "stderr of run x", List.of("l1"), 10, 12);
        assertThat(s).containsExactly("\u001b[0Ksection_start:10:ao_stderr[collapsed=true]\r\u001b[0Kstderr of run x", "l1",
                "\u001b[0Ksection_end:12:ao_stderr\r\u001b[0K");
        Map<String, String> outs = new LinkedHashMap<>();
        outs.put("count", "3");
        outs.put("bad-name", "1");
        GitlabReport.Dotenv d = GitlabReport.dotenv(ended(RunState.SUCCEEDED, 0, null, "ok", outs));
        assertThat(d.text()).isEqualTo("count=3\nAO_RUN_ID=20250101-000000-000-abcd\nAO_STATE=succeeded\nAO_EXIT_CODE=0\n");
        assertThat(d.refused()).containsExactly("bad-name");
    }

    @Test
    void junitForSuccessFailureTimeoutAndRejectionIsValidAndEscaped() throws Exception {
        String nasty = "bad <xml> & \"quotes\" \u0000\u0007\u001b[31m \uD800 ]]> end";
        List<JunitReport.Case> cases = List.of(
                JunitReport.of(ended(RunState.SUCCEEDED, 0, null, "all good", Map.of()), List.of()),
                rename(JunitReport.of(ended(RunState.FAILED, 3, "exit code 3\nsecond", nasty, Map.of()), List.of(nasty, "last")), "b"),
                rename(JunitReport.of(ended(RunState.TIMED_OUT, 124, "timed out after 1 s", "", Map.of()), List.of()), "c"),
                rename(JunitReport.of(ended(RunState.REJECTED, 126, "approval required", null, Map.of()), List.of()), "d"));
        String xml = JunitReport.xml("ops/fix", "host", Instant.parse("2025-01-01T00:00:00.123Z"), cases);
        validate(xml);
        assertThat(xml).contains("tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\"")
                .contains("timestamp=\"2025-01-01T00:00:00\"")
                .contains("<failure type=\"exit:3\" message=\"exit code 3 second\">bad &lt;xml&gt; &amp; \"quotes\"")
                .contains("<failure type=\"timed_out\"").contains("<skipped message=\"approval required\"/>")
                .contains("<property name=\"b.ao.run_id\"").doesNotContain("\u0000").doesNotContain("\u001b");
        assertThatThrownBy(() -> JunitReport.xml("s", "h", Instant.now(), List.of(cases.get(0), cases.get(0))))
                .hasMessageContaining("two JUnit test cases are named 'ops/fix'");
    }

    private static JunitReport.Case rename(JunitReport.Case c, String name) {
        return new JunitReport.Case(name, c.classname(), c.seconds(), c.outcome(), c.type(), c.message(), c.detail(), c.systemOut(),
                c.properties());
    }
}
