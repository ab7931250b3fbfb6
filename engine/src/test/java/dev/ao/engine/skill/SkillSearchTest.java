package dev.ao.engine.skill;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SkillSearchTest {

    private static Skill skill(String id, String description, List<String> tags, String body) {
        String text = "---\nname: " + id.substring(id.lastIndexOf('/') + 1) + "\ndescription: \"" + description + "\"\ntags: ["
                + String.join(", ", tags) + "]\n---\n" + body;
        return SkillParser.parse(Path.of("/lib").resolve(id), id, null, text);
    }

    /** A library shaped like the bundled one: several restart skills competing for the same words. */
    static List<Skill> library() {
        List<Skill> l = new ArrayList<>();
        l.add(skill("k8s/bulk-restart", "Rollout-restart every Kubernetes deployment in a namespace that matches a label selector, in parallel, recording per-deployment failures; dry run lists what would restart.",
                List.of("kubernetes", "deployments", "restart"),
                "# k8s/bulk-restart\n\n## When to use\n\n- Restart a set of deployments together: pick up a rotated Secret or ConfigMap.\n"
                        + "- Any time you would type `kubectl rollout restart deployment/...` more than twice.\n\n## When not to use\n\n"
                        + "- Only the pods that are failing: use `k8s/crashloop-restart`.\n- One pod: `k8s/single-pod-restart`.\n"));
        l.add(skill("k8s/crashloop-restart", "Find every pod in CrashLoopBackOff across namespaces, group them by owning deployment and rollout-restart each deployment once, with restart counts and last termination reasons in the summary.",
                List.of("kubernetes", "pods", "crashloop", "restart", "triage"),
                "# k8s/crashloop-restart\n\n## When to use\n\n- \"Restart everything that is crash-looping in prod.\"\n"
                        + "- After a bad config push left pods crashing: restart the owners once, not each pod.\n"));
        l.add(skill("k8s/single-pod-restart", "Restart one pod by deleting it so its controller recreates it; for a single pod one command is cheaper than a script.",
                List.of("kubernetes", "pods", "restart"),
                "# k8s/single-pod-restart\n\nOne pod, one `kubectl delete pod`. Not script-first: a script does not pay for one command.\n"));
        l.add(skill("k8s/pod-cleanup", "Delete pods left in Evicted, Completed or Failed state across namespaces, oldest first, with a dry run and a count per namespace.",
                List.of("kubernetes", "pods", "cleanup"),
                "# k8s/pod-cleanup\n\nClears evicted and completed pods that clutter `kubectl get pods`.\n"));
        l.add(skill("logs/error-summary", "Summarise the errors in a log file of any size (streams it, bounded memory) - counts per error type, top N with a first-seen example line.",
                List.of("logs", "errors", "triage"),
                "# logs/error-summary\n\nWhat is going wrong in this log? Crashes, exceptions and timeouts grouped by type.\n"));
        l.add(skill("logs/cloudwatch-search", "Search one or many CloudWatch Logs groups with a filter pattern over a time window, following every page.",
                List.of("logs", "aws", "cloudwatch"), "# logs/cloudwatch-search\n\nHow many errors did the orders services log in the last hour?\n"));
        l.add(skill("aws/ec2-inventory", "Inventory the EC2 instances of one AWS region - counts by state, by instance type and by tag, with a CSV kept in the workspace.",
                List.of("aws", "ec2", "inventory"), "# aws/ec2-inventory\n\nWhat is running in us-east-1, of which types, and who owns it? Stopped and running instances.\n"));
        l.add(skill("core/orchestrator", "Compose several operations in one script: check health, then restart only what is unhealthy, in one run with one summary.",
                List.of("orchestration", "example"), "# core/orchestrator\n\nCheck every deployment, restart the unhealthy ones, report.\n"));
        return l;
    }

    private static String first(String query) {
        return new SkillSearch(library()).search(query, 1).get(0).skill().id();
    }

    @Test
    void restartCrashingPodsFindsCrashloopRestartFirst() {
        List<SkillSearch.Hit> hits = new SkillSearch(library()).search("restart crashing pods", 0);
        assertThat(hits.get(0).skill().id()).isEqualTo("k8s/crashloop-restart");
        assertThat(hits.get(0).matched()).containsExactly("restart", "crash", "pod");
        assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
        assertThat(hits).extracting(h -> h.skill().id()).doesNotContain("aws/ec2-inventory");
    }

    @Test
    void otherQueriesFindTheirSkill() {
        assertThat(first("crashloopbackoff")).isEqualTo("k8s/crashloop-restart");
        assertThat(first("restart deployments after rotating a secret")).isEqualTo("k8s/bulk-restart");
        assertThat(first("delete evicted pods")).isEqualTo("k8s/pod-cleanup");
        assertThat(first("summarize errors in a log file")).isEqualTo("logs/error-summary");
        assertThat(first("list ec2 instances by type")).isEqualTo("aws/ec2-inventory");
        assertThat(first("search cloudwatch logs")).isEqualTo("logs/cloudwatch-search");
        assertThat(first("restart one pod")).isEqualTo("k8s/single-pod-restart");
    }

    @Test
    void nameAndTagsWeighMoreThanTheBody() {
        Skill inBody = skill("a/alpha", "Something else", List.of("misc"), "This mentions widgets once.\n");
        Skill inName = skill("a/widgets", "Something else", List.of("misc"), "Nothing here.\n");
        List<SkillSearch.Hit> hits = new SkillSearch(List.of(inBody, inName)).search("widgets", 0);
        assertThat(hits).extracting(h -> h.skill().id()).containsExactly("a/widgets", "a/alpha");
    }

    @Test
    void noMatchAndStopWordsOnly() {
        SkillSearch s = new SkillSearch(library());
        assertThat(s.search("quantum teleportation", 0)).isEmpty();
        assertThat(s.search("how do I", 0)).isEmpty();
        assertThat(s.search("pods", 2)).hasSize(2);
    }

    @Test
    void stemming() {
        assertThat(SkillSearch.stem("crashing")).isEqualTo("crash");
        assertThat(SkillSearch.stem("crashes")).isEqualTo("crash");
        assertThat(SkillSearch.stem("crashed")).isEqualTo("crash");
        for (String w : List.of("restart", "restarts", "restarted", "restarting")) assertThat(SkillSearch.stem(w)).isEqualTo("restart");
        assertThat(SkillSearch.stem("pods")).isEqualTo("pod");
        assertThat(SkillSearch.stem("running")).isEqualTo("run");
        assertThat(SkillSearch.stem("deployments")).isEqualTo("deployment");
        assertThat(SkillSearch.stem("kubernetes")).isEqualTo(SkillSearch.stem("kubernete"));
        assertThat(SkillSearch.stem("status")).isEqualTo("status");
        assertThat(SkillSearch.stem("k8s")).isEqualTo("k8s");
    }

    @Test
    void tokensSplitCamelCaseAndPunctuation() {
        assertThat(SkillSearch.tokens("CrashLoopBackOff")).containsExactly("crash", "loop", "back", "off", "crashloopbackoff");
        assertThat(SkillSearch.tokens("k8s/crash-looping pods")).containsExactly("k8s", "crash", "loop", "pod");
        assertThat(SkillSearch.tokens("How do I restart the pods?")).containsExactly("restart", "pod");
    }
}
