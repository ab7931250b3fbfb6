package dev.ao.engine.doctor;

import dev.ao.engine.config.AoConfig;
import dev.ao.engine.config.ConfigKey;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The k8s runner, when there is one to check ({@code [runners.k8s]} in the config, or a kubeconfig): the context
 * answers, the namespace exists, and this identity may do what {@code ao run --on k8s} does there (asked with
 * SelfSubjectAccessReviews, so nothing is created).
 */
final class K8sProbe {
    static final String CONTEXT = "k8s-context";
    static final String NAMESPACE = "k8s-namespace";
    static final String PERMISSIONS = "k8s-permissions";
    private static final int TIMEOUT_MS = 5_000;

    /** verb, API group, resource, subresource, and why a run needs it. */
    record Need(String verb, String group, String resource, String subresource, String why) {
        String what() {
            return verb + " " + resource + (subresource.isEmpty() ? "" : "/" + subresource) + (group.isEmpty() ? "" : " (" + group + ")");
        }

        String kubectlResource() {
            return resource + (group.isEmpty() ? "" : "." + group) + (subresource.isEmpty() ? "" : "/" + subresource);
        }
    }

    static final List<Need> NEEDS = List.of(
            new Need("create", "batch", "jobs", "", "a run is a Job"),
            new Need("get", "", "pods", "log", "ao follows the pod's log"),
            new Need("create", "", "configmaps", "", "the script travels in a ConfigMap"),
            new Need("create", "", "secrets", "", "secret parameters travel in a Secret, and 'ao credentials push' makes one"),
            new Need("create", "coordination.k8s.io", "leases", "", "--concurrency takes a Lease"),
            new Need("update", "coordination.k8s.io", "leases", "", "--concurrency renews its Lease"));

    private K8sProbe() {}

    /** Nothing when there is no k8s runner to check (no config table, no kubeconfig); else a check per fact. */
    static List<Check> checks(AoConfig config, Map<String, String> env) {
        boolean configured = ConfigKey.ALL.stream().filter(k -> k.name().startsWith("runners.k8s."))
                .anyMatch(k -> !"default".equals(config.origin(k))) || !config.k8sTags().isEmpty();
        List<Path> kubeconfigs = kubeconfigs(env);
        boolean haveKubeconfig = kubeconfigs.stream().anyMatch(Files::isRegularFile);
        if (!haveKubeconfig) {
            if (!configured) return List.of(Check.ok(CONTEXT, "skipped: no kubeconfig (" + kubeconfigs.get(0) + ") and no [runners.k8s]; 'ao run --on k8s' is not set up"));
            return List.of(Check.fail(CONTEXT, "[runners.k8s] is configured but there is no kubeconfig (" + joined(kubeconfigs)
                    + "); fix: set KUBECONFIG or write ~/.kube/config (kubectl config ...)"));
        }
        String context = blank((String) config.get(ConfigKey.K8S_CONTEXT));
        String where = context == null ? "the kubeconfig's current context" : "context '" + context + "'";
        KubernetesClient c;
        try {
            Config cfg = Config.autoConfigure(context);
            cfg.setConnectionTimeout(TIMEOUT_MS);
            cfg.setRequestTimeout(TIMEOUT_MS);
            cfg.setRequestRetryBackoffLimit(0);
            c = new KubernetesClientBuilder().withConfig(cfg).build();
        } catch (RuntimeException e) {
            return List.of(Check.fail(CONTEXT, "cannot read " + where + " from " + joined(kubeconfigs) + ": " + oneLine(e)
                    + "; fix: 'kubectl config get-contexts', then [runners.k8s] context = \"NAME\""));
        }
        List<Check> out = new ArrayList<>();
        try (c) {
            String server = c.getConfiguration().getMasterUrl();
            try {
                var v = c.getKubernetesVersion();
                out.add(Check.ok(CONTEXT, where + " at " + server + " answers (Kubernetes " + v.getGitVersion() + ")"));
            } catch (KubernetesClientException | IllegalStateException e) {
                out.add(Check.fail(CONTEXT, where + " at " + server + " does not answer within " + TIMEOUT_MS / 1000 + "s: " + oneLine(e)
                        + "; fix: check the cluster is up and 'kubectl version' works"));
                return out;
            }
            String ns = blank((String) config.get(ConfigKey.K8S_NAMESPACE));
            if (ns == null) ns = blank(c.getConfiguration().getNamespace());
            if (ns == null) ns = "default";
            try {
                if (c.namespaces().withName(ns).get() == null) {
                    out.add(Check.fail(NAMESPACE, "namespace " + ns + " does not exist; fix: kubectl create namespace " + ns
                            + " (or set [runners.k8s] namespace)"));
                } else {
                    out.add(Check.ok(NAMESPACE, "namespace " + ns + " exists"));
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() == 403) out.add(Check.warn(NAMESPACE, "namespace " + ns + ": not allowed to read namespaces, so not checked"));
                else out.add(Check.fail(NAMESPACE, "namespace " + ns + ": " + oneLine(e)));
            }
            List<String> allowed = new ArrayList<>();
            for (Need n : NEEDS) {
                try {
                    SelfSubjectAccessReview r = c.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                            .withNewSpec().withNewResourceAttributes().withNamespace(ns).withVerb(n.verb()).withGroup(n.group())
                            .withResource(n.resource()).withSubresource(n.subresource().isEmpty() ? null : n.subresource())
                            .endResourceAttributes().endSpec().build());
                    if (r.getStatus() != null && Boolean.TRUE.equals(r.getStatus().getAllowed())) {
                        allowed.add(n.what());
                    } else {
                        out.add(Check.fail(PERMISSIONS, "may not " + n.what() + " in namespace " + ns + " (" + n.why() + "); fix: have an admin grant it,"
                                + " e.g. kubectl create role ao-" + n.verb() + "-" + n.resource() + " -n " + ns + " --verb=" + n.verb()
                                + " --resource=" + n.kubectlResource() + " and bind it to you"));
                    }
                } catch (KubernetesClientException e) {
                    out.add(Check.warn(PERMISSIONS, "cannot ask whether " + n.what() + " is allowed in " + ns + ": " + oneLine(e)));
                }
            }
            if (allowed.size() == NEEDS.size()) {
                out.add(Check.ok(PERMISSIONS, "allowed in namespace " + ns + ": " + String.join(", ", allowed)));
            }
        }
        return out;
    }

    /** $KUBECONFIG's files, else ~/.kube/config (as kubectl reads them). */
    private static List<Path> kubeconfigs(Map<String, String> env) {
        String k = env.get("KUBECONFIG");
        List<Path> out = new ArrayList<>();
        if (k != null && !k.isBlank()) {
            for (String p : k.split(File.pathSeparator)) if (!p.isBlank()) out.add(Path.of(p));
        }
        if (out.isEmpty()) out.add(Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".kube", "config"));
        return out;
    }

    private static String joined(List<Path> ps) {
        return String.join(File.pathSeparator, ps.stream().map(Path::toString).toList());
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String oneLine(Throwable e) {
        String m = e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null
                ? k.getStatus().getMessage() : String.valueOf(e.getMessage());
        return m.replaceAll("\\s+", " ").strip();
    }
}
