package dev.ao.engine.workflow;

import dev.ao.engine.AoException;
import dev.ao.engine.workflow.Workflow.Job;
import dev.ao.engine.workflow.Workflow.Retry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowGraphTest {
    @TempDir
    Path dir;

    private Workflow parse(String yaml) throws Exception {
        Path f = dir.resolve("workflow.yml");
        Files.writeString(f, yaml);
        return WorkflowParser.parse(f);
    }

    private static final String DIAMOND = """
            name: diamond
            jobs:
              report: {needs: [left, right], uses: r}
              left: {needs: root, uses: l}
              root: {uses: s}
              lone: {uses: z}
              right: {needs: root, uses: r}
            """;

    @Test
    void orderIsByStageThenFileOrder() throws Exception {
        WorkflowGraph g = WorkflowGraph.of(parse(DIAMOND));

        assertThat(g.order()).containsExactly("root", "lone", "left", "right", "report");
        assertThat(g.stage("root")).isEqualTo(1);
        assertThat(g.stage("lone")).isEqualTo(1);
        assertThat(g.stage("right")).isEqualTo(2);
        assertThat(g.stage("report")).isEqualTo(3);
        assertThat(g.needsOf("report")).containsExactly("left", "right");
        assertThat(g.dependents("root")).containsExactly("left", "right");
        assertThat(g.dependents("report")).isEmpty();
        assertThat(g.ancestors("report")).containsExactly("root", "left", "right");
        assertThat(g.ancestors("root")).isEmpty();
        assertThatThrownBy(() -> g.needsOf("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void textShowsOneJobPerLineByStage() throws Exception {
        String text = WorkflowGraph.of(parse(WorkflowParserTest.HEAL)).text();
        assertThat(text).isEqualTo("""
                heal-crashloops
                  1  find                 k8s/crashloop-find
                  2  restart  <- find     k8s/bulk-restart  [if, for_each, max_parallel 5, approval, retry 3, timeout 120s]
                  3  verify   <- restart  run: python  [if]
                """);
    }

    @Test
    void dotQuotesEveryStringSoTheNameCannotBreakOut() throws Exception {
        Workflow w = parse("""
                name: "evil\\" ]; \\"x\\\\\\nnext"
                jobs:
                  a: {uses: "k8s/find"}
                  b: {needs: a, shell: bash, run: echo}
                """);
        assertThat(w.name()).isEqualTo("evil\" ]; \"x\\\nnext");
        assertThat(WorkflowGraph.of(w).dot()).isEqualTo("""
                digraph "evil\\" ]; \\"x\\\\ next" {
                  rankdir=LR;
                  node [shape=box];
                  "a" [label="a\\nk8s/find"];
                  "b" [label="b\\nrun: bash"];
                  "a" -> "b";
                }
                """);
    }

    @Test
    void ofRefusesUnknownNeedsAndCyclesInAWorkflowBuiltInCode() {
        Path file = dir.resolve("built.yml");
        Map<String, Integer> lines = Map.of("/jobs/a", 3, "/jobs/a/needs", 4, "/jobs/b", 6, "/jobs/b/needs", 7, "/jobs/c/needs", 9);
        Map<String, Job> jobs = new LinkedHashMap<>();
        jobs.put("a", job("a", List.of("b")));
        jobs.put("b", job("b", List.of("a")));
        jobs.put("c", job("c", List.of("ghost")));
        Workflow w = new Workflow(file, "built", "", null, null, null, null, null, "auto", jobs, Map.of(), null,
                new Workflow.Lines(file, lines));

        assertThatThrownBy(() -> WorkflowGraph.of(w)).isInstanceOf(AoException.class).hasMessage(
                file + ":4: jobs.a.needs: needs go round in a cycle a -> b -> a (each needs the next): none of them could ever start\n"
                        + file + ":9: jobs.c.needs[0]: no job 'ghost' in this workflow (jobs: a, b, c)");
    }

    @Test
    void cyclesAreFoundOnePerKnotShortestFirstJobFirst() {
        Map<String, List<String>> needs = new LinkedHashMap<>();
        needs.put("x", List.of());
        needs.put("b", List.of("c"));
        needs.put("c", List.of("d", "b"));
        needs.put("d", List.of("b"));
        needs.put("e", List.of("e", "x"));
        assertThat(WorkflowGraph.cycles(needs)).containsExactly(List.of("b", "c", "b"), List.of("e", "e"));
    }

    @Test
    void aLongChainIsNoProblem() {
        Map<String, Job> jobs = new LinkedHashMap<>();
        jobs.put("j0", job("j0", List.of()));
        for (int i = 1; i < 20_000; i++) jobs.put("j" + i, job("j" + i, List.of("j" + (i - 1))));
        Path file = dir.resolve("long.yml");
        Workflow w = new Workflow(file, "long", "", null, null, null, null, null, "auto", jobs, Map.of(), null,
                new Workflow.Lines(file, Map.of()));
        WorkflowGraph g = WorkflowGraph.of(w);
        assertThat(g.stage("j19999")).isEqualTo(20_000);
        assertThat(g.order().get(19_999)).isEqualTo("j19999");
    }

    private static Job job(String id, List<String> needs) {
        return new Job(id, 0, needs, "x/y", Map.of(), null, null, null, null, null, null, Retry.NONE, false, false, null, null, "local");
    }
}
