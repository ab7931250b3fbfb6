package dev.ao.engine.k8s;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Credentials pushed to the cluster: a Secret per name, labelled so that ao can list them without their values.
 * A value only ever travels from the ao process to the API server (and back to mask it in a run's logs): it is
 * never printed, logged, written locally or put in an annotation.
 */
public final class Credentials {
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?");
    public static final String LABEL = "ao.dev/credential";
    /** A key of a Secret (and an env var name, for envFrom): what Kubernetes accepts as a Secret key. */
    public static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");

    private Credentials() {}

    public static String secretName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw AoException.usage("credential '" + name + "': a name is 1-42 lowercase letters, digits and '-'");
        }
        return "ao-cred-" + name;
    }

    /** A pushed credential as listed: key names only, where it lives, when it last changed. */
    public record Pushed(String name, List<String> keys, String namespace, String secret, String updated) {}

    /** What a push did: created or updated. */
    public record PushResult(String namespace, String secret, boolean created) {}

    /**
     * Creates the Secret of {@code name}, or replaces its data when it exists. The replace carries the
     * resourceVersion it read: a concurrent change gets 409 and this push retries on the new version (the
     * pushed keys win, as a second push would).
     */
    public static PushResult push(KubernetesClient c, String namespace, String name, Map<String, byte[]> data) {
        String secret = secretName(name);
        Map<String, String> encoded = new TreeMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL, name);
        labels.put("app.kubernetes.io/managed-by", "ao");
        String updated = Instant.now().toString();
        for (int attempt = 0; ; attempt++) {
            try {
                Secret old = c.secrets().inNamespace(namespace).withName(secret).get();
                if (old == null) {
                    Secret s = new SecretBuilder().withNewMetadata().withName(secret).withNamespace(namespace).withLabels(labels)
                            .addToAnnotations("ao.dev/updated-at", updated).endMetadata()
                            .withType("Opaque").withData(encoded).build();
                    c.secrets().inNamespace(namespace).resource(s).create();
                    return new PushResult(namespace, secret, true);
                }
                if (old.getMetadata().getLabels() == null || !name.equals(old.getMetadata().getLabels().get(LABEL))) {
                    throw new AoException(ExitCode.FAILED, "credential " + name + ": Secret " + namespace + "/" + secret
                            + " exists but is not labelled " + LABEL + "=" + name + "; ao leaves a Secret it did not make alone (delete or rename it)");
                }
                old.getMetadata().getLabels().putAll(labels);
                if (old.getMetadata().getAnnotations() == null) old.getMetadata().setAnnotations(new LinkedHashMap<>());
                old.getMetadata().getAnnotations().put("ao.dev/updated-at", updated);
                old.setData(encoded);
                old.setStringData(null);
                // update() sends the resourceVersion read above: a stale one is 409 Conflict
                c.secrets().inNamespace(namespace).resource(old).update();
                return new PushResult(namespace, secret, false);
            } catch (KubernetesClientException e) {
                if ((e.getCode() == 409) && attempt < 3) continue;
                throw new AoException(ExitCode.FAILED, "credential " + name + ": cannot write Secret " + namespace + "/" + secret + ": "
                        + K8sJobRun.apiMessage(e));
            }
        }
    }

    /** The credentials pushed to {@code namespace}, by name; keys only. */
    public static List<Pushed> list(KubernetesClient c, String namespace) {
        List<Pushed> out = new ArrayList<>();
        try {
            for (Secret s : c.secrets().inNamespace(namespace).withLabel(LABEL).list().getItems()) {
                String name = s.getMetadata().getLabels().get(LABEL);
                List<String> keys = s.getData() == null ? List.of() : new ArrayList<>(new TreeMap<>(s.getData()).keySet());
                Map<String, String> ann = s.getMetadata().getAnnotations();
                String updated = ann != null && ann.get("ao.dev/updated-at") != null ? ann.get("ao.dev/updated-at")
                        : s.getMetadata().getCreationTimestamp();
                out.add(new Pushed(name, keys, namespace, s.getMetadata().getName(), updated));
            }
        } catch (KubernetesClientException e) {
            throw new AoException(ExitCode.FAILED, "cannot list credentials (Secrets labelled " + LABEL + ") in namespace " + namespace + ": "
                    + K8sJobRun.apiMessage(e));
        }
        out.sort(java.util.Comparator.comparing(Pushed::name));
        return out;
    }

    /**
     * The values of the credentials a run demands, to mask them in its logs. A credential that was never pushed
     * stops the run before anything is created (its pod would wait for the Secret forever).
     */
    public static List<String> values(KubernetesClient c, String namespace, Collection<String> names) {
        List<String> out = new ArrayList<>();
        for (String name : names) {
            String secret = secretName(name);
            Secret s;
            try {
                s = c.secrets().inNamespace(namespace).withName(secret).get();
            } catch (KubernetesClientException e) {
                throw new AoException(ExitCode.FAILED, "credential " + name + ": cannot read Secret " + namespace + "/" + secret + ": "
                        + K8sJobRun.apiMessage(e));
            }
            if (s == null) {
                throw new AoException(ExitCode.MISSING_DEMAND, "credential " + name + " is demanded but not pushed to namespace " + namespace
                        + ": run 'ao credentials push " + name + " --from-env VAR' (or --from-file PATH)");
            }
            if (s.getData() != null) {
                for (String v : s.getData().values()) {
                    try {
                        String value = new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
                        if (!value.isEmpty()) out.add(value);
                    } catch (IllegalArgumentException ignored) {
                        // not base64: the API server would not have stored it
                    }
                }
            }
        }
        return out;
    }

    /**
     * The values of the credentials a Job mounts (its {@code ao-cred-*} secret volumes), to mask them when a later ao
     * reattaches to it; nothing when the Job or a Secret is gone.
     */
    public static List<String> valuesOfJob(KubernetesClient c, String namespace, String job) {
        List<String> names = new ArrayList<>();
        try {
            var j = c.batch().v1().jobs().inNamespace(namespace).withName(job).get();
            if (j == null || j.getSpec().getTemplate().getSpec().getVolumes() == null) return List.of();
            for (var v : j.getSpec().getTemplate().getSpec().getVolumes()) {
                if (v.getSecret() != null && v.getSecret().getSecretName() != null && v.getSecret().getSecretName().startsWith("ao-cred-")) {
                    String name = v.getSecret().getSecretName().substring("ao-cred-".length());
                    if (NAME.matcher(name).matches()) names.add(name);
                }
            }
            List<String> out = new ArrayList<>();
            for (String n : names) {
                try {
                    out.addAll(values(c, namespace, List.of(n)));
                } catch (AoException gone) {
                    // deleted since: its values cannot be masked, nor read by the pod any more
                }
            }
            return out;
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }
}
