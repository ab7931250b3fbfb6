package dev.ao.engine.workflow;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.workflow.Workflow.Concurrency;
import dev.ao.engine.workflow.Workflow.Job;
import dev.ao.engine.workflow.Workflow.OnConflict;
import dev.ao.engine.workflow.Workflow.Retry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class WorkflowParserTest {
    /** The example of DESIGN.md "Workflows". */
    static final String HEAL = """
            name: heal-crashloops
            description: Restart the deployments whose pods crash-loop, then verify
            parameters_schema:            # exactly as in script.json; bound from -p
              type: object
              properties: {namespace: {type: string}, dry_run: {type: boolean, default: false}}
            concurrency: {group: "heal-${{ params.namespace }}", limit: 1, on_conflict: queue}
            max_parallel: 4               # workflow-wide default: cores
            jobs:
              find:
                uses: k8s/crashloop-find           # a skill id (script or workflow)
                with: {namespace: "${{ params.namespace }}"}
              restart:
                needs: [find]
                if: "${{ !params.dry_run }}"
                for_each: "${{ fromJSON(jobs.find.outputs.deployments) }}"
                max_parallel: 5
                approval: true
                retry: {attempts: 3, backoff: 2s, factor: 2, max_backoff: 1m, on: [failed, timed_out]}
                timeout: 120
                uses: k8s/bulk-restart
                with: {namespace: "${{ item.namespace }}", selector: "app=${{ item.name }}"}
              verify:
                needs: [restart]
                if: "${{ always() }}"
                shell: python
                run: |
                  import os; print("ok")
                runs_on: local                     # or k8s, or {runner: k8s, tags: [gpu]}
            summary: "Restarted ${{ size(jobs.restart.outputs) }} deployments"
            """;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ops/heal/workflow.yml");
    }

    private Path write(String yaml) throws Exception {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), yaml);
        return file();
    }

    private Workflow parse(String yaml) throws Exception {
        return WorkflowParser.parse(write(yaml));
    }

    /** The problems, a line each, with the file's path cut to FILE. */
    private List<String> problems(String yaml) throws Exception {
        Path f = write(yaml);
        AoException e = catchThrowableOfType(() -> WorkflowParser.parse(f), AoException.class);
        assertThat(e).as("refused:\n" + yaml).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        return e.getMessage().lines().map(l -> l.replace(f.toString(), "FILE")).toList();
    }

    private String problem(String yaml) throws Exception {
        List<String> p = problems(yaml);
        assertThat(p).as("one problem").hasSize(1);
        return p.get(0);
    }

    private static String job(String body) {
        return "name: w\njobs:\n  a:\n" + body.stripIndent().lines().map(l -> "    " + l).reduce("", (x, y) -> x + y + "\n");
    }

    // ---- a valid file ----

    @Test
    void theDesignExampleParsesToItsRecords() throws Exception {
        Workflow w = parse(HEAL);

        assertThat(w.file()).isEqualTo(file());
        assertThat(w.name()).isEqualTo("heal-crashloops");
        assertThat(w.description()).isEqualTo("Restart the deployments whose pods crash-loop, then verify");
        assertThat(w.parametersSchema().at("/properties/dry_run/default").asBoolean(true)).isFalse();
        assertThat(w.parametersSchema().at("/properties/namespace/type").asText()).isEqualTo("string");
        assertThat(w.concurrency()).isEqualTo(new Concurrency("heal-${{ params.namespace }}", 1, OnConflict.QUEUE));
        assertThat(w.maxParallel()).isEqualTo(4);
        assertThat(w.timeout()).isNull();
        assertThat(w.risk()).isEqualTo("auto");
        assertThat(w.approvalRequired()).isFalse();
        assertThat(w.outputsSchema()).isNull();
        assertThat(w.outputs()).isEmpty();
        assertThat(w.summary()).isEqualTo("Restarted ${{ size(jobs.restart.outputs) }} deployments");
        assertThat(w.jobs().keySet()).containsExactly("find", "restart", "verify");

        assertThat(w.jobs().get("find")).isEqualTo(new Job("find", 9, List.of(), "k8s/crashloop-find",
                Map.of("namespace", "${{ params.namespace }}"), null, null, null, null, null, null, Retry.NONE, false, false,
                null, null, "local"));

        Job restart = w.jobs().get("restart");
        assertThat(restart.line()).isEqualTo(12);
        assertThat(restart.needs()).containsExactly("find");
        assertThat(restart.ifExpr()).isEqualTo("${{ !params.dry_run }}");
        assertThat(restart.forEach()).isEqualTo("${{ fromJSON(jobs.find.outputs.deployments) }}");
        assertThat(restart.maxParallel()).isEqualTo(5);
        assertThat(restart.approval()).isTrue();
        assertThat(restart.retry()).isEqualTo(new Retry(3, 2_000, 2, 60_000, List.of("failed", "timed_out"), List.of()));
        assertThat(restart.timeout()).isEqualTo(120);
        assertThat(restart.uses()).isEqualTo("k8s/bulk-restart");
        assertThat(restart.inline()).isFalse();
        assertThat(restart.with()).containsExactly(Map.entry("namespace", "${{ item.namespace }}"),
                Map.entry("selector", "app=${{ item.name }}"));

        Job verify = w.jobs().get("verify");
        assertThat(verify.needs()).containsExactly("restart");
        assertThat(verify.ifExpr()).isEqualTo("${{ always() }}");
        assertThat(verify.inline()).isTrue();
        assertThat(verify.shell()).isEqualTo("python");
        assertThat(verify.run()).isEqualTo("import os; print(\"ok\")\n");
        assertThat(verify.uses()).isNull();
        assertThat(verify.with()).isEmpty();
        assertThat(verify.runsOn()).isEqualTo("local");

        assertThat(w.lines().of("/jobs/restart/if")).isEqualTo(14);
        assertThat(w.lines().of("/jobs/restart/retry/backoff")).isEqualTo(18);
        assertThat(w.lines().of("/jobs/restart/needs/0")).isEqualTo(13);
        assertThat(w.lines().at("/summary")).isEqualTo(file() + ":29: ");
    }

    @Test
    void everyOtherFormOfEachKeyIsRead() throws Exception {
        Workflow w = parse("""
                name: forms
                risk: approval_required
                timeout: 600
                concurrency: deploys
                outputs_schema: {type: object}
                outputs: {count: "${{ jobs.a.outputs.n }}", first: "x"}
                jobs:
                  a:
                    shell: bash
                    run: echo hi
                    outputs_schema: {type: object, properties: {n: {type: integer}}}
                    for_each: [1, "two", {three: 3}]
                    if: false
                    retry: 4
                    continue_on_error: true
                    runs_on: {runner: k8s, tags: [gpu]}
                    concurrency: {group: db, limit: 2, on_conflict: cancel-in-progress}
                    with:
                      n: 5
                      big: 12345678901
                      huge: 123456789012345678901234567890
                      f: 1.5
                      t: true
                      none: null
                      list: [a, 1]
                      map: {z: 1, a: 2}
                  b:
                    needs: a
                    uses: x/y
                    retry: {attempts: 2, on: [timed_out, 137], backoff: 500ms}
                    concurrency: {group: other}
                """);

        assertThat(w.approvalRequired()).isTrue();
        assertThat(w.timeout()).isEqualTo(600);
        assertThat(w.concurrency()).isEqualTo(new Concurrency("deploys", null, OnConflict.QUEUE));
        assertThat(w.outputsSchema().path("type").asText()).isEqualTo("object");
        assertThat(w.outputs()).containsExactly(Map.entry("count", "${{ jobs.a.outputs.n }}"), Map.entry("first", "x"));
        assertThat(w.parametersSchema().toString()).isEqualTo("{\"type\":\"object\",\"properties\":{}}");

        Job a = w.jobs().get("a");
        assertThat(a.outputsSchema().at("/properties/n/type").asText()).isEqualTo("integer");
        assertThat(a.forEach()).isEqualTo("${{ [1,\"two\",{\"three\":3}] }}");
        assertThat(a.ifExpr()).isEqualTo("false");
        assertThat(a.retry()).isEqualTo(new Retry(4, 1_000, 2, 60_000, List.of("failed", "timed_out"), List.of()));
        assertThat(a.continueOnError()).isTrue();
        assertThat(a.runsOn()).isEqualTo("k8s");
        assertThat(a.concurrency()).isEqualTo(new Concurrency("db", 2, OnConflict.CANCEL_IN_PROGRESS));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("n", 5);
        expected.put("big", 12345678901L);
        expected.put("huge", new BigInteger("123456789012345678901234567890"));
        expected.put("f", 1.5);
        expected.put("t", true);
        expected.put("none", null);
        expected.put("list", List.of("a", 1));
        expected.put("map", Map.of("z", 1, "a", 2));
        assertThat(a.with()).containsExactlyEntriesOf(expected);
        assertThat(((Map<?, ?>) a.with().get("map")).keySet().stream().map(Object::toString).toList()).containsExactly("z", "a");

        Job b = w.jobs().get("b");
        assertThat(b.needs()).containsExactly("a");
        // no 'failed' in on: only a failure with exit code 137 is retried
        assertThat(b.retry()).isEqualTo(new Retry(2, 500, 2, 60_000, List.of("timed_out"), List.of(137)));
        assertThat(b.concurrency()).isEqualTo(new Concurrency("other", null, OnConflict.QUEUE));
    }

    @Test
    void yaml12KeepsWhatLooksLikeTextAsText() throws Exception {
        Workflow w = parse("""
                name: no
                jobs:
                  a:
                    uses: x/y
                    with: {answer: no, code: 010, ok: yes, off: off, y: Y, tilde: ~, truth: True, hex: 0x1F, n: 5, t: true}
                    retry: {attempts: 2, on: [failed]}
                """);
        assertThat(w.name()).isEqualTo("no");
        Map<String, Object> with = w.jobs().get("a").with();
        assertThat(with).containsEntry("answer", "no").containsEntry("code", "010").containsEntry("ok", "yes")
                .containsEntry("off", "off").containsEntry("y", "Y").containsEntry("tilde", "~")
                .containsEntry("truth", "True").containsEntry("hex", "0x1F")
                .containsEntry("n", 5).containsEntry("t", true);
        // YAML 1.1 would have read the key 'on' as true
        assertThat(w.jobs().get("a").retry().onResults()).containsExactly("failed");
    }

    @Test
    void textIsParsedAsTheNamedFileWithoutOpeningIt() {
        Path nowhere = dir.resolve("nowhere/workflow.yml");
        Workflow w = WorkflowParser.parse(nowhere, "name: w\njobs: {a: {uses: x}}\n");
        assertThat(w.file()).isEqualTo(nowhere);
        assertThat(w.jobs().get("a").line()).isEqualTo(2);
        assertThatThrownBy(() -> WorkflowParser.parse(nowhere, "name: w\n")).hasMessage(nowhere + ":1: missing key 'jobs'");
    }

    @Test
    void aByteOrderMarkIsSkipped() throws Exception {
        assertThat(parse("\uFEFFname: w\njobs: {a: {uses: x}}\n").name()).isEqualTo("w");
    }

    // ---- problems, each FILE:LINE ----

    @Test
    void aYamlSyntaxErrorIsOneLineWithLineAndColumn() throws Exception {
        assertThat(problem("name: w\n  jobs: 1\n")).isEqualTo("FILE:2:7: not valid YAML: mapping values are not allowed here");
        assertThat(problem("name: w\njobs:\n  a: {uses: x\n")).startsWith("FILE:4:1: not valid YAML: ");
    }

    @Test
    void anUnknownTopLevelKeyNamesTheKnownOnes() throws Exception {
        assertThat(problem("name: w\non: push\njobs: {a: {uses: x}}\n")).isEqualTo("FILE:2: unknown key 'on' (known: concurrency, "
                + "description, jobs, max_parallel, name, outputs, outputs_schema, parameters_schema, risk, summary, timeout)");
    }

    @Test
    void anUnknownJobKeySaysWhatWasMeant() throws Exception {
        assertThat(problem(job("""
                uses: x
                neds: [b]
                """))).isEqualTo("FILE:5: jobs.a: unknown key 'neds' (did you mean 'needs'?)");
        assertThat(problem(job("""
                uses: x
                runs-on: k8s
                """))).isEqualTo("FILE:5: jobs.a: unknown key 'runs-on' (did you mean 'runs_on'?)");
        assertThat(problem(job("""
                uses: x
                wiht: {a: 1}
                """))).isEqualTo("FILE:5: jobs.a: unknown key 'wiht' (did you mean 'with'?)");
    }

    @Test
    void aJobHasExactlyOneOfUsesAndRun() throws Exception {
        assertThat(problem(job("""
                uses: x
                run: echo
                shell: bash
                """))).isEqualTo("FILE:3: jobs.a: has both uses and run; keep one (uses: a skill id, run: an inline script)");
        assertThat(problem(job("""
                timeout: 5
                """))).isEqualTo("FILE:3: jobs.a: needs uses (a skill id) or run (an inline script with shell)");
    }

    @Test
    void shellGoesWithRunAndOnlyWithRun() throws Exception {
        assertThat(problem(job("""
                timeout: 5
                run: echo
                """))).isEqualTo("FILE:5: jobs.a.run: needs shell: python, bash or node next to it");
        assertThat(problem(job("""
                uses: x
                shell: bash
                """))).isEqualTo("FILE:5: jobs.a.shell: goes with run only (a uses: job runs its skill as the skill says)");
        assertThat(problem(job("""
                uses: x
                outputs_schema: {type: object}
                """))).isEqualTo("FILE:5: jobs.a.outputs_schema: goes with run only (a uses: job has its skill's outputs)");
        assertThat(problem(job("""
                run: echo
                shell: zsh
                """))).isEqualTo("FILE:5: jobs.a.shell: must be one of python, bash, node, got 'zsh'");
    }

    @Test
    void aJobIdWithAHyphenIsRefusedSayingWhy() throws Exception {
        assertThat(problem("name: w\njobs:\n  find:\n    uses: x\n  heal-pods:\n    needs: find\n    uses: y\n")).isEqualTo(
                "FILE:5: jobs.heal-pods: not a valid job id: use letters, digits and _, not starting with a digit (expressions "
                        + "read jobs.<id>, and in ${{ jobs.heal-pods.outputs }} the '-' would be a subtraction); e.g. 'heal_pods'");
        assertThat(problem("name: w\njobs:\n  2nd:\n    uses: x\n")).startsWith("FILE:3: jobs.2nd: not a valid job id").endsWith("e.g. '_2nd'");
    }

    @Test
    void aDuplicateKeyNamesBothLines() throws Exception {
        assertThat(problem(job("""
                uses: x
                timeout: 5
                timeout: 6
                """))).isEqualTo("FILE:6: jobs.a: duplicate key 'timeout' (first at line 5); keep one");
        assertThat(problem("name: w\njobs: {a: {uses: x}}\nname: v\n")).isEqualTo("FILE:3: duplicate key 'name' (first at line 1); keep one");
    }

    @Test
    void retryIsChecked() throws Exception {
        assertThat(problem(job("""
                uses: x
                retry: 101
                """))).isEqualTo("FILE:5: jobs.a.retry: must be a number of attempts (1-100) or {attempts, backoff, factor, "
                + "max_backoff, on}, got 101");
        assertThat(problem(job("""
                uses: x
                retry: {attempts: 0}
                """))).isEqualTo("FILE:5: jobs.a.retry.attempts: must be at least 1, got 0");
        assertThat(problems(job("""
                uses: x
                retry:
                  attempts: 2
                  factor: 0.5
                  on: [failed, 256, crashed]
                """))).containsExactly(
                "FILE:7: jobs.a.retry.factor: must be at least 1, got 0.5",
                "FILE:8: jobs.a.retry.on[1]: must be failed, timed_out or an exit code 1-255, got 256",
                "FILE:8: jobs.a.retry.on[2]: must be failed, timed_out or an exit code 1-255, got 'crashed'");
    }

    @Test
    void aBadDurationSaysWhatADurationLooksLike() throws Exception {
        assertThat(problem(job("""
                uses: x
                retry:
                  attempts: 2
                  backoff: 2 seconds
                """))).isEqualTo("FILE:7: jobs.a.retry.backoff: must be a duration such as 500ms, 2s, 1m, 1h or a number of "
                + "seconds, got '2 seconds'");
        assertThat(problem(job("""
                uses: x
                retry: {attempts: 2, backoff: 1m, max_backoff: 10s}
                """))).isEqualTo("FILE:5: jobs.a.retry.max_backoff: is shorter than backoff (1m)");
    }

    @Test
    void aBadOnConflictListsTheChoices() throws Exception {
        assertThat(problem("name: w\nconcurrency:\n  group: g\n  on_conflict: wait\njobs: {a: {uses: x}}\n"))
                .isEqualTo("FILE:4: concurrency.on_conflict: must be one of queue, cancel-in-progress, fail, got 'wait'");
    }

    @Test
    void aNeedOfAnUnknownJobNamesTheJobs() throws Exception {
        assertThat(problem("name: w\njobs:\n  find:\n    uses: x\n  fix:\n    needs: [find, fnd]\n    uses: y\n"))
                .isEqualTo("FILE:6: jobs.fix.needs[1]: no job 'fnd' in this workflow (did you mean 'find'? jobs: find, fix)");
        assertThat(problem("name: w\njobs:\n  find:\n    uses: x\n  fix:\n    needs:\n      - find\n      - zzz\n    uses: y\n"))
                .isEqualTo("FILE:8: jobs.fix.needs[1]: no job 'zzz' in this workflow (jobs: find, fix)");
    }

    @Test
    void aCycleIsNamed() throws Exception {
        assertThat(problem("""
                name: w
                jobs:
                  a: {needs: b, uses: x}
                  b: {needs: [c], uses: x}
                  c: {needs: [a], uses: x}
                  d: {needs: [a], uses: x}
                """)).isEqualTo("FILE:3: jobs.a.needs: needs go round in a cycle a -> b -> c -> a (each needs the next): "
                + "none of them could ever start");
        assertThat(problem("name: w\njobs:\n  a: {uses: x}\n  self:\n    uses: x\n    needs: self\n"))
                .isEqualTo("FILE:6: jobs.self.needs: needs go round in a cycle self -> self (each needs the next): none of them "
                        + "could ever start");
    }

    @Test
    void everyProblemInAFileIsReportedAtOnceByLine() throws Exception {
        List<String> p = problems("""
                name: 5
                jobz: 1
                jobs:
                  find:
                    uses: x
                    timeout: 0
                  heal-pods:
                    run: echo
                    needs: [fnd]
                    retry: {attempts: 2, backoff: soon}
                  loop:
                    needs: loop
                    uses: y
                    shell: bash
                """);
        assertThat(p).containsExactly(
                "FILE:1: name: must be text, got 5",
                "FILE:2: unknown key 'jobz' (did you mean 'jobs'?)",
                "FILE:6: jobs.find.timeout: must be a whole number of seconds > 0, got 0",
                "FILE:7: jobs.heal-pods: not a valid job id: use letters, digits and _, not starting with a digit (expressions "
                        + "read jobs.<id>, and in ${{ jobs.heal-pods.outputs }} the '-' would be a subtraction); e.g. 'heal_pods'",
                "FILE:8: jobs.heal-pods.run: needs shell: python, bash or node next to it",
                "FILE:9: jobs.heal-pods.needs[0]: no job 'fnd' in this workflow (did you mean 'find'? jobs: find, heal-pods, loop)",
                "FILE:10: jobs.heal-pods.retry.backoff: must be a duration such as 500ms, 2s, 1m, 1h or a number of seconds, got 'soon'",
                "FILE:12: jobs.loop.needs: needs go round in a cycle loop -> loop (each needs the next): none of them could ever start",
                "FILE:14: jobs.loop.shell: goes with run only (a uses: job runs its skill as the skill says)");
    }

    @Test
    void missingAndEmptyPartsAreNamed() throws Exception {
        assertThat(problems("description: d\n")).containsExactly("FILE:1: missing key 'jobs'", "FILE:1: missing key 'name'");
        assertThat(problem("name: w\njobs: {}\n")).isEqualTo("FILE:2: jobs: must not be empty");
        assertThat(problem("- a\n- b\n")).isEqualTo("FILE:1: a workflow.yml must be a map of keys (name, jobs, ...), got a list");
        assertThat(problem("# nothing yet\n")).isEqualTo("FILE: is empty; a workflow needs at least name and jobs");
        assertThat(problem("name: w\njobs: {a: {uses: x}}\n---\nname: v\n")).isEqualTo(
                "FILE:4: a workflow.yml holds one YAML document; remove the second '---'");
    }

    @Test
    void anEmbeddedSchemaIsCheckedAsScriptJsonsIs() throws Exception {
        assertThat(problem("""
                name: w
                parameters_schema:
                  type: object
                  properties:
                    x: {$ref: "https://example.com/s.json"}
                jobs: {a: {uses: x}}
                """)).isEqualTo("FILE:5: parameters_schema.properties.x.$ref: only local references (#/...) are allowed, got "
                + "\"https://example.com/s.json\"");
        assertThat(problem(job("""
                run: echo
                shell: bash
                outputs_schema: {type: object, properties: {n: {pattern: "(("}}}
                """))).startsWith("FILE:6: jobs.a.outputs_schema.properties.n.pattern: not a valid regular expression");
    }

    // ---- files that must not be parsed at all ----

    @Test
    void aFileOverOneMebibyteIsRefusedUnread() throws Exception {
        String big = "name: w\njobs: {a: {uses: x}}\n" + ("# " + "x".repeat(98) + "\n").repeat(2 * 1024 * 1024 / 100);
        Path f = write(big);
        assertThatThrownBy(() -> WorkflowParser.parse(f)).isInstanceOf(AoException.class)
                .hasMessage(f + ": larger than 1024 KiB; a workflow.yml is refused past that");
        assertThatThrownBy(() -> WorkflowParser.parse(f, big)).hasMessage(f + ": larger than 1024 KiB; a workflow.yml is refused past that");
    }

    @Test
    void anAliasBombIsRefusedBeforeItExpands() throws Exception {
        StringBuilder bomb = new StringBuilder("name: w\njobs: {a: {uses: x}}\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 9; i++) {
            String prev = "*x" + (i - 1);
            bomb.append("x").append(i).append(": &x").append(i).append(" [").append(String.join(", ", java.util.Collections.nCopies(9, prev)))
                    .append("]\n");
        }
        String yaml = bomb.toString();
        // a guard against hanging, not a timing goal: expanded, this would be 9^10 values
        String p = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> problem(yaml));
        assertThat(p).isEqualTo("FILE: more than 10 aliases (*name) to lists or maps; write the values out");
    }

    @Test
    void anAliasToWhatContainsItIsRefused() throws Exception {
        assertThat(problem("name: w\njobs:\n  a:\n    uses: x\n    with: &w {self: *w}\n"))
                .isEqualTo("FILE:5: jobs.a.with.self: an alias (*name) refers to a value that contains it; write the value out");
    }

    @Test
    void aFewAliasesAreFine() throws Exception {
        Workflow w = parse("name: w\njobs:\n  a:\n    uses: x\n    with: &common {ns: prod}\n  b:\n    uses: y\n    with: *common\n");
        assertThat(w.jobs().get("b").with()).isEqualTo(Map.of("ns", "prod"));
    }

    @Test
    void textThatIsNotUtf8IsRefusedWithItsLine() throws Exception {
        byte[] head = "name: w\njobs:\n  a:\n    uses: caf".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(head, head.length + 2);
        bytes[head.length] = (byte) 0xe9;   // Latin-1 é
        bytes[head.length + 1] = '\n';
        Files.createDirectories(file().getParent());
        Files.write(file(), bytes);
        assertThatThrownBy(() -> WorkflowParser.parse(file())).isInstanceOf(AoException.class)
                .hasMessage(file() + ":4: not UTF-8 (byte 0xe9 at offset " + head.length + "); save the file as UTF-8");
    }

    @Test
    void unsupportedTagsAreNamed() throws Exception {
        assertThat(problem(job("""
                uses: x
                with: {a: !!binary aGk=}
                """))).isEqualTo("FILE:5: jobs.a.with.a: tag tag:yaml.org,2002:binary is not supported; remove it");
    }

    @Test
    void nestingTooDeepIsRefusedNotOverflowed() throws Exception {
        String deep = "name: w\njobs: {a: {uses: x}}\nx: " + "[".repeat(300_000) + "]".repeat(300_000) + "\n";
        assertThat(problem(deep)).startsWith("FILE").contains("nested");
        String lessDeep = "name: w\njobs: {a: {uses: x, with: {v: " + "[".repeat(100) + "]".repeat(100) + "}}}\n";
        assertThat(problem(lessDeep)).startsWith("FILE:2: jobs.a.with.v[0][0]").endsWith("[0]: nested more than 64 levels deep");
    }

    @Test
    void aFileOfGarbageShowsTheFirstFiftyProblemsAndCountsTheRest() throws Exception {
        StringBuilder yaml = new StringBuilder("name: w\njobs: {a: {uses: x}}\n");
        for (int i = 0; i < 80; i++) yaml.append("junk").append(i).append(": 1\n");
        List<String> p = problems(yaml.toString());
        assertThat(p).hasSize(51);
        assertThat(p.get(0)).isEqualTo("FILE:3: unknown key 'junk0' (known: concurrency, description, jobs, max_parallel, name, "
                + "outputs, outputs_schema, parameters_schema, risk, summary, timeout)");
        assertThat(p.get(50)).isEqualTo("FILE: ... and 30 more problems");
    }

    @Test
    void textFromTheFileCannotBreakTheLineOrTheTerminal() throws Exception {
        assertThat(problem("name: w\njobs: {a: {uses: x}}\n\"k\\e[2J\\nx\": 1\n")).startsWith("FILE:3: unknown key 'k\\u001b[2J\\nx' (");
        assertThat(problem("name: w\njobs: {a: {uses: x}}\n? " + "k".repeat(5000) + "\n: 1\n")).hasSize("FILE:3: ".length() + 500).endsWith("...");
    }
}
