package dev.ao.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.llm.LlmProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and layers configuration: built-in defaults &lt; {@code ~/.config/ao/config.toml} &lt; the project's
 * {@code dotcodex/config.toml} (found by walking up) &lt; {@code AO_*} env &lt; flags.
 * An unknown key, a wrong type or a TOML syntax error is an {@link AoException} naming file, line and key.
 */
public final class ConfigLoader {

    /** Codex keys that mean something to Codex only; a shared config.toml carries them, ao ignores them. */
    private static final Set<String> CODEX_KEYS = Set.of("model", "model_provider", "model_providers", "approval_policy",
            "model_reasoning_effort", "model_reasoning_summary", "model_verbosity", "model_context_window",
            "model_max_output_tokens", "model_supports_reasoning_summaries", "profile", "profiles", "mcp_servers",
            "shell_environment_policy", "history", "file_opener", "hide_agent_reasoning", "show_raw_agent_reasoning",
            "notify", "project_doc_max_bytes", "project_doc_fallback_filenames", "tui", "disable_response_storage",
            "instructions", "experimental_instructions_file", "tools", "projects", "preferred_auth_method",
            "chatgpt_base_url", "review_model", "forced_login_method", "windows_wsl_setup_acknowledged", "features",
            "otel", "sandbox_workspace_write.exclude_tmpdir_env_var", "sandbox_workspace_write.exclude_slash_tmp");

    private static final String SEED_SANDBOX_MODE = "execution_environment.sandbox_mode";
    private static final TomlMapper TOML = new TomlMapper();

    private final Path cwd;
    private final Map<String, String> env;
    private final Path home;

    public ConfigLoader(Path cwd, Map<String, String> env) {
        this.cwd = cwd.toAbsolutePath().normalize();
        this.env = env;
        this.home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
    }

    public static ConfigLoader fromEnvironment() {
        return new ConfigLoader(Path.of("").toAbsolutePath(), System.getenv());
    }

    public Path userConfigFile() {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
        return base.resolve("ao").resolve("config.toml");
    }

    /** Walks up from the working directory to the first folder holding {@code dotcodex/config.toml} or {@code .ao/}. */
    public Optional<Path> findProjectRoot() {
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("dotcodex").resolve("config.toml")) || Files.isDirectory(dir.resolve(".ao"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private Path userStateDir() {
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local").resolve("state");
        return base.resolve("ao");
    }

    /** Layers everything; {@code flags} maps key names to values given on the command line. */
    public AoConfig load(Map<String, Object> flags) {
        Map<String, ConfigValue> values = new LinkedHashMap<>();
        for (ConfigKey key : ConfigKey.ALL) {
            values.put(key.name(), new ConfigValue(key.defaultValue(), "default"));
        }
        values.put(ConfigKey.LLM_PROVIDERS, new ConfigValue(LlmProvider.builtIn(), "default"));
        List<Path> read = new ArrayList<>();
        Path userFile = userConfigFile();
        if (Files.isRegularFile(userFile)) {
            applyFile(userFile, values);
            read.add(userFile);
        }
        Optional<Path> project = findProjectRoot();
        if (project.isPresent()) {
            Path projectFile = project.get().resolve("dotcodex").resolve("config.toml");
            if (Files.isRegularFile(projectFile)) {
                applyFile(projectFile, values);
                read.add(projectFile);
            }
        }
        for (ConfigKey key : ConfigKey.ALL) {
            String raw = env.get(key.envName());
            if (raw != null) {
                values.put(key.name(), new ConfigValue(fromString(key, raw, "env " + key.envName()), "env " + key.envName()));
            }
        }
        flags.forEach((name, value) -> {
            ConfigKey key = ConfigKey.byName(name);
            if (key == null) throw new IllegalArgumentException("not a config key: " + name);
            if (value != null) values.put(name, new ConfigValue(value, "flag"));
        });
        Path state = project.map(p -> p.resolve(".ao")).orElse(userStateDir());
        validateSemantics(values, project.map(p -> p.resolve("dotcodex").resolve("config.toml")).orElse(null));
        return new AoConfig(Map.copyOf(values), project, state, List.copyOf(read), userFile);
    }

    private void validateSemantics(Map<String, ConfigValue> values, Path projectFile) {
        ConfigValue mode = values.get(ConfigKey.SANDBOX_MODE.name());
        if (!List.of("read-only", "workspace-write", "danger-full-access").contains(String.valueOf(mode.value()))) {
            throw AoException.usage(mode.origin() + ": sandbox_mode = \"" + mode.value()
                    + "\" is not one of read-only, workspace-write, danger-full-access");
        }
        ConfigValue timeout = values.get(ConfigKey.EXECUTION_TIMEOUT.name());
        if ((Integer) timeout.value() <= 0) {
            throw AoException.usage(timeout.origin() + ": scripts.execution_timeout must be a positive number of seconds");
        }
        ConfigValue procs = values.get(ConfigKey.MAX_PROCESSES.name());
        if ((Integer) procs.value() < 1) {
            throw AoException.usage(procs.origin() + ": sandbox.max_processes must be at least 1, got " + procs.value());
        }
        for (ConfigKey k : List.of(ConfigKey.RUNS_KEEP_DAYS, ConfigKey.RUNS_KEEP_COUNT, ConfigKey.RUNS_KEEP_FAILED_DAYS)) {
            ConfigValue v = values.get(k.name());
            int min = k == ConfigKey.RUNS_KEEP_FAILED_DAYS ? -1 : 0;
            if ((Integer) v.value() < min) {
                throw AoException.usage(v.origin() + ": " + k.name() + " must be " + (min < 0 ? "-1 (as keep_days), 0 (no age limit) or more" : "0 (no limit) or more")
                        + ", got " + v.value());
            }
        }
        ConfigValue uid = values.get(ConfigKey.RUN_AS_UID.name());
        int u = (Integer) uid.value();
        // a project's config comes with the repository: it must not pick root, nor a real user whose files it could read
        boolean given = !uid.value().equals(ConfigKey.RUN_AS_UID.defaultValue());   // the default needs no password lookup
        if (u < 1 || (given && dev.ao.engine.sandbox.Identity.passwdName(u).isPresent())) {
            throw AoException.usage(uid.origin() + ": sandbox.run_as_uid must be an unprivileged uid that no user of this machine has, got "
                    + u + dev.ao.engine.sandbox.Identity.passwdName(u).map(n -> " (" + n + ")").orElse(""));
        }
        for (ConfigKey k : List.of(ConfigKey.MAX_FILE_SIZE, ConfigKey.MAX_MEMORY, ConfigKey.MAX_DISK)) {
            ConfigValue v = values.get(k.name());
            parseSize(String.valueOf(v.value()), k.name(), v.origin());
        }
        ConfigValue deny = values.get(ConfigKey.DENY_READ.name());
        @SuppressWarnings("unchecked")
        List<String> denied = (List<String>) deny.value();
        boolean fromProject = projectFile != null && deny.origin().startsWith(projectFile.toString());
        for (String p : denied) {
            // a glob would be taken as a file name that does not exist, hiding nothing without a word
            if (p.contains("*") || p.contains("?") || p.contains("[")) {
                throw AoException.usage(deny.origin() + ": sandbox.deny_read entry \"" + p + "\" is a glob; list the paths themselves");
            }
            boolean absolute = p.startsWith("/") || p.equals("~") || p.startsWith("~/");
            if (p.isBlank() || (!absolute && !fromProject)) {
                throw AoException.usage(deny.origin() + ": sandbox.deny_read entry \"" + p + "\" must be an absolute path or start with ~/"
                        + " (relative paths are allowed in the project's dotcodex/config.toml, against the project root)");
            }
        }
    }

    private void applyFile(Path file, Map<String, ConfigValue> values) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw AoException.usage(file + ": cannot read config: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc != null && loc.getLineNr() > 0 ? ":" + loc.getLineNr() : "";
            throw AoException.usage(file + where + ": TOML syntax error: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) return;
        walk(file, text, "", (ObjectNode) root, values);
    }

    private void walk(Path file, String text, String prefix, ObjectNode node, Map<String, ConfigValue> values) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = prefix + e.getKey();
            if (CODEX_KEYS.contains(name)) continue;
            if (name.equals(ConfigKey.LLM_PROVIDERS)) {
                providers(file, text, e.getValue(), values);
                continue;
            }
            if (name.equals(ConfigKey.CONCURRENCY_GROUPS)) {
                concurrencyGroups(file, text, e.getValue(), values);
                continue;
            }
            if (name.equals(ConfigKey.K8S_TAGS)) {
                k8sTags(file, text, e.getValue(), values);
                continue;
            }
            ConfigKey key = ConfigKey.byName(name);
            if (name.equals(SEED_SANDBOX_MODE)) key = ConfigKey.SANDBOX_MODE;
            int line = lineOf(text, name);
            String origin = file + (line > 0 ? ":" + line : "");
            if (key == null) {
                if (e.getValue().isObject() && isTablePrefix(name + ".")) {
                    walk(file, text, name + ".", (ObjectNode) e.getValue(), values);
                    continue;
                }
                throw AoException.usage(origin + ": unknown key '" + name + "'" + suggestion(name));
            }
            values.put(key.name(), new ConfigValue(fromNode(key, e.getValue(), origin, name), origin));
        }
    }

    /**
     * Layers {@code [llm.providers.<id>]} tables onto those known so far. A table that moves {@code base_url} without
     * naming {@code env_key} next to it drops the inherited key: a key goes only to the base_url configured with it,
     * so a project's config cannot point the user's ANTHROPIC_API_KEY at a server of its choosing.
     */
    @SuppressWarnings("unchecked")
    private static void providers(Path file, String text, JsonNode node, Map<String, ConfigValue> values) {
        String where = file + lineSuffix(text, ConfigKey.LLM_PROVIDERS);
        if (!node.isObject()) throw AoException.usage(where + ": key 'llm.providers' must be a table of [llm.providers.<id>] tables");
        Map<String, LlmProvider> merged = new LinkedHashMap<>((Map<String, LlmProvider>) values.get(ConfigKey.LLM_PROVIDERS).value());
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String id = e.getKey();
            String table = ConfigKey.LLM_PROVIDERS + "." + id;
            String origin = file + lineSuffix(text, table);
            if (!id.matches("[A-Za-z0-9_-]+")) throw AoException.usage(origin + ": provider id '" + id + "' may hold only letters, digits, '-' and '_'");
            if (!e.getValue().isObject()) throw AoException.usage(origin + ": key '" + table + "' must be a table");
            LlmProvider old = merged.get(id);
            String api = old == null ? null : old.api();
            String baseUrl = old == null ? null : old.baseUrl();
            String model = old == null ? null : old.model();
            String envKey = old == null ? null : old.envKey();
            Map<String, String> headers = old == null ? Map.of() : old.headers();
            String dropped = old == null ? null : old.keyDropped();
            JsonNode t = e.getValue();
            Iterator<Map.Entry<String, JsonNode>> fields = t.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String key = table + "." + f.getKey();
                String at = file + lineSuffix(text, key);
                JsonNode v = f.getValue();
                switch (f.getKey()) {
                    case "api" -> {
                        api = providerString(at, key, v);
                        if (!LlmProvider.APIS.contains(api)) {
                            throw AoException.usage(at + ": key '" + key + "' must be one of " + String.join(", ", LlmProvider.APIS) + ", got \"" + api + "\"");
                        }
                    }
                    case "base_url" -> {
                        baseUrl = providerString(at, key, v).replaceAll("/+$", "");
                        java.net.URI uri;
                        try {
                            uri = new java.net.URI(baseUrl);
                        } catch (java.net.URISyntaxException x) {
                            throw AoException.usage(at + ": key '" + key + "' is not a URL: " + x.getMessage());
                        }
                        if (uri.getHost() == null || !List.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getUserInfo() != null
                                || uri.getQuery() != null || uri.getFragment() != null) {
                            throw AoException.usage(at + ": key '" + key + "' must be an http(s) URL without user, query or fragment, got \"" + baseUrl + "\"");
                        }
                        if (!t.has("env_key") && envKey != null) {
                            envKey = null;
                            dropped = at;
                        }
                    }
                    case "model" -> model = providerString(at, key, v);
                    case "env_key" -> {
                        envKey = providerString(at, key, v);
                        if (!envKey.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                            throw AoException.usage(at + ": key '" + key + "' names an environment variable (like ANTHROPIC_API_KEY), not a key; got something else");
                        }
                        dropped = null;
                    }
                    case "headers" -> {
                        if (!v.isObject()) throw wrongType(at, key, "a table of strings", v);
                        Map<String, String> h = new LinkedHashMap<>();
                        v.fields().forEachRemaining(x -> {
                            if (!x.getValue().isTextual()) throw wrongType(at, key + "." + x.getKey(), "a string", x.getValue());
                            h.put(x.getKey(), x.getValue().asText());
                        });
                        headers = h;
                    }
                    case "name" -> providerString(at, key, v);
                    default -> throw AoException.usage(at + ": unknown key '" + key + "' (a provider table holds "
                            + String.join(", ", LlmProvider.KEYS) + ")");
                }
            }
            if (api == null) throw AoException.usage(origin + ": [" + table + "] needs api = \"anthropic-messages\" or \"openai-chat\"");
            if (baseUrl == null) throw AoException.usage(origin + ": [" + table + "] needs base_url");
            if (model == null || model.isBlank()) throw AoException.usage(origin + ": [" + table + "] needs model");
            merged.put(id, new LlmProvider(id, api, baseUrl, model, envKey, headers, origin, dropped));
        }
        values.put(ConfigKey.LLM_PROVIDERS, new ConfigValue(java.util.Collections.unmodifiableMap(merged), where));
    }

    /**
     * Layers {@code [concurrency.groups.<name>] limit = N} tables onto those known so far (a project's table replaces the
     * user's for the same group). Group names are folder names under the state dir: the same rule as everywhere.
     */
    @SuppressWarnings("unchecked")
    private static void concurrencyGroups(Path file, String text, JsonNode node, Map<String, ConfigValue> values) {
        String where = file + lineSuffix(text, ConfigKey.CONCURRENCY_GROUPS);
        if (!node.isObject()) throw AoException.usage(where + ": key 'concurrency.groups' must be a table of [concurrency.groups.<name>] tables");
        ConfigValue old = values.get(ConfigKey.CONCURRENCY_GROUPS);
        Map<String, ConfigValue> merged = new java.util.TreeMap<>(old == null ? Map.of() : (Map<String, ConfigValue>) old.value());
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String group = e.getKey();
            String table = ConfigKey.CONCURRENCY_GROUPS + "." + group;
            String origin = file + lineSuffix(text, table);
            if (!dev.ao.engine.concurrency.ConcurrencyGroups.NAME.matcher(group).matches()) {
                throw AoException.usage(origin + ": concurrency group name '" + group + "' must be 1-100 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit");
            }
            if (!e.getValue().isObject()) throw AoException.usage(origin + ": key '" + table + "' must be a table with limit = N");
            Integer limit = null;
            String limitAt = origin;
            Iterator<Map.Entry<String, JsonNode>> fields = e.getValue().fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String key = table + "." + f.getKey();
                String at = file + lineSuffix(text, key);
                if (!f.getKey().equals("limit")) throw AoException.usage(at + ": unknown key '" + key + "' (a concurrency group table holds limit)");
                JsonNode v = f.getValue();
                if (!v.isIntegralNumber()) throw wrongType(at, key, "an integer", v);
                if (!v.canConvertToInt() || v.asInt() < 1 || v.asInt() > dev.ao.engine.concurrency.ConcurrencyGroups.MAX_LIMIT) {
                    throw AoException.usage(at + ": key '" + key + "' must be from 1 to " + dev.ao.engine.concurrency.ConcurrencyGroups.MAX_LIMIT
                            + ", got " + v);
                }
                limit = v.asInt();
                limitAt = at;
            }
            if (limit == null) throw AoException.usage(origin + ": [" + table + "] needs limit = N (runs of the group at once)");
            merged.put(group, new ConfigValue(limit, limitAt));
        }
        values.put(ConfigKey.CONCURRENCY_GROUPS, new ConfigValue(java.util.Collections.unmodifiableMap(merged), where));
    }

    /**
     * Layers {@code [runners.k8s.tags.<tag>]} tables ({@code node_selector}, {@code tolerations}, {@code resources}):
     * a project's table replaces the user's for the same tag. Kept as JSON; {@link dev.ao.engine.k8s.K8sSettings}
     * turns them into pod fields and says which file:line a bad one came from.
     */
    @SuppressWarnings("unchecked")
    private static void k8sTags(Path file, String text, JsonNode node, Map<String, ConfigValue> values) {
        String where = file + lineSuffix(text, ConfigKey.K8S_TAGS);
        if (!node.isObject()) throw AoException.usage(where + ": key 'runners.k8s.tags' must be a table of [runners.k8s.tags.<tag>] tables");
        ConfigValue old = values.get(ConfigKey.K8S_TAGS);
        Map<String, ConfigValue> merged = new java.util.TreeMap<>(old == null ? Map.of() : (Map<String, ConfigValue>) old.value());
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String table = ConfigKey.K8S_TAGS + "." + e.getKey();
            String origin = file + lineSuffix(text, table);
            if (!dev.ao.engine.run.Placement.TAG.matcher(e.getKey()).matches()) {
                throw AoException.usage(origin + ": tag '" + e.getKey() + "' must be 1-63 lowercase letters, digits, '.', '_' or '-'");
            }
            if (!e.getValue().isObject()) throw AoException.usage(origin + ": key '" + table + "' must be a table");
            Iterator<String> keys = e.getValue().fieldNames();
            while (keys.hasNext()) {
                String k = keys.next();
                if (!List.of("node_selector", "tolerations", "resources").contains(k)) {
                    throw AoException.usage(file + lineSuffix(text, table + "." + k) + ": unknown key '" + table + "." + k
                            + "' (a tag holds node_selector, tolerations and resources)");
                }
            }
            merged.put(e.getKey(), new ConfigValue(e.getValue().deepCopy(), origin));
        }
        values.put(ConfigKey.K8S_TAGS, new ConfigValue(java.util.Collections.unmodifiableMap(merged), where));
    }

    private static String providerString(String at, String key, JsonNode v) {
        if (!v.isTextual() || v.asText().isBlank()) throw wrongType(at, key, "a non-empty string", v);
        return v.asText().strip();
    }

    private static String lineSuffix(String text, String dotted) {
        int line = lineOf(text, dotted);
        return line > 0 ? ":" + line : "";
    }

    private static boolean isTablePrefix(String prefix) {
        if (SEED_SANDBOX_MODE.startsWith(prefix)) return true;
        if (ConfigKey.CONCURRENCY_GROUPS.startsWith(prefix)) return true;
        if (ConfigKey.K8S_TAGS.startsWith(prefix)) return true;
        for (ConfigKey k : ConfigKey.ALL) if (k.name().startsWith(prefix)) return true;
        for (String k : CODEX_KEYS) if (k.startsWith(prefix)) return true;
        return false;
    }

    private static String suggestion(String name) {
        ConfigKey best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey k : ConfigKey.ALL) {
            int d = distance(k.name(), name);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (best != null && bestDistance <= 3) return " (did you mean '" + best.name() + "'?)";
        return "; see 'ao config show' for the keys ao knows";
    }

    /** Levenshtein distance, for "did you mean". */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Line of {@code key = } in the table the dotted name points at, or 0 if it cannot be told. */
    static int lineOf(String text, String dotted) {
        int dot = dotted.lastIndexOf('.');
        String table = dot < 0 ? "" : dotted.substring(0, dot);
        String leaf = dotted.substring(dot + 1);
        Pattern header = Pattern.compile("^\\s*\\[\\s*([^\\]]+?)\\s*]\\s*(#.*)?$");
        Pattern keyLine = Pattern.compile("^\\s*\"?" + Pattern.quote(leaf) + "\"?\\s*=");
        Pattern dottedLine = Pattern.compile("^\\s*" + Pattern.quote(dotted) + "\\s*=");
        String current = "";
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher h = header.matcher(lines[i]);
            if (h.matches()) {
                current = h.group(1).replace("\"", "").replace(" ", "");
                continue;
            }
            if ((current.equals(table) && keyLine.matcher(lines[i]).find()) || (current.isEmpty() && dottedLine.matcher(lines[i]).find())) {
                return i + 1;
            }
            if (current.equals(dotted)) return i; // the key is itself a table header
        }
        return 0;
    }

    private static Object fromNode(ConfigKey key, JsonNode v, String origin, String name) {
        switch (key.type()) {
            case STRING:
                if (!v.isTextual()) throw wrongType(origin, name, "a string", v);
                return v.asText();
            case INT:
                if (!v.isIntegralNumber()) throw wrongType(origin, name, "an integer", v);
                // asInt() would wrap 4294967297 round to 1
                if (!v.canConvertToInt()) throw AoException.usage(origin + ": key '" + name + "' is out of range: " + v + " (at most " + Integer.MAX_VALUE + ")");
                return v.asInt();
            case BOOL:
                if (!v.isBoolean()) throw wrongType(origin, name, "true or false", v);
                return v.asBoolean();
            case SIZE:
                if (!v.isTextual() && !v.isIntegralNumber()) throw wrongType(origin, name, "a size like \"512M\"", v);
                parseSize(v.asText(), name, origin);
                return v.asText();
            case STRING_LIST:
                if (!v.isArray()) throw wrongType(origin, name, "an array of strings", v);
                List<String> out = new ArrayList<>();
                for (JsonNode item : v) {
                    if (!item.isTextual()) throw wrongType(origin, name, "an array of strings", v);
                    out.add(item.asText());
                }
                return List.copyOf(out);
            default:
                throw new IllegalStateException();
        }
    }

    private static AoException wrongType(String origin, String name, String expected, JsonNode got) {
        return AoException.usage(origin + ": key '" + name + "' must be " + expected + ", got " + describe(got));
    }

    private static String describe(JsonNode n) {
        if (n.isTextual()) return "the string \"" + n.asText() + "\"";
        if (n.isArray()) return "an array";
        if (n.isObject()) return "a table";
        return n.getNodeType().name().toLowerCase(Locale.ROOT) + " " + n;
    }

    /** Converts an env or flag string into the key's type. */
    public static Object fromString(ConfigKey key, String raw, String origin) {
        String s = raw.trim();
        switch (key.type()) {
            case STRING:
                return s;
            case INT:
                try {
                    return Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    if (s.matches("[+-]?\\d+")) {
                        throw AoException.usage(origin + ": " + key.name() + " is out of range: " + s + " (at most " + Integer.MAX_VALUE + ")");
                    }
                    throw AoException.usage(origin + ": " + key.name() + " must be an integer, got \"" + raw + "\"");
                }
            case BOOL:
                if (s.equalsIgnoreCase("true") || s.equals("1") || s.equalsIgnoreCase("yes")) return true;
                if (s.equalsIgnoreCase("false") || s.equals("0") || s.equalsIgnoreCase("no")) return false;
                throw AoException.usage(origin + ": " + key.name() + " must be true or false, got \"" + raw + "\"");
            case SIZE:
                parseSize(s, key.name(), origin);
                return s;
            case STRING_LIST:
                if (s.startsWith("[")) return listFromArray(key, s, origin);
                // a list of paths reads like PATH (/a:/b); other lists (extensions, env names) are comma-separated
                String sep = key.pathList() ? ":" : ",";
                return s.isEmpty() ? List.of() : Arrays.stream(s.split(sep)).map(String::trim).filter(x -> !x.isEmpty()).toList();
            default:
                throw new IllegalStateException();
        }
    }

    /** {@code ["/a", "/b"]} or {@code ['/a', '/b']}: a TOML array (a JSON array of strings is one too). */
    private static List<String> listFromArray(ConfigKey key, String s, String origin) {
        JsonNode v;
        try {
            v = TOML.readTree("v = " + s).get("v");
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw AoException.usage(origin + ": " + key.name() + " is not a valid array of strings: "
                    + (why == null ? "" : why.lines().findFirst().orElse("")) + " (write [\"/a\", \"/b\"]"
                    + (key.pathList() ? " or /a:/b)" : " or a,b)"));
        }
        @SuppressWarnings("unchecked")
        List<String> out = (List<String>) fromNode(key, v, origin, key.name());
        return out;
    }

    /** Parses {@code 1024}, {@code 512K}, {@code 64M}, {@code 8G} into bytes; {@code unlimited} is -1. */
    public static long parseSize(String s, String key, String origin) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.equals("UNLIMITED")) return -1;
        Matcher m = Pattern.compile("^(\\d+)\\s*([KMGT]?)I?B?$").matcher(t);
        if (!m.matches()) {
            throw AoException.usage(origin + ": " + key + " must be a size like 512M or 8G, got \"" + s + "\"");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw tooLarge(s, key, origin);
        }
        // a shift past 63 bits would wrap to a small or negative size, which meant "no limit"
        if (n > (Long.MAX_VALUE >> shift)) throw tooLarge(s, key, origin);
        if (n == 0) {
            throw AoException.usage(origin + ": " + key + " must be at least 1 byte (or \"unlimited\"), got \"" + s + "\"");
        }
        return n << shift;
    }

    private static AoException tooLarge(String s, String key, String origin) {
        return AoException.usage(origin + ": " + key + " is too large: \"" + s + "\" (at most 8388607T; or \"unlimited\")");
    }

    public static String expandHome(String p) {
        if (p.equals("~") || p.startsWith("~/")) {
            return System.getenv().getOrDefault("HOME", System.getProperty("user.home")) + p.substring(1);
        }
        return p;
    }
}
