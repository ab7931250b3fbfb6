package dev.ao.cli.bench;

import dev.ao.testkit.Ao;
import dev.ao.testkit.KubePeer;
import dev.ao.testkit.MotoServer;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much context ao saves an agent on the three seed cases. For each case: the bytes the agent would read
 * doing it command by command (the raw output of every kubectl/aws command it would run, or the raw log), against
 * the bytes ao hands back ({@code ao run SKILL -o json} on stdout: more than the MCP tool's text, so the ratio is a
 * floor). Real kubectl against the testkit's Kubernetes API peer, the real aws CLI against moto. Run: see bench/context.sh.
 */
public final class ContextBench {
    private ContextBench() {}

    record Row(String name, long naive, long ao, String how) {}

    public static void main(String[] args) throws Exception {
        long logBytes = args.length > 0 ? Long.parseLong(args[0]) : 1L << 30;
        List<Row> rows = new ArrayList<>();
        try (TestProject project = TestProject.create("context-bench")) {
            Path repo = Ao.repo();
            project.config("[skills]\npaths = [\"" + repo.resolve("skills") + "\", \"" + repo.resolve("dotcodex/skills") + "\"]\n");
            rows.addAll(kube(project));
            rows.add(log(project, logBytes));
            rows.add(ec2(project));
        }
        System.out.printf("%-44s %14s %10s %10s%n", "case", "naive bytes", "ao bytes", "saving");
        for (Row r : rows) System.out.printf("%-44s %14d %10d %9.0fx%n", r.name(), r.naive(), r.ao(), (double) r.naive() / r.ao());
        System.out.println();
        for (Row r : rows) System.out.println(r.name() + ": " + r.how());
    }

    private static long utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static Ao.Result ao(Ao ao, String... args) {
        Ao.Result r = ao.run(1800, args);
        if (r.exit() != 0) throw new IllegalStateException("ao " + String.join(" ", args) + ": " + r);
        return r;
    }

    /** (a) 50 deployments restarted: a list, then a rollout restart each. */
    private static List<Row> kube(TestProject project) throws Exception {
        try (KubePeer peer = new KubePeer().start()) {
            for (String ns : List.of("naive", "bench")) {
                peer.seedNamespace(ns);
                for (int i = 0; i < 50; i++) peer.seedDeployment(ns, "svc-" + i, Map.of("app", "svc-" + i, "tier", "web"), 1);
            }
            Path kubeconfig = peer.writeKubeconfig(project.home().resolve(".kube/config"));
            Map<String, String> env = new HashMap<>(Processes.baseEnv());
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("HOME", project.home().toString());
            long table = utf8(kubectl(env, project, "get", "deployments", "-n", "naive", "-l", "tier=web"));
            long json = utf8(kubectl(env, project, "get", "deployments", "-n", "naive", "-l", "tier=web", "-o", "json"));
            long restarts = 0;
            for (int i = 0; i < 50; i++) restarts += utf8(kubectl(env, project, "rollout", "restart", "deployment/svc-" + i, "-n", "naive"));
            Ao ao = project.ao();
            ao.env("KUBECONFIG", kubeconfig.toString());
            long back = utf8(ao(ao, "run", "k8s/bulk-restart", "-p", "namespace=bench", "-p", "selector=tier=web", "-o", "json").stdout());
            return List.of(
                    new Row("(a) 50 deployments, k8s/bulk-restart", json + restarts, back,
                            "kubectl get deployments -l tier=web -o json (" + json + " B) + 50 x kubectl rollout restart (" + restarts + " B)"),
                    new Row("(a') the same, list as a table", table + restarts, back,
                            "kubectl get deployments -l tier=web (" + table + " B) + 50 x kubectl rollout restart (" + restarts + " B)"));
        }
    }

    private static String kubectl(Map<String, String> env, TestProject project, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("kubectl");
        cmd.addAll(List.of(args));
        return Processes.run(cmd, env, project.root(), Duration.ofSeconds(60)).orThrow().stdout();
    }

    /** (b) a generated log summarized: the naive way reads it all. */
    private static Row log(TestProject project, long size) throws Exception {
        Path log = project.base().resolve("app.log");
        String[] kinds = {"TimeoutError: upstream payments did not answer in 5000 ms", "NullPointerException at OrderService.java:212",
                "ConnectionResetError: peer reset the connection", "KeyError: 'customer_id'", "ValueError: bad currency code 'XXX'"};
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            long written = 0;
            for (long i = 0; written < size; i++) {
                String line = i % 50 == 7
                        ? "2025-06-01T12:" + (i / 60 % 60) + ":" + (i % 60) + "Z ERROR [worker-" + i % 16 + "] " + kinds[(int) (i / 50 % kinds.length)] + " req=" + i + "\n"
                        : "2025-06-01T12:" + (i / 60 % 60) + ":" + (i % 60) + "Z INFO [worker-" + i % 16 + "] handled GET /api/orders/" + i + " in " + (i % 97) + " ms\n";
                w.write(line);
                written += line.length();
            }
        }
        project.giveToItUser();
        long raw = Files.size(log);
        long back = utf8(ao(project.ao(), "run", "logs/error-summary", "-p", "path=" + log, "-o", "json").stdout());
        Files.delete(log);
        return new Row("(b) " + (raw >> 20) + " MiB log, logs/error-summary", raw, back, "the raw log (" + raw + " B)");
    }

    /** (c) 50 EC2 instances inventoried: the naive way reads describe-instances. */
    private static Row ec2(TestProject project) throws Exception {
        try (MotoServer moto = MotoServer.start()) {
            Map<String, String> env = new HashMap<>(Processes.baseEnv());
            env.putAll(moto.env());
            env.put("AWS_MAX_ATTEMPTS", "1");
            env.put("HOME", project.home().toString());
            Map<String, Integer> types = Map.of("t3.micro", 20, "m5.large", 18, "c5.xlarge", 12);
            for (Map.Entry<String, Integer> t : types.entrySet()) {
                Processes.run(List.of("aws", "ec2", "run-instances", "--image-id", "ami-12c6146b", "--count", t.getValue().toString(),
                        "--instance-type", t.getKey(), "--tag-specifications", "ResourceType=instance,Tags=[{Key=team,Value="
                                + (t.getKey().startsWith("t3") ? "web" : "data") + "}]"), env, project.root(), Duration.ofSeconds(60)).orThrow();
            }
            long raw = utf8(Processes.run(List.of("aws", "ec2", "describe-instances"), env, project.root(), Duration.ofSeconds(60)).orThrow().stdout());
            Ao ao = project.ao();
            moto.env().forEach(ao::env);
            ao.env("AWS_MAX_ATTEMPTS", "1");
            long back = utf8(ao(ao, "run", "aws/ec2-inventory", "-p", "tag=team", "-o", "json").stdout());
            return new Row("(c) 50 EC2 instances, aws/ec2-inventory", raw, back, "aws ec2 describe-instances (" + raw + " B)");
        }
    }
}
