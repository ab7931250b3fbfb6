package dev.ao.cli.command;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.cli.Context;
import dev.ao.cli.Json;
import dev.ao.cli.OutputOptions;
import dev.ao.cli.Table;
import dev.ao.engine.AoException;
import dev.ao.engine.SafeText;
import dev.ao.engine.k8s.Credentials;
import dev.ao.engine.k8s.K8sJobRun;
import dev.ao.engine.k8s.K8sSettings;
import dev.ao.engine.script.ScriptSpecReader;
import dev.ao.engine.skill.Skill;
import dev.ao.engine.skill.SkillCatalog;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code ao credentials}: push a credential to the k8s runner's namespace as a Secret, list them (never their values). */
@Command(name = "credentials", aliases = "creds", description = {"Push and list credentials for runs on Kubernetes.",
        "A credential is a Secret ao-cred-NAME in the [runners.k8s] namespace, labelled ao.dev/credential=NAME.",
        "A skill whose script.json says demands.credentials = [\"NAME\"] gets its keys as env vars and as files under /ao-credentials/NAME/ in its pod; their values are masked in the run's logs.",
        "Values are read from this process's env or from files, sent to the cluster and nowhere else."},
        subcommands = {CredentialsCommand.Push.class, CredentialsCommand.ListCreds.class})
public final class CredentialsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Checks {@code --runner}: k8s is the only runner that keeps credentials. */
    static void runner(String runner) {
        if (!"k8s".equals(runner)) throw AoException.usage("--runner " + runner + ": credentials are kept by the k8s runner only (--runner k8s)");
    }

    @Command(name = "push", description = {"Create or update the credential NAME from env vars and files.",
            "--from-env VAR stores key VAR with the value of env var VAR; --from-file PATH stores key = the file's name.",
            "An update replaces every key (optimistic concurrency: a concurrent change is read again, not overwritten blind)."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao credentials push aws-prod --from-env AWS_ACCESS_KEY_ID --from-env AWS_SECRET_ACCESS_KEY",
                    "  ao credentials push gcp --from-file ./sa.json"})
    static final class Push implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "The credential: 1-42 lowercase letters, digits and '-'.")
        String name;

        @Option(names = "--from-env", paramLabel = "VAR", description = "Store key VAR = the value of env var VAR (repeatable).")
        List<String> fromEnv = new ArrayList<>();

        @Option(names = "--from-file", paramLabel = "PATH", description = "Store key = file name, value = its content (repeatable).")
        List<Path> fromFile = new ArrayList<>();

        @Option(names = "--runner", paramLabel = "RUNNER", defaultValue = "k8s", description = "Where the credential goes: k8s (the default and only one).")
        String runner;

        Push(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            runner(runner);
            String secret = Credentials.secretName(name);
            if (fromEnv.isEmpty() && fromFile.isEmpty()) throw AoException.usage("credentials push " + name + ": give at least one --from-env VAR or --from-file PATH");
            Map<String, byte[]> data = new TreeMap<>();
            long total = 0;
            for (String var : fromEnv) {
                if (!Credentials.KEY.matcher(var).matches()) throw AoException.usage("--from-env " + SafeText.line(var) + ": not a valid key (letters, digits, '-', '_', '.')");
                String v = ctx.env().get(var);
                if (v == null) throw AoException.usage("--from-env " + var + ": env var " + var + " is not set");
                put(data, var, v.getBytes(java.nio.charset.StandardCharsets.UTF_8), "--from-env " + var);
            }
            for (Path p : fromFile) {
                Path f = ctx.cwd().resolve(p);
                String key = f.getFileName() == null ? "" : f.getFileName().toString();
                if (Files.isDirectory(f)) throw AoException.usage("--from-file " + p + ": is a directory; give one file per --from-file");
                if (!Credentials.KEY.matcher(key).matches()) throw AoException.usage("--from-file " + p + ": the file name '" + SafeText.line(key)
                        + "' is not a valid key (letters, digits, '-', '_', '.')");
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (NoSuchFileException e) {
                    throw AoException.usage("--from-file " + p + ": no such file");
                } catch (IOException e) {
                    throw AoException.usage("--from-file " + p + ": cannot read it: " + e.getMessage());
                }
                put(data, key, bytes, "--from-file " + p);
            }
            for (byte[] b : data.values()) total += b.length;
            if (total > 1_000_000) throw AoException.usage("credentials push " + name + ": " + total + " bytes; a Kubernetes Secret holds at most about 1 MB");
            K8sSettings settings = K8sSettings.of(ctx.config());
            try (KubernetesClient c = K8sJobRun.client(settings.context())) {
                String ns = K8sJobRun.namespace(c, settings);
                Credentials.PushResult r = Credentials.push(c, ns, name, data);
                spec.commandLine().getOut().println("pushed " + name + " (keys: " + String.join(", ", data.keySet()) + ") to " + ns + "/" + secret
                        + (r.created() ? " (created)" : " (updated)"));
            }
            return 0;
        }

        private static void put(Map<String, byte[]> data, String key, byte[] value, String from) {
            if (data.putIfAbsent(key, value) != null) throw AoException.usage(from + ": key " + key + " is given twice");
        }
    }

    @Command(name = "list", aliases = "ls", description = {"List credentials: pushed ones (keys, where, last updated) and the skills that demand them;",
            "a credential a skill demands that is not pushed is listed as missing. Values are never shown."},
            footerHeading = "%nExamples:%n",
            footer = {"  ao credentials list", "  ao credentials list -o json | jq '.[] | select(.status == \"missing\")'"})
    static final class ListCreds implements Callable<Integer> {
        private final Context ctx;
        @Spec CommandSpec spec;
        @Mixin OutputOptions output;

        @Option(names = "--runner", paramLabel = "RUNNER", defaultValue = "k8s", description = "Which runner's credentials: k8s (the default and only one).")
        String runner;

        ListCreds(Context ctx) { this.ctx = ctx; }

        @Override
        public Integer call() {
            runner(runner);
            Map<String, TreeSet<String>> demandedBy = demands(ctx.catalog());
            K8sSettings settings = K8sSettings.of(ctx.config());
            List<Credentials.Pushed> pushed;
            String context;
            String ns;
            try (KubernetesClient c = K8sJobRun.client(settings.context())) {
                ns = K8sJobRun.namespace(c, settings);
                var cur = c.getConfiguration().getCurrentContext();
                context = settings.context() != null ? settings.context() : cur != null ? cur.getName() : "-";
                pushed = Credentials.list(c, ns);
            }
            Map<String, Credentials.Pushed> byName = new TreeMap<>();
            pushed.forEach(p -> byName.put(p.name(), p));
            TreeSet<String> names = new TreeSet<>(byName.keySet());
            names.addAll(demandedBy.keySet());
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (String n : names) {
                    Credentials.Pushed p = byName.get(n);
                    ObjectNode o = arr.addObject();
                    o.put("name", n);
                    o.put("status", p == null ? "missing" : "pushed");
                    ArrayNode keys = o.putArray("keys");
                    if (p != null) p.keys().forEach(keys::add);
                    o.put("context", context);
                    o.put("namespace", ns);
                    o.put("secret", Credentials.secretName(n));
                    if (p != null) o.put("updated", p.updated());
                    else o.putNull("updated");
                    ArrayNode skills = o.putArray("demanded_by");
                    demandedBy.getOrDefault(n, new TreeSet<>()).forEach(skills::add);
                }
                out.println(Json.write(arr));
                return 0;
            }
            if (names.isEmpty()) {
                spec.commandLine().getErr().println("no credentials in " + context + "/" + ns + " and no skill demands one; push one with 'ao credentials push NAME --from-env VAR'");
                return 0;
            }
            Table t = new Table("NAME", "STATUS", "KEYS", "WHERE", "UPDATED", "DEMANDED BY");
            for (String n : names) {
                Credentials.Pushed p = byName.get(n);
                String by = String.join(", ", demandedBy.getOrDefault(n, new TreeSet<>()));
                t.row(SafeText.line(n), p == null ? "missing" : "pushed", p == null ? "-" : SafeText.line(String.join(", ", p.keys())),
                        context + "/" + ns + "/" + Credentials.secretName(n), p == null || p.updated() == null ? "-" : RunsCommand.ago(p.updated()),
                        by.isEmpty() ? "-" : SafeText.line(by));
            }
            out.print(t);
            return 0;
        }

        /** Credential name -> ids of the runnable skills whose script.json demands it; unreadable specs are skipped (see 'ao skill lint'). */
        static Map<String, TreeSet<String>> demands(SkillCatalog catalog) {
            Map<String, TreeSet<String>> out = new TreeMap<>();
            for (Skill s : catalog.all()) {
                if (!s.runnable()) continue;
                try {
                    for (String cred : ScriptSpecReader.read(s.specFile()).demands().credentials()) {
                        if (Credentials.NAME.matcher(cred).matches()) out.computeIfAbsent(cred, k -> new TreeSet<>()).add(s.id());
                    }
                } catch (AoException e) {
                    // a broken skill: lint says why
                }
            }
            return out;
        }
    }
}
