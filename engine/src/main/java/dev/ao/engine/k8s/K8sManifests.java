package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import dev.ao.engine.run.RunStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The objects a k8s run creates: a ConfigMap with the script, its parameters and ao's helper library (mounted
 * read-only at {@value #AO_DIR}), a Secret with the secret parameters (only when there are any: never in the
 * ConfigMap, the pod spec or an annotation), and the Job: one attempt, one pod, one log ({@code backoffLimit: 0},
 * {@code restartPolicy: Never}; ao owns retries), hardened as the local sandbox is (non-root, read-only root
 * filesystem, no privilege escalation, no capabilities, a size-limited emptyDir workspace).
 */
public final class K8sManifests {
    public static final String AO_DIR = "/ao";
    public static final String SECRET_DIR = "/ao-secret";
    public static final String IO_DIR = "/ao-io";
    public static final String WORKSPACE = "/workspace";
    public static final String CONTAINER = "script";
    public static final String LABEL_RUN = "ao.dev/run-id";
    public static final String LABEL_SKILL = "ao.dev/skill";
    public static final String ANNOTATION_LABEL = "ao.dev/label";
    public static final long RUN_AS = 61000;
    /** A ConfigMap holds at most 1 MiB; what ao adds besides the script stays well under the rest. */
    static final int CONFIGMAP_MAX = 1024 * 1024 - 64 * 1024;
    static final String ENTRY = loadEntry();

    /** What ao creates, in the order it creates them; {@code secret} is null when the run has no secret parameter. */
    public record Objects(ConfigMap configMap, Secret secret, Job job) {
        public List<HasMetadata> all() {
            List<HasMetadata> l = new ArrayList<>();
            l.add(configMap);
            if (secret != null) l.add(secret);
            l.add(job);
            return l;
        }

        /** The objects to show a person: the Secret's values replaced by {@code ***}. */
        public List<HasMetadata> shown() {
            List<HasMetadata> l = new ArrayList<>();
            for (HasMetadata o : all()) {
                if (o instanceof Secret s) {
                    Map<String, String> hidden = new LinkedHashMap<>();
                    s.getData().keySet().forEach(k -> hidden.put(k, Base64.getEncoder().encodeToString("***".getBytes(StandardCharsets.UTF_8))));
                    o = new SecretBuilder(s).withData(hidden).build();
                }
                l.add(o);
            }
            return l;
        }

        /** The manifests as one YAML stream ({@code ao run --on k8s --dry-run -o yaml}): secret values shown as ***. */
        public String yaml() {
            StringBuilder b = new StringBuilder();
            for (HasMetadata shown : shown()) {
                String y = Serialization.asYaml(shown);
                if (!y.startsWith("---")) b.append("---\n");
                b.append(y);
                if (!y.endsWith("\n")) b.append('\n');
            }
            return b.toString();
        }
    }

    /**
     * One run as Kubernetes objects.
     *
     * @param runId       the run id (names the objects {@code ao-<id>})
     * @param command     the interpreter and the script's path under {@value #AO_DIR}, then its arguments (no secret)
     * @param script      the script's bytes, stored under {@code scriptName}
     * @param paramsFull  every parameter value (secrets included): the Secret's params.json when there are secrets
     * @param paramsShown the parameters with secrets as ***: the ConfigMap's params.json when there are secrets
     * @param env         literal env vars (non-secret parameters, run ids, a workflow's variables)
     * @param secretEnv   env var name to secret value: through the Secret only
     */
    public record Input(String runId, String label, String skill, String scriptName, byte[] script, List<String> command,
                        ObjectNode paramsFull, ObjectNode paramsShown, Map<String, String> env, Map<String, String> secretEnv,
                        byte[] helperLibrary, int timeoutSeconds, String image, String marker, List<String> tags,
                        List<String> credentials) {}

    private K8sManifests() {}

    public static String name(String runId) {
        String n = "ao-" + runId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return n.length() > 52 ? n.substring(0, 52) : n;
    }

    /** {@code k8s/heal-crashloops} as a label value: at most 63 of {@code [A-Za-z0-9._-]}, '/' as '.'. */
    static String labelValue(String s) {
        String v = s.replace('/', '.').replaceAll("[^A-Za-z0-9._-]", "_");
        if (v.length() > 63) v = v.substring(0, 63);
        return v.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    }

    public static Objects build(Input in, K8sSettings settings, String namespace) {
        String name = name(in.runId());
        boolean secrets = !in.secretEnv().isEmpty();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/managed-by", "ao");
        labels.put(LABEL_RUN, labelValue(in.runId()));
        if (in.skill() != null && !labelValue(in.skill()).isEmpty()) labels.put(LABEL_SKILL, labelValue(in.skill()));
        Map<String, String> annotations = Map.of(ANNOTATION_LABEL, in.label());

        Map<String, String> files = new LinkedHashMap<>();
        files.put("entry.sh", ENTRY);
        files.put("ao_skill.py", new String(in.helperLibrary(), StandardCharsets.UTF_8));
        files.put("params.json", new String(RunStore.toJson(secrets ? in.paramsShown() : in.paramsFull()), StandardCharsets.UTF_8));
        Map<String, String> binary = new LinkedHashMap<>();
        String scriptText = new String(in.script(), StandardCharsets.UTF_8);
        if (java.util.Arrays.equals(scriptText.getBytes(StandardCharsets.UTF_8), in.script())) files.put(in.scriptName(), scriptText);
        else binary.put(in.scriptName(), Base64.getEncoder().encodeToString(in.script()));
        long size = in.script().length + files.values().stream().mapToLong(String::length).sum();
        if (size > CONFIGMAP_MAX) {
            throw AoException.usage(in.scriptName() + ": " + size + " bytes with its parameters: too large for a Kubernetes ConfigMap (1 MiB);"
                    + " ship large inputs in the image or fetch them from the script");
        }
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(annotations).endMetadata().withData(files).withBinaryData(binary.isEmpty() ? null : binary)
                .withImmutable(true).build();

        Secret secret = null;
        Map<String, String> secretKeys = new LinkedHashMap<>();
        if (secrets) {
            Map<String, String> data = new LinkedHashMap<>();
            data.put("params.json", b64(RunStore.toJson(in.paramsFull())));
            int i = 0;
            for (Map.Entry<String, String> e : in.secretEnv().entrySet()) {
                String key = "env-" + (i++);
                secretKeys.put(e.getKey(), key);
                data.put(key, b64(e.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            secret = new SecretBuilder().withNewMetadata().withName(name + "-secret").withNamespace(namespace).withLabels(labels)
                    .endMetadata().withType("Opaque").withData(data).withImmutable(true).build();
        }

        List<EnvVar> env = new ArrayList<>();
        Map<String, String> literal = new LinkedHashMap<>(in.env());
        literal.put("AO_RUN_ID", in.runId());
        literal.put("AO_WORKSPACE", WORKSPACE);
        literal.put("AO_IO", IO_DIR);
        literal.put("AO_SUMMARY", IO_DIR + "/summary.md");
        literal.put("AO_OUTPUT", IO_DIR + "/outputs.env");
        literal.put("AO_ARTIFACTS", IO_DIR + "/artifacts");
        literal.put("AO_PARAMS", (secrets ? SECRET_DIR : AO_DIR) + "/params.json");
        literal.put("AO_LIB", AO_DIR);
        literal.put("AO_RUNNER", "k8s");
        literal.put("AO_K8S_MARKER", in.marker());
        literal.put("PYTHONPATH", AO_DIR);
        literal.put("PYTHONDONTWRITEBYTECODE", "1");
        literal.put("HOME", WORKSPACE);
        literal.put("TMPDIR", "/tmp");
        // Kubernetes expands $(VAR) in env values, command and args: a value is taken as written
        literal.forEach((k, v) -> env.add(new EnvVar(k, k8sLiteral(v), null)));
        secretKeys.forEach((var, key) -> env.add(new EnvVarBuilder().withName(var).withNewValueFrom().withNewSecretKeyRef()
                .withName(name + "-secret").withKey(key).endSecretKeyRef().endValueFrom().build()));

        List<VolumeMount> mounts = new ArrayList<>(List.of(
                new VolumeMountBuilder().withName("ao").withMountPath(AO_DIR).withReadOnly(true).build(),
                new VolumeMountBuilder().withName("workspace").withMountPath(WORKSPACE).build(),
                new VolumeMountBuilder().withName("io").withMountPath(IO_DIR).build(),
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build()));
        String ws = String.valueOf(settings.workspaceBytes());
        List<Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName("ao").withNewConfigMap().withName(name).withDefaultMode(0444).endConfigMap().build(),
                new VolumeBuilder().withName("workspace").withNewEmptyDir().withSizeLimit(new Quantity(ws)).endEmptyDir().build(),
                new VolumeBuilder().withName("io").withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir().build(),
                new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity(ws)).endEmptyDir().build()));
        if (secrets) {
            mounts.add(new VolumeMountBuilder().withName("ao-secret").withMountPath(SECRET_DIR).withReadOnly(true).build());
            volumes.add(new VolumeBuilder().withName("ao-secret").withNewSecret().withSecretName(name + "-secret").withDefaultMode(0440)
                    .addNewItem().withKey("params.json").withPath("params.json").endItem().endSecret().build());
        }
        List<io.fabric8.kubernetes.api.model.EnvFromSource> envFrom = new ArrayList<>();
        for (String cred : in.credentials()) {
            String secretName = Credentials.secretName(cred);
            envFrom.add(new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewSecretRef().withName(secretName).endSecretRef().build());
            mounts.add(new VolumeMountBuilder().withName("cred-" + cred).withMountPath("/ao-credentials/" + cred).withReadOnly(true).build());
            volumes.add(new VolumeBuilder().withName("cred-" + cred).withNewSecret().withSecretName(secretName).withDefaultMode(0440).endSecret().build());
        }

        K8sSettings.PodPlacement place = settings.placement(in.tags());
        List<String> command = new ArrayList<>(List.of("sh", AO_DIR + "/entry.sh"));
        in.command().forEach(a -> command.add(k8sLiteral(a)));
        Job job = new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withActiveDeadlineSeconds((long) in.timeoutSeconds())
                    .withTtlSecondsAfterFinished(settings.ttlSeconds())
                    .withNewPodFailurePolicy().addNewRule().withAction("Ignore").addNewOnPodCondition().withType("DisruptionTarget")
                        .withStatus("True").endOnPodCondition().endRule().endPodFailurePolicy()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withEnableServiceLinks(false)
                            .withServiceAccountName(settings.serviceAccount())
                            .withAutomountServiceAccountToken(settings.serviceAccount() != null)
                            .withNodeSelector(place.nodeSelector().isEmpty() ? null : place.nodeSelector())
                            .withTolerations(place.tolerations())
                            .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(RUN_AS).withRunAsGroup(RUN_AS).withFsGroup(RUN_AS)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                            .addNewContainer()
                                .withName(CONTAINER)
                                .withImage(in.image())
                                .withCommand(command)
                                .withWorkingDir(WORKSPACE)
                                .withEnv(env)
                                .withEnvFrom(envFrom)
                                .withVolumeMounts(mounts)
                                .withNewResources().withRequests(place.requests().isEmpty() ? null : place.requests())
                                    .withLimits(place.limits().isEmpty() ? null : place.limits()).endResources()
                                .withNewSecurityContext().withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
                                    .withAllowPrivilegeEscalation(false).withPrivileged(false)
                                    .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                            .endContainer()
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec().build();
        return new Objects(cm, secret, job);
    }

    /** {@code $} doubled: Kubernetes reads {@code $$} as one {@code $} and never expands {@code $(VAR)} in it. */
    static String k8sLiteral(String v) {
        return v.replace("$", "$$");
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static String loadEntry() {
        try (InputStream in = K8sManifests.class.getResourceAsStream("/dev/ao/engine/k8s/entry.sh")) {
            if (in == null) throw new IllegalStateException("entry.sh is missing from the ao jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
