package dev.ao.engine.config;

import java.util.List;
import java.util.Locale;

/**
 * One key ao understands, with its type and built-in default. Dotted names follow the TOML tables
 * ({@code scripts.execution_timeout} is {@code [scripts] execution_timeout}).
 */
public record ConfigKey(String name, Type type, Object defaultValue, String help) {

    public enum Type { STRING, INT, BOOL, STRING_LIST, SIZE }

    /** The environment variable that overrides this key: {@code AO_SCRIPTS_EXECUTION_TIMEOUT}. */
    public String envName() {
        return "AO_" + name.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    public static final ConfigKey SANDBOX_MODE = new ConfigKey("sandbox_mode", Type.STRING, "workspace-write",
            "read-only | workspace-write | danger-full-access (Codex's names)");
    public static final ConfigKey NETWORK_ACCESS = new ConfigKey("sandbox_workspace_write.network_access", Type.BOOL, false,
            "let scripts reach the network");
    public static final ConfigKey WRITABLE_ROOTS = new ConfigKey("sandbox_workspace_write.writable_roots", Type.STRING_LIST, List.of(),
            "extra directories a workspace-write run may write");
    public static final ConfigKey ALLOWED_EXTENSIONS = new ConfigKey("scripts.allowed_extensions", Type.STRING_LIST,
            List.of(".py", ".sh", ".js"), "script file extensions ao will run");
    public static final ConfigKey EXECUTION_TIMEOUT = new ConfigKey("scripts.execution_timeout", Type.INT, 300,
            "seconds before a run is killed (script.json and --timeout override)");
    public static final ConfigKey CLEANUP_AFTER_RUN = new ConfigKey("scripts.cleanup_after_run", Type.BOOL, true,
            "remove the run's temporary workspace afterwards (logs and summary stay)");
    public static final ConfigKey SKILL_PATHS = new ConfigKey("skills.paths", Type.STRING_LIST,
            List.of("skills", "dotcodex/skills"), "folders searched for skills, relative to the project root");
    public static final ConfigKey DENY_READ = new ConfigKey("sandbox.deny_read", Type.STRING_LIST, List.of(),
            "paths (not globs) hidden from every run, on top of ~/.ssh, ~/.gnupg and other credentials");
    public static final ConfigKey ENV_INCLUDE = new ConfigKey("sandbox.env_include", Type.STRING_LIST, List.of(),
            "env var names or globs passed to scripts on top of the core set");
    public static final ConfigKey MAX_PROCESSES = new ConfigKey("sandbox.max_processes", Type.INT, 256,
            "processes a run may have at once (at least 1)");
    public static final ConfigKey MAX_FILE_SIZE = new ConfigKey("sandbox.max_file_size", Type.SIZE, "8G",
            "largest file a run may write (e.g. 512M, 8G)");
    public static final ConfigKey MAX_MEMORY = new ConfigKey("sandbox.max_memory", Type.SIZE, "4G",
            "memory of the whole run, all its processes and its /tmp and /dev/shm together (e.g. 2G)");
    public static final ConfigKey MAX_DISK = new ConfigKey("sandbox.max_disk", Type.SIZE, "10G",
            "bytes a run may add to its workspace, and the size of its /tmp and /dev/shm");
    public static final ConfigKey ALLOW_READ = new ConfigKey("sandbox.allow_read", Type.STRING_LIST, List.of(),
            "paths every run may read even where the sandbox hides them (like --allow-read)");
    public static final ConfigKey ALLOW_WRITE = new ConfigKey("sandbox.allow_write", Type.STRING_LIST, List.of(),
            "paths every workspace-write run may write (like --allow-write)");
    public static final ConfigKey RUN_AS_UID = new ConfigKey("sandbox.run_as_uid", Type.INT, 61000,
            "the unprivileged uid (and gid) scripts run as when ao runs as root");
    public static final ConfigKey MCP_ALLOW_NETWORK = new ConfigKey("mcp.allow_network", Type.BOOL, false,
            "may an agent's run_script (ao mcp) ask for network access");

    public static final ConfigKey RUNS_KEEP_DAYS = new ConfigKey("runs.keep_days", Type.INT, 0,
            "ended runs older than this many days (since they ended) are pruned; 0 = no age limit");
    public static final ConfigKey RUNS_KEEP_COUNT = new ConfigKey("runs.keep_count", Type.INT, 0,
            "only the newest this many ended runs are kept (a workflow with its child runs counts once); 0 = no limit");
    public static final ConfigKey RUNS_KEEP_FAILED_DAYS = new ConfigKey("runs.keep_failed_days", Type.INT, -1,
            "as keep_days for runs that ended failed, timed_out or lost; -1 = the same as keep_days, 0 = no age limit");

    public static final ConfigKey LLM_PROVIDER = new ConfigKey("llm.provider", Type.STRING, "anthropic",
            "the [llm.providers.<id>] 'ao write' asks (built in: anthropic, openai, ollama)");

    public static final ConfigKey K8S_CONTEXT = new ConfigKey("runners.k8s.context", Type.STRING, "",
            "kubeconfig context of the k8s runner (empty: the current context, as kubectl)");
    public static final ConfigKey K8S_NAMESPACE = new ConfigKey("runners.k8s.namespace", Type.STRING, "",
            "namespace of the k8s runner's Jobs (empty: the context's namespace, else default)");
    public static final ConfigKey K8S_IMAGE = new ConfigKey("runners.k8s.image", Type.STRING, "python:3.12-slim",
            "container image of a k8s run, unless the script's demands.image names one");
    public static final ConfigKey K8S_SERVICE_ACCOUNT = new ConfigKey("runners.k8s.service_account", Type.STRING, "",
            "service account of a k8s run's pod (empty: none is mounted)");
    public static final ConfigKey K8S_TTL = new ConfigKey("runners.k8s.ttl_seconds_after_finished", Type.INT, 300,
            "seconds a finished Job (and its ConfigMap and Secret) stays in the cluster");
    public static final ConfigKey K8S_WORKSPACE_SIZE = new ConfigKey("runners.k8s.workspace_size", Type.SIZE, "1G",
            "size limit of a k8s run's workspace (an emptyDir)");
    public static final ConfigKey K8S_SCHEDULE_TIMEOUT = new ConfigKey("runners.k8s.schedule_timeout", Type.INT, 120,
            "seconds a k8s run's pod may stay unschedulable before the run fails");

    public static final List<ConfigKey> ALL = List.of(SANDBOX_MODE, NETWORK_ACCESS, WRITABLE_ROOTS, ALLOWED_EXTENSIONS,
            EXECUTION_TIMEOUT, CLEANUP_AFTER_RUN, SKILL_PATHS, DENY_READ, ENV_INCLUDE, MAX_PROCESSES, MAX_FILE_SIZE, MAX_MEMORY,
            MAX_DISK, ALLOW_READ, ALLOW_WRITE, RUN_AS_UID, LLM_PROVIDER, MCP_ALLOW_NETWORK, RUNS_KEEP_DAYS, RUNS_KEEP_COUNT,
            RUNS_KEEP_FAILED_DAYS, K8S_CONTEXT, K8S_NAMESPACE, K8S_IMAGE, K8S_SERVICE_ACCOUNT, K8S_TTL, K8S_WORKSPACE_SIZE,
            K8S_SCHEDULE_TIMEOUT);

    /** Not a key: the name under which {@link AoConfig#k8sTags()} keeps the {@code [runners.k8s.tags.<tag>]} tables. */
    public static final String K8S_TAGS = "runners.k8s.tags";

    /** Not a key: the name under which {@link AoConfig#llmProviders()} keeps the merged {@code [llm.providers.*]} tables. */
    public static final String LLM_PROVIDERS = "llm.providers";

    /** Not a key: the name under which {@link AoConfig#concurrencyGroups()} keeps the {@code [concurrency.groups.*]} tables. */
    public static final String CONCURRENCY_GROUPS = "concurrency.groups";

    /** A list of paths: its env override may be written like PATH ({@code /a:/b}) as well as an array. */
    public boolean pathList() {
        return type == Type.STRING_LIST && PATH_LISTS.contains(name);
    }

    private static final java.util.Set<String> PATH_LISTS = java.util.Set.of("sandbox_workspace_write.writable_roots", "skills.paths",
            "sandbox.deny_read", "sandbox.allow_read", "sandbox.allow_write");

    public static ConfigKey byName(String name) {
        for (ConfigKey k : ALL) {
            if (k.name.equals(name)) return k;
        }
        return null;
    }
}
